"""The notice router behind one pyion AccessPoint.

LTP posts every notice of a client id on one queue: the red parts that
ltp_receive returns and the export outcomes each ltp_send waits for. A
pump thread takes them as they come and routes them: red parts to a FIFO
for the receivers, outcomes to the sender waiting for that session (kept
until it asks: the outcome can come before send() has even returned the
session). So a thread blocked in ltp_receive and threads in ltp_send each
get their own notices.
"""

from __future__ import annotations

import collections
import threading
from typing import Deque, Dict, Optional

import openltp
from openltp import Notice, NoticeType, SessionId

_OUTCOMES = (NoticeType.EXPORT_SESSION_COMPLETE, NoticeType.EXPORT_SESSION_CANCELLED)

# Waits run in slices: a signal (Ctrl-C) delivered to another thread, e.g.
# the pump, does not wake the main thread's lock wait, so it must come
# back now and then for Python to run the handler.
_WAIT_SLICE = 0.15


class Closed(Exception):
    """The access point was closed (or its node stopped); carries why."""


class Interrupted(Exception):
    """ltp_interrupt() woke the receiver."""


class NoticeRouter:
    def __init__(self, ap: openltp.AccessPoint) -> None:
        self._ap = ap
        # Reentrant: interrupt() may run in a signal handler on a thread
        # that is inside one of the methods below.
        self._cond = threading.Condition(threading.RLock())
        self._red_parts: Deque[bytes] = collections.deque()
        self._outcomes: Dict[SessionId, Deque[Notice]] = {}
        self._ended: Optional[str] = None
        self._receivers = 0
        self._interrupts = 0  # bumped per interrupt that found receivers waiting
        self._interrupt_pending = False  # one that found none: the next receive
        self._pump = threading.Thread(
            target=self._run, name=f"pyion-ltp-client-{ap.client_id}", daemon=True
        )
        self._pump.start()

    def _run(self) -> None:
        try:
            while True:
                notice = self._ap.next_notice()
                if notice is not None:
                    self._route(notice)
        except openltp.Error as e:
            why = (
                f"access point {self._ap.client_id} is closed"
                if e.code == "not_open"
                else str(e)
            )
        except BaseException as e:  # never die silently: waiters must wake
            why = f"the notice pump failed: {e!r}"
        with self._cond:
            self._ended = why
            self._cond.notify_all()

    def _route(self, notice: Notice) -> None:
        with self._cond:
            if notice.type == NoticeType.RED_PART:
                self._red_parts.append(notice.data or b"")
            elif notice.type in _OUTCOMES:
                self._outcomes.setdefault(notice.session, collections.deque()).append(notice)
            else:
                return  # starts, transmissions, green data, import cancels
            self._cond.notify_all()

    def receive(self) -> bytes:
        """The next red part; raises Interrupted or Closed."""
        with self._cond:
            if self._interrupt_pending:
                self._interrupt_pending = False
                raise Interrupted()
            generation = self._interrupts
            self._receivers += 1
            try:
                while True:
                    if self._ended is not None:
                        raise Closed(self._ended)
                    if generation != self._interrupts:
                        raise Interrupted()
                    if self._red_parts:
                        return self._red_parts.popleft()
                    self._cond.wait(_WAIT_SLICE)
            finally:
                self._receivers -= 1

    def outcome(self, session: SessionId) -> Notice:
        """Waits for one outcome notice of `session`; raises Closed."""
        with self._cond:
            while True:
                waiting = self._outcomes.get(session)
                if waiting:
                    notice = waiting.popleft()
                    if not waiting:
                        del self._outcomes[session]
                    return notice
                if self._ended is not None:
                    raise Closed(self._ended)
                self._cond.wait(_WAIT_SLICE)

    def interrupt(self) -> None:
        with self._cond:
            if self._receivers:
                self._interrupts += 1
            else:
                self._interrupt_pending = True
            self._cond.notify_all()

    def join(self) -> None:
        """Waits for the pump to end (after the access point is closed)."""
        if threading.current_thread() is not self._pump:
            self._pump.join()
