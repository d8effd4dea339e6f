"""A receiving node whose heap fills up slows its sender down instead of
cancelling blocks (issue 16 #4): 80 blocks of 5 MB into a receiver whose
heapmax is a third of that, taken by a client that needs 0.15 s for each
(an application writing to a slow disk). Every block arrives intact, none
is cancelled, and the receiver's log says why it was slow."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import unittest

import openltp
from ltp_nodes import NodeSet, NodeSpec, Span, free_udp_ports

BLOCKS = 80
BLOCK_BYTES = 5_000_000
HEAPMAX = BLOCKS * BLOCK_BYTES // 3


class ReceivingHeapFullTest(unittest.TestCase):
    def test_blocks_wait_for_room_instead_of_being_cancelled(self) -> None:
        p1, p2 = free_udp_ports(2)
        with NodeSet() as nodes:
            nodes.start(NodeSpec(1, p1, [Span(2, p2)]))
            nodes.start(NodeSpec(2, p2, [Span(1, p1)], ltprc_extra=[f"m heapmax {HEAPMAX}"]))
            got = {}
            failure = []

            def receive() -> None:
                try:
                    with openltp.attach(nodes.dirs[2]) as node, node.open(1) as ap:
                        opened.set()
                        while len(got) < BLOCKS:
                            n = ap.next_notice(timeout=120)
                            if n is None:
                                return
                            if n.type == openltp.NoticeType.RED_PART:
                                time.sleep(0.15)
                                got[n.session.number] = hashlib.sha256(n.data).hexdigest()
                except BaseException as e:  # reported by the test thread
                    failure.append(e)
                    opened.set()

            opened = threading.Event()
            receiver = threading.Thread(target=receive, daemon=True)
            receiver.start()
            opened.wait(30)
            sent = {}
            outcomes = {}
            with openltp.attach(nodes.dirs[1]) as node, node.open(1) as ap:
                for i in range(BLOCKS):
                    block = i.to_bytes(4, "big") * (BLOCK_BYTES // 4)
                    sent[ap.send(2, block).number] = hashlib.sha256(block).hexdigest()
                while len(outcomes) < BLOCKS:
                    n = ap.next_notice(timeout=120)
                    self.assertIsNotNone(n, f"only {len(outcomes)} outcomes in time")
                    if n.type in (openltp.NoticeType.EXPORT_SESSION_COMPLETE,
                                  openltp.NoticeType.EXPORT_SESSION_CANCELLED):
                        outcomes[n.session.number] = n.type
            receiver.join(120)
            self.assertEqual(failure, [])
            cancelled = [s for s, t in outcomes.items()
                         if t == openltp.NoticeType.EXPORT_SESSION_CANCELLED]
            self.assertEqual(cancelled, [])
            self.assertEqual(got, sent)
            with open(os.path.join(nodes.dirs[2], "ltp.log")) as log:
                self.assertIn("the heap is full: red data from engine 1 is not kept", log.read())


if __name__ == "__main__":
    unittest.main()
