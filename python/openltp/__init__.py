"""OpenLTP's client API for Python.

Attach to a started node, claim a client service id, send blocks to other
engines and take the notices LTP posts for that id::

    import openltp

    with openltp.attach() as node:          # $LTP_NODE_DIR, else the cwd
        with node.open(4) as ap:
            ap.send(2, b"hello")             # to engine 2, all red
            ap.flush(2)
            notice = ap.next_notice(timeout=10)

For ION's pyion API, import :mod:`pyion` (same package set).
"""

from ._node import AccessPoint, Data, Error, Node, attach, heap_stats
from ._notices import CancelReason, Notice, NoticeType, SessionId

__all__ = [
    "AccessPoint",
    "CancelReason",
    "Data",
    "Error",
    "Node",
    "Notice",
    "NoticeType",
    "SessionId",
    "attach",
    "heap_stats",
]
