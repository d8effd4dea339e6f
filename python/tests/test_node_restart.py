"""A client attached across a restart of its node: its next call says so
(openltp.Error `node_stopped`; pyion's ConnectionAbortedError), and a new
attach carries on with the same client id."""

from __future__ import annotations

import threading
import unittest

import openltp
import pyion
from ltp_nodes import two_nodes


class NodeRestartTest(unittest.TestCase):
    def setUp(self) -> None:
        self.nodes = two_nodes()

    def tearDown(self) -> None:
        self.nodes.close()

    def test_openltp_calls_raise_node_stopped_then_a_new_attach_works(self) -> None:
        client = openltp.attach(self.nodes.dirs[2])
        ap = client.open(7)
        self.nodes.restart(2)
        for call in (lambda: ap.next_notice(0), lambda: ap.send(1, b"x"), lambda: ap.flush(1)):
            with self.assertRaises(openltp.Error) as raised:
                call()
            self.assertEqual(raised.exception.code, "node_stopped")
            self.assertIn("attach again", str(raised.exception))
        again = openltp.attach(self.nodes.dirs[2])
        with again.open(7) as reopened:
            self.assertIsNone(reopened.next_notice(0))
        again.close()

    def test_pyion_receive_raises_connection_aborted(self) -> None:
        sap = pyion.get_ltp_proxy(2, self.nodes.dirs[2]).ltp_open(7)
        failure: list[BaseException] = []
        started = threading.Event()

        def receive() -> None:
            started.set()
            try:
                sap.ltp_receive()
            except BaseException as e:
                failure.append(e)

        receiver = threading.Thread(target=receive, daemon=True)
        receiver.start()
        started.wait()
        self.nodes.restart(2)
        receiver.join(30)
        self.assertFalse(receiver.is_alive(), "ltp_receive still blocked after the restart")
        self.assertEqual(len(failure), 1)
        self.assertIsInstance(failure[0], ConnectionAbortedError)
        with self.assertRaises(ConnectionAbortedError):
            sap.ltp_send(1, b"after the restart")


if __name__ == "__main__":
    unittest.main()
