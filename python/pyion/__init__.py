"""pyion's LTP interface on OpenLTP.

ION's pyion gives Python two abstractions for LTP without BP: an
:class:`LtpProxy` per node and :class:`AccessPoint` per client service id.
Programs written for it run unchanged::

    import pyion
    pxy = pyion.get_ltp_proxy(1)           # the node of $LTP_NODE_DIR (or cwd)
    with pxy.ltp_open(4) as sap:
        sap.ltp_send(2, b"data")            # waits for the outcome

``ltp_send`` raises RuntimeError when LTP gives up on the transfer;
``ltp_receive`` raises ConnectionAbortedError when the access point is
closed or interrupted.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Dict, Union

from ._access_point import AccessPoint
from ._proxy import LtpProxy

__all__ = ["AccessPoint", "LtpProxy", "get_ltp_proxy"]

_proxies: Dict[int, LtpProxy] = {}
_proxies_lock = threading.Lock()


def get_ltp_proxy(node_nbr: int, node_dir: Union[str, "os.PathLike[str]", None] = None) -> LtpProxy:
    """The one LtpProxy of node ``node_nbr`` (created at the first call).

    Like pyion, which attaches to the ION instance of its environment, the
    node is the one in ``node_dir`` if given, else ``$LTP_NODE_DIR``, else the
    current directory; its own engine number must be ``node_nbr`` (else
    ValueError). Raises openltp.Error (a RuntimeError) when there is no
    started node there.
    """
    wanted = None if node_dir is None else os.path.realpath(os.fspath(node_dir))
    with _proxies_lock:
        proxy = _proxies.get(node_nbr)
        if proxy is None:
            proxy = LtpProxy(node_nbr, wanted)
            _proxies[node_nbr] = proxy
        elif wanted is not None and os.path.realpath(proxy.node_dir) != wanted:
            raise ValueError(
                f"node {node_nbr}'s proxy is attached to {proxy.node_dir}, not {wanted}"
            )
        return proxy


@atexit.register
def _close_all() -> None:
    # The notice pumps wait in the node's semaphores: close their access
    # points while the interpreter can still let them finish.
    with _proxies_lock:
        proxies = list(_proxies.values())
    for proxy in proxies:
        proxy.ltp_close_all()
