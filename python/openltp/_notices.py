"""Notices: what LTP tells a client about its sessions (ION's numbering)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple, Optional, Union

from . import _native


class NoticeType(enum.IntEnum):
    """The kind of a notice, numbered as ION's ``LtpNoticeType``."""

    NONE = 0
    EXPORT_SESSION_START = 1
    TRANSMISSION_COMPLETE = 2
    EXPORT_SESSION_CANCELLED = 3
    EXPORT_SESSION_COMPLETE = 4
    GREEN_SEGMENT = 5
    RED_PART = 6
    IMPORT_SESSION_CANCELLED = 7


class CancelReason(enum.IntEnum):
    """Why a session was cancelled (RFC 5326 section 6.22 reason codes)."""

    USR_CNCLD = 0
    UNREACH = 1
    RLEXC = 2
    MISCOLORED = 3
    SYS_CNCLD = 4
    RXMTCYCEXC = 5

    @property
    def text(self) -> str:
        """The reason in words, e.g. "retransmission limit exceeded (RLEXC)"."""
        return _native.reason_text(int(self))


class SessionId(NamedTuple):
    """A session: the engine that originated it (the sender) and its number."""

    engine: int
    number: int


_CANCELLATIONS = (NoticeType.EXPORT_SESSION_CANCELLED, NoticeType.IMPORT_SESSION_CANCELLED)


@dataclass(frozen=True)
class Notice:
    """One notice of a client service id.

    ``data`` holds a red part (RED_PART), a green segment (GREEN_SEGMENT) or
    the service data unit LTP gave up on (EXPORT_SESSION_CANCELLED); else
    None. ``reason`` is set for the two cancellations only (an int when the
    peer sent a reserved code).
    """

    type: NoticeType
    session: SessionId
    reason: Optional[Union[CancelReason, int]]
    end_of_block: bool
    offset: int
    length: int
    data: Optional[bytes]

    @classmethod
    def _from_native(cls, raw: tuple) -> "Notice":
        kind, engine, number, reason, end_of_block, offset, length, data = raw
        kind = NoticeType(kind)
        return cls(
            type=kind,
            session=SessionId(engine, number),
            reason=_reason(reason) if kind in _CANCELLATIONS else None,
            end_of_block=bool(end_of_block),
            offset=offset,
            length=length,
            data=data,
        )


def _reason(code: int) -> Union[CancelReason, int]:
    try:
        return CancelReason(code)
    except ValueError:
        return code
