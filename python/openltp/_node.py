"""Node and AccessPoint: the Pythonic client API over openltp._native."""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any, Dict, Optional, Union

from . import _native
from ._notices import Notice, NoticeType, SessionId

Error = _native.Error

Data = Union[bytes, bytearray, memoryview, str]
PathLike = Union[str, "os.PathLike[str]"]


class AccessPoint:
    """A claimed client service id: sends blocks and takes its notices.

    Open one with :meth:`Node.open`. Leaving a ``with`` block closes it.
    Every method may be called from several threads; :meth:`interrupt`
    also from a signal handler. Blocking calls release the GIL and let
    Ctrl-C through (KeyboardInterrupt).
    """

    def __init__(self, node: "Node", client_id: int) -> None:
        self._node = node
        self._native = _native.AccessPoint(node._client, client_id)

    @property
    def client_id(self) -> int:
        return self._native.client_id

    @property
    def node(self) -> "Node":
        return self._node

    @property
    def is_open(self) -> bool:
        return self._native.is_open

    def send(self, engine: int, data: Data, red_length: Optional[int] = None) -> SessionId:
        """Appends ``data`` to the open block of the span to ``engine``.

        The first ``red_length`` bytes are red (reliable), the rest green;
        None sends it all red. ``data`` may be bytes, bytearray, memoryview
        (contiguous) or str (sent as UTF-8). Blocks while the span's export
        window is full. The block leaves when the span's aggregation size or
        time limit closes it, or at :meth:`flush`. Returns the block's
        session; its outcome comes as an EXPORT_SESSION_COMPLETE or
        EXPORT_SESSION_CANCELLED notice (one per send).
        """
        engine_id, number = self._native.send(engine, data, red_length)
        return SessionId(engine_id, number)

    def flush(self, engine: int) -> None:
        """Closes the open block of the span to ``engine`` now."""
        self._native.flush(engine)

    def cancel(self, session: SessionId) -> None:
        """Cancels ``session`` if it is still open and this client's: a block
        it sent (its sends come back as EXPORT_SESSION_CANCELLED notices,
        reason 0) or one it is receiving (an IMPORT_SESSION_CANCELLED notice,
        unless its red part was delivered already). The peer is told. Raises
        :class:`Error` (code ``no_such_session``) otherwise."""
        self._native.cancel(session.engine, session.number)

    def next_notice(self, timeout: Optional[float] = None) -> Optional[Notice]:
        """The next notice; None if ``timeout`` seconds pass or :meth:`interrupt`
        is called first. Raises :class:`Error` (code ``not_open``) once closed,
        ``node_stopped`` when the node stops."""
        raw = self._native.next_notice(timeout)
        return None if raw is None else Notice._from_native(raw)

    def receive(self, timeout: Optional[float] = None) -> Optional[bytes]:
        """The next red part received, as bytes; None on timeout or interrupt.

        Other notices that come first are dropped: an application that also
        sends and wants its outcomes reads :meth:`next_notice` instead.
        """
        while True:
            notice = self.next_notice(timeout)
            if notice is None:
                return None
            if notice.type == NoticeType.RED_PART:
                return notice.data

    def interrupt(self) -> None:
        """Wakes a blocked :meth:`next_notice` / :meth:`receive` (it returns
        None), or makes the next one return None at once."""
        self._native.interrupt()

    def close(self) -> None:
        """Releases the client id; blocked calls raise Error(not_open).
        Closing twice is harmless."""
        self._native.close()

    def __enter__(self) -> "AccessPoint":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self.is_open else "closed"
        return f"<openltp.AccessPoint client {self.client_id} of engine {self._node.engine_id} ({state})>"


class Node:
    """This process's attachment to a started node (see :func:`attach`).

    Leaving a ``with`` block closes the access points opened through it.
    """

    def __init__(self, node: Optional[PathLike] = None) -> None:
        self._client = _native.Client.attach(None if node is None else os.fspath(node))
        self._lock = threading.Lock()
        self._opened: "weakref.WeakSet[AccessPoint]" = weakref.WeakSet()

    @property
    def engine_id(self) -> int:
        """The node's own LTP engine number (ionrc's ``1 <node_nbr>``)."""
        return self._client.engine_id

    @property
    def directory(self) -> str:
        return os.fspath(self._client.directory)

    @property
    def engine_started(self) -> bool:
        """True while the node's daemons run (ION's ltp_engine_is_started)."""
        return self._client.engine_started()

    def open(self, client_id: int) -> AccessPoint:
        """Claims ``client_id`` (1 or more) for this process. Raises
        :class:`Error` with code ``in_use`` if another live process holds it."""
        ap = AccessPoint(self, client_id)
        with self._lock:
            self._opened.add(ap)
        return ap

    def heap_stats(self) -> Dict[str, int]:
        """The node's SDR heap statistics, as ``sdrwatch`` reports them."""
        return heap_stats(self.directory)

    def close(self) -> None:
        """Closes every access point opened through this node."""
        with self._lock:
            opened = list(self._opened)
        for ap in opened:
            ap.close()

    def __enter__(self) -> "Node":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<openltp.Node engine {self.engine_id} at {self.directory}>"


def attach(node: Optional[PathLike] = None) -> Node:
    """Attaches to a started node.

    ``node`` is the node's directory; when None, ``$LTP_NODE_DIR``, else
    the current directory (the rule every OpenLTP tool follows). Raises
    :class:`Error` (code ``no_node`` or ``not_running``) with what to do.
    """
    return Node(node)


def heap_stats(node: Optional[PathLike] = None) -> Dict[str, int]:
    """SDR heap statistics of the node in ``node`` (same directory rule as
    :func:`attach`; the node need not be started): ``objects``,
    ``bytes_in_use``, ``free_bytes``, ..."""
    return _native.heap_stats(None if node is None else os.fspath(node))
