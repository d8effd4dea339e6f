"""pyion's LtpProxy: the LTP engine of one node, as get_ltp_proxy hands it out."""

from __future__ import annotations

import threading
from typing import Dict, List, Optional

import openltp

from ._access_point import AccessPoint


class LtpProxy:
    """Proxy to the LTP engine of node ``node_nbr``.

    Get it from :func:`pyion.get_ltp_proxy` (one per node number), not by
    constructing it. Open, close and interrupt access points through it.
    """

    def __init__(self, node_nbr: int, node_dir: Optional[str] = None) -> None:
        node = openltp.attach(node_dir)
        if node.engine_id != node_nbr:
            raise ValueError(
                f"the node in {node.directory} is engine {node.engine_id}, not {node_nbr}: "
                f"set LTP_NODE_DIR to node {node_nbr}'s directory (or pass its node_dir)"
            )
        self.node_nbr = node_nbr
        self.node_dir = node.directory
        self._node = node
        self._lock = threading.RLock()
        self._aps: Dict[int, AccessPoint] = {}

    @property
    def open_clients(self) -> List[int]:
        """The client ids open through this proxy."""
        with self._lock:
            return sorted(cid for cid, ap in self._aps.items() if ap.is_open)

    def ltp_open(self, client_id: int) -> AccessPoint:
        """Opens client service id ``client_id`` and returns its access point,
        or the one already open for it."""
        with self._lock:
            ap = self._aps.get(client_id)
            if ap is not None and ap.is_open:
                return ap
            ap = AccessPoint(self, client_id, self._node.open(client_id))
            self._aps[client_id] = ap
            return ap

    def ltp_close(self, client_id: int) -> None:
        """Closes ``client_id``'s access point: blocked ltp_receive calls raise
        ConnectionAbortedError. Closing one that is not open does nothing."""
        with self._lock:
            ap = self._aps.pop(client_id, None)
        if ap is not None:
            ap._close()

    def ltp_interrupt(self, client_id: int) -> None:
        """Interrupts ``client_id``'s blocked ltp_receive."""
        with self._lock:
            ap = self._aps.get(client_id)
        if ap is not None:
            ap.ltp_interrupt()

    def ltp_interrupt_all(self) -> None:
        """Interrupts every open access point's blocked ltp_receive."""
        with self._lock:
            aps = list(self._aps.values())
        for ap in aps:
            ap.ltp_interrupt()

    def ltp_close_all(self) -> None:
        """Closes every access point opened through this proxy."""
        with self._lock:
            ids = list(self._aps)
        for client_id in ids:
            self.ltp_close(client_id)

    def __repr__(self) -> str:
        return f"<LtpProxy: node {self.node_nbr} at {self.node_dir} (clients {self.open_clients})>"
