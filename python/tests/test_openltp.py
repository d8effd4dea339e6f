"""The openltp package between two real nodes: sessions and their notices,
red and green data, timeouts, interrupts, errors."""

from __future__ import annotations

import unittest

import openltp
from openltp import NoticeType
from ltp_nodes import two_nodes

TIMEOUT = 60


class OpenltpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.nodes = two_nodes()
        cls.one = openltp.attach(cls.nodes.dirs[1])
        cls.two = openltp.attach(cls.nodes.dirs[2])

    @classmethod
    def tearDownClass(cls) -> None:
        try:
            cls.one.close()
            cls.two.close()
        finally:
            cls.nodes.close()

    def notices_until(self, ap: openltp.AccessPoint, last: NoticeType) -> list[openltp.Notice]:
        seen = []
        while not seen or seen[-1].type != last:
            notice = ap.next_notice(TIMEOUT)
            self.assertIsNotNone(notice, f"no notice within {TIMEOUT} s; had {seen}")
            seen.append(notice)
        return seen

    def green_segments(self, ap: openltp.AccessPoint, seen: list[openltp.Notice]):
        """The green segments of the block, up to its end of block."""
        greens = [n for n in seen if n.type == NoticeType.GREEN_SEGMENT]
        while not greens or not greens[-1].end_of_block:
            notice = ap.next_notice(TIMEOUT)
            self.assertIsNotNone(notice)
            if notice.type == NoticeType.GREEN_SEGMENT:
                greens.append(notice)
        return sorted(greens, key=lambda n: n.offset)

    def test_node(self) -> None:
        self.assertEqual(self.one.engine_id, 1)
        self.assertTrue(self.one.engine_started)
        self.assertGreater(self.one.heap_stats()["objects"], 0)

    def test_a_block_and_its_notices(self) -> None:
        with self.one.open(5) as tx, self.two.open(5) as rx:
            session = tx.send(2, "red part" + "green" * 10, red_length=8)
            self.assertEqual(session.engine, 1)
            tx.flush(2)
            sent = self.notices_until(tx, NoticeType.EXPORT_SESSION_COMPLETE)
            self.assertEqual(sent[0].type, NoticeType.EXPORT_SESSION_START)
            self.assertTrue(all(n.session == session for n in sent))

            got = self.notices_until(rx, NoticeType.RED_PART)
            red = got[-1]
            self.assertEqual(red.data, b"red part")
            self.assertEqual(red.session, session)
            self.assertIsNone(red.reason)
            green = b"".join(n.data for n in self.green_segments(rx, got))
            self.assertEqual(green, b"green" * 10)

    def test_receive(self) -> None:
        with self.one.open(6) as tx, self.two.open(6) as rx:
            tx.send(2, memoryview(b"payload"))
            tx.flush(2)
            self.assertEqual(rx.receive(TIMEOUT), b"payload")

    def test_cancel(self) -> None:
        with self.one.open(9) as tx:
            # Still in the span's open block (not flushed): nothing went out.
            session = tx.send(2, b"x" * 1000)
            tx.cancel(session)
            cancelled = self.notices_until(tx, NoticeType.EXPORT_SESSION_CANCELLED)[-1]
            self.assertEqual(cancelled.session, session)
            self.assertEqual(cancelled.reason, openltp.CancelReason.USR_CNCLD)
            self.assertEqual(cancelled.data, b"x" * 1000)
            with self.assertRaises(openltp.Error) as raised:
                tx.cancel(session)
            self.assertEqual(raised.exception.code, "no_such_session")

    def test_timeout_and_interrupt_return_none(self) -> None:
        with self.two.open(7) as ap:
            self.assertIsNone(ap.next_notice(timeout=0))
            self.assertIsNone(ap.receive(timeout=0.05))
            ap.interrupt()
            self.assertIsNone(ap.next_notice())  # at once, not forever

    def test_errors(self) -> None:
        with self.one.open(8) as ap:
            with self.assertRaises(openltp.Error) as raised:
                self.one.open(8)
            self.assertEqual(raised.exception.code, "in_use")
            with self.assertRaises(openltp.Error) as raised:
                ap.send(9, b"x")
            self.assertEqual(raised.exception.code, "no_such_span")
            with self.assertRaises(TypeError):
                ap.send(2, 12345)
        with self.assertRaises(openltp.Error) as raised:
            ap.next_notice()
        self.assertEqual(raised.exception.code, "not_open")
        with self.assertRaises(openltp.Error) as raised:
            self.one.open(0)
        self.assertEqual(raised.exception.code, "bad_argument")

    def test_attach_to_a_directory_without_node(self) -> None:
        with self.assertRaises(openltp.Error) as raised:
            openltp.attach(self.nodes.dirs[1] + "/..")
        self.assertIn(raised.exception.code, ("no_node", "not_running"))


if __name__ == "__main__":
    unittest.main()
