"""pyion's AccessPoint: one open LTP client service id of an LtpProxy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Union

import openltp
from openltp import NoticeType

from ._router import Closed, Interrupted, NoticeRouter

if TYPE_CHECKING:
    from ._proxy import LtpProxy


class AccessPoint:
    """Access point to send and receive data through LTP.

    Do not create, close or interrupt one directly: use the proxy
    (:meth:`LtpProxy.ltp_open`, :meth:`LtpProxy.ltp_close`, ...). Leaving a
    ``with`` block closes it. Any number of threads may call ltp_send while
    one (or more) waits in ltp_receive.
    """

    def __init__(self, proxy: "LtpProxy", client_id: int, ap: openltp.AccessPoint) -> None:
        self.proxy: Optional["LtpProxy"] = proxy
        self.client_id = client_id
        self._ap = ap
        self._router = NoticeRouter(ap)

    @property
    def is_open(self) -> bool:
        """True until the access point is closed."""
        return self._ap.is_open

    def ltp_send(self, peer_engine_nbr: int, data: Union[bytes, bytearray, memoryview, str]) -> None:
        """Sends ``data`` (bytes, bytearray, memoryview or str as UTF-8), all
        red, to engine ``peer_engine_nbr`` and waits until LTP is done with it.

        Returns when the peer acknowledged the block. Raises RuntimeError,
        with the reason, when LTP gives up (e.g. the retransmission limit is
        exceeded because the peer never answers); ConnectionAbortedError if
        the access point is closed, or the node stopped or restarted under it,
        before the outcome is known; openltp.Error
        (a RuntimeError) when the send is refused (no span to that engine).
        """
        try:
            session = self._ap.send(peer_engine_nbr, data)
            # The caller waits for the outcome anyway: the block need not
            # wait out the span's aggregation time limit.
            self._ap.flush(peer_engine_nbr)
            notice = self._router.outcome(session)
        except Closed as e:
            raise ConnectionAbortedError(str(e)) from None
        except openltp.Error as e:
            if e.code in ("not_open", "node_stopped"):
                raise ConnectionAbortedError(str(e)) from None
            raise
        if notice.type == NoticeType.EXPORT_SESSION_CANCELLED:
            reason = notice.reason
            text = reason.text if isinstance(reason, openltp.CancelReason) else f"reason code {reason}"
            raise RuntimeError(
                f"LTP gave up sending {len(notice.data or b'')} bytes to engine "
                f"{peer_engine_nbr} (session {notice.session.engine}/{notice.session.number}): "
                f"{text}"
            )

    def ltp_receive(self) -> bytes:
        """Blocks until a block's red part arrives and returns it as bytes.

        Raises ConnectionAbortedError when the access point is closed or
        interrupted (:meth:`LtpProxy.ltp_interrupt_all`, :meth:`ltp_interrupt`),
        from another thread or a signal handler, or when the node stopped or
        restarted under it (get a new proxy and open the access point again).
        Ctrl-C raises KeyboardInterrupt.
        """
        try:
            return self._router.receive()
        except Interrupted:
            raise ConnectionAbortedError(f"access point {self.client_id} was interrupted") from None
        except Closed as e:
            raise ConnectionAbortedError(str(e)) from None

    def ltp_interrupt(self) -> None:
        """Makes a blocked ltp_receive (or the next one) raise
        ConnectionAbortedError. Safe in a signal handler."""
        self._router.interrupt()

    def _close(self) -> None:
        """Closes the client id and stops the pump (the proxy calls this)."""
        self._ap.close()
        self._router.join()
        self.proxy = None

    def __enter__(self) -> "AccessPoint":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.proxy is not None:
            self.proxy.ltp_close(self.client_id)

    def __repr__(self) -> str:
        return f"<AccessPoint: {self.client_id} ({'Open' if self.is_open else 'Closed'})>"
