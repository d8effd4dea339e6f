"""pyion's LTP API between two real nodes, in one process: proxies, access
points shared by threads, interrupts, a 50 MB block, and the heap left as
it was found."""

from __future__ import annotations

import os
import signal
import threading
import time
import unittest

import openltp
import pyion
from ltp_nodes import two_nodes

TIMEOUT = 120


class Receiver:
    """ltp_receive in a thread until `size` bytes came (or it fails).

    Sends that meet in a span's open block arrive as one red part, as in
    ION: the receiver sees blocks, not the sender's calls."""

    def __init__(self, sap: pyion.AccessPoint, size: int) -> None:
        self.blocks: list[bytes] = []
        self.error: BaseException | None = None
        self._sap, self._size = sap, size
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while sum(map(len, self.blocks)) < self._size:
                self.blocks.append(self._sap.ltp_receive())
        except BaseException as e:
            self.error = e

    def join(self) -> list[bytes]:
        self._thread.join(TIMEOUT)
        if self._thread.is_alive():
            raise AssertionError(f"receiver still waiting after {len(self.blocks)} blocks")
        if self.error is not None:
            raise self.error
        return self.blocks


class SignalSoon:
    """Sends this process `signum` from another thread once `armed()` is
    called: just before the test enters the blocking call (a signal that
    lands before the call blocks still raises inside the test's `with`)."""

    def __init__(self, signum: int) -> None:
        self._go = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(signum,), daemon=True)
        self._thread.start()

    def _run(self, signum: int) -> None:
        self._go.wait()
        os.kill(os.getpid(), signum)

    def armed(self) -> None:
        self._go.set()


def wait_until(condition, what: str, timeout: float = 30) -> None:
    """Polls a condition the node offers no event for (a closed export
    block's heap space is freed after a grace period)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class PyionApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.nodes = two_nodes(silent_engine=3)
        cls.p1 = pyion.get_ltp_proxy(1, cls.nodes.dirs[1])
        cls.p2 = pyion.get_ltp_proxy(2, cls.nodes.dirs[2])

    @classmethod
    def tearDownClass(cls) -> None:
        try:
            cls.p1.ltp_close_all()
            cls.p2.ltp_close_all()
        finally:
            cls.nodes.close()

    def test_one_proxy_per_node_number(self) -> None:
        self.assertIs(pyion.get_ltp_proxy(1), self.p1)
        self.assertIs(pyion.get_ltp_proxy(2, self.nodes.dirs[2]), self.p2)
        with self.assertRaisesRegex(ValueError, "is engine 1, not 5"):
            pyion.get_ltp_proxy(5, self.nodes.dirs[1])

    def test_open_returns_the_open_access_point(self) -> None:
        sap = self.p1.ltp_open(11)
        self.assertIs(self.p1.ltp_open(11), sap)
        self.assertIn(11, self.p1.open_clients)
        with sap:
            self.assertTrue(sap.is_open)
        self.assertFalse(sap.is_open)
        self.assertNotIn(11, self.p1.open_clients)
        with self.assertRaises(ConnectionAbortedError):
            sap.ltp_receive()

    def test_every_data_type_arrives(self) -> None:
        payloads = [b"bytes", bytearray(b"bytearray"), memoryview(b"xxmemoryviewxx")[2:-2], "stré"]
        with self.p2.ltp_open(12) as rx, self.p1.ltp_open(12) as tx:
            expected = [bytes(d) if not isinstance(d, str) else d.encode() for d in payloads]
            receiver = Receiver(rx, sum(map(len, expected)))
            for data in payloads:
                tx.ltp_send(2, data)  # one at a time: one block each
            self.assertEqual(receiver.join(), expected)

    def test_several_threads_send_on_one_access_point(self) -> None:
        threads, per_thread = 4, 5
        def payload(t: int, i: int) -> bytes:
            return f"<thread {t} send {i}>".encode() * 50

        with self.p2.ltp_open(13) as rx, self.p1.ltp_open(13) as tx:
            receiver = Receiver(rx, threads * per_thread * len(payload(0, 0)))
            errors: list[BaseException] = []

            def send(t: int) -> None:
                try:
                    for i in range(per_thread):
                        tx.ltp_send(2, payload(t, i))
                except BaseException as e:
                    errors.append(e)

            senders = [threading.Thread(target=send, args=(t,)) for t in range(threads)]
            for s in senders:
                s.start()
            for s in senders:
                s.join(TIMEOUT)
            self.assertEqual(errors, [])
            # Each send's bytes arrive once, whole, in some block.
            blocks = receiver.join()
            self.assertEqual(sum(map(len, blocks)), threads * per_thread * len(payload(0, 0)))
            got = b"|".join(blocks)
            for t in range(threads):
                for i in range(per_thread):
                    self.assertEqual(got.count(payload(t, i)), 1, (t, i))

    def test_interrupt_from_another_thread(self) -> None:
        with self.p2.ltp_open(14) as sap:
            for interrupt in (sap.ltp_interrupt, self.p2.ltp_interrupt_all):
                receiver = Receiver(sap, 1)
                interrupt()
                with self.assertRaises(ConnectionAbortedError):
                    receiver.join()
            self.assertTrue(sap.is_open)  # an interrupt does not close

    def test_close_from_another_thread(self) -> None:
        sap = self.p2.ltp_open(15)
        receiver = Receiver(sap, 1)
        self.p2.ltp_close(15)
        with self.assertRaises(ConnectionAbortedError):
            receiver.join()
        self.assertFalse(sap.is_open)

    def test_interrupt_from_a_signal_handler(self) -> None:
        with self.p2.ltp_open(16) as sap:
            previous = signal.signal(signal.SIGUSR1, lambda *_: sap.ltp_interrupt())
            try:
                soon = SignalSoon(signal.SIGUSR1)
                with self.assertRaises(ConnectionAbortedError):
                    soon.armed()
                    sap.ltp_receive()
            finally:
                signal.signal(signal.SIGUSR1, previous)

    def test_ctrl_c_reaches_a_blocked_receive(self) -> None:
        with self.p2.ltp_open(17) as sap:
            soon = SignalSoon(signal.SIGINT)
            with self.assertRaises(KeyboardInterrupt):
                soon.armed()
                sap.ltp_receive()

    def test_ctrl_c_reaches_openltp_next_notice(self) -> None:
        with openltp.attach(self.nodes.dirs[2]) as node, node.open(18) as ap:
            soon = SignalSoon(signal.SIGINT)
            with self.assertRaises(KeyboardInterrupt):
                soon.armed()
                ap.next_notice()

    def test_send_to_an_engine_without_span(self) -> None:
        with self.p1.ltp_open(19) as sap:
            with self.assertRaises(RuntimeError) as raised:
                sap.ltp_send(9, b"nowhere")
            self.assertIsInstance(raised.exception, openltp.Error)
            self.assertEqual(raised.exception.code, "no_such_span")

    def test_ltp_gives_up_on_a_silent_peer(self) -> None:
        before = openltp.heap_stats(self.nodes.dirs[1])
        with self.p1.ltp_open(20) as sap:
            started = time.monotonic()
            with self.assertRaisesRegex(RuntimeError, "retransmission limit exceeded") as raised:
                sap.ltp_send(3, b"x" * 3000)
            self.assertNotIsInstance(raised.exception, openltp.Error)
            self.assertLess(time.monotonic() - started, 30)
        # The cancelled block's copy handed back with the notice is freed.
        wait_until(
            lambda: openltp.heap_stats(self.nodes.dirs[1])["bytes_in_use"]
            < before["bytes_in_use"] + (16 << 10),
            "the cancelled block's heap space to be freed",
        )

    def test_a_50_megabyte_block(self) -> None:
        block = os.urandom(50 << 20)
        before = {e: openltp.heap_stats(self.nodes.dirs[e]) for e in (1, 2)}
        with self.p2.ltp_open(21) as rx, self.p1.ltp_open(21) as tx:
            receiver = Receiver(rx, len(block))
            tx.ltp_send(2, block)
            self.assertTrue(receiver.join() == [block], "the block arrived changed")
        # Neither heap keeps the block: the receiver's copy was released
        # once read, the sender's after the session's grace period.
        for e in (1, 2):
            wait_until(
                lambda: openltp.heap_stats(self.nodes.dirs[e])["bytes_in_use"]
                < before[e]["bytes_in_use"] + (64 << 10),
                f"engine {e}'s heap to give the block back",
            )


if __name__ == "__main__":
    unittest.main()
