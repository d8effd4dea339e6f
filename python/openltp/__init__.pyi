# Type stubs for the openltp package (see docs/python.md).
import enum
import os
from typing import Any, Dict, NamedTuple, Optional, Union

Data = Union[bytes, bytearray, memoryview, str]
PathLike = Union[str, os.PathLike[str]]

class Error(RuntimeError):
    """An LTP client call failed. ``code``: no_node, not_running, in_use,
    bad_argument, no_such_span, not_open, span_stopped, node_stopped, heap."""
    code: str

class NoticeType(enum.IntEnum):
    NONE = 0
    EXPORT_SESSION_START = 1
    TRANSMISSION_COMPLETE = 2
    EXPORT_SESSION_CANCELLED = 3
    EXPORT_SESSION_COMPLETE = 4
    GREEN_SEGMENT = 5
    RED_PART = 6
    IMPORT_SESSION_CANCELLED = 7

class CancelReason(enum.IntEnum):
    USR_CNCLD = 0
    UNREACH = 1
    RLEXC = 2
    MISCOLORED = 3
    SYS_CNCLD = 4
    RXMTCYCEXC = 5
    @property
    def text(self) -> str: ...

class SessionId(NamedTuple):
    engine: int
    number: int

class Notice:
    type: NoticeType
    session: SessionId
    reason: Optional[Union[CancelReason, int]]
    end_of_block: bool
    offset: int
    length: int
    data: Optional[bytes]

class AccessPoint:
    @property
    def client_id(self) -> int: ...
    @property
    def node(self) -> Node: ...
    @property
    def is_open(self) -> bool: ...
    def send(self, engine: int, data: Data, red_length: Optional[int] = None) -> SessionId: ...
    def flush(self, engine: int) -> None: ...
    def next_notice(self, timeout: Optional[float] = None) -> Optional[Notice]: ...
    def receive(self, timeout: Optional[float] = None) -> Optional[bytes]: ...
    def interrupt(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> AccessPoint: ...
    def __exit__(self, *exc: Any) -> None: ...

class Node:
    def __init__(self, node: Optional[PathLike] = None) -> None: ...
    @property
    def engine_id(self) -> int: ...
    @property
    def directory(self) -> str: ...
    @property
    def engine_started(self) -> bool: ...
    def open(self, client_id: int) -> AccessPoint: ...
    def heap_stats(self) -> Dict[str, int]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Node: ...
    def __exit__(self, *exc: Any) -> None: ...

def attach(node: Optional[PathLike] = None) -> Node: ...
def heap_stats(node: Optional[PathLike] = None) -> Dict[str, int]: ...
