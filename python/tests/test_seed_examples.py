"""The seed's two pyion example programs, unchanged, exchange their data
between two real nodes (each run with LTP_NODE_DIR set to its node)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import unittest

import openltp
from ltp_nodes import two_nodes

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 60


class Program:
    """A Python program run as a subprocess whose stdout lines we wait on."""

    def __init__(self, script: str, node_dir: str) -> None:
        env = dict(os.environ, LTP_NODE_DIR=node_dir, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.output: list[str] = []
        self._lines: "queue.Queue[str | None]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.proc.stdout:
                self._lines.put(line.rstrip("\n"))
        except ValueError:  # closed by kill()
            pass
        self._lines.put(None)

    def next_line(self) -> str:
        line = self._lines.get(timeout=TIMEOUT)
        if line is None:
            raise AssertionError("program ended early:\n" + "\n".join(self.output))
        self.output.append(line)
        return line

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


class SeedExamplesTest(unittest.TestCase):
    def test_sender_and_receiver_exchange_data(self) -> None:
        with two_nodes() as nodes:
            receiver = Program("seed_ltp_receiver.py", nodes.dirs[2])
            try:
                self.assertEqual(receiver.next_line(), "LTP ready to receive data")
                sender = subprocess.run(
                    [sys.executable, os.path.join(HERE, "seed_ltp_sender.py")],
                    env=dict(os.environ, LTP_NODE_DIR=nodes.dirs[1]),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=TIMEOUT,
                )
                self.assertEqual(sender.returncode, 0, sender.stdout)
                sent = sender.stdout.splitlines()[0]
                self.assertTrue(sent.startswith("Sending b'"), sent)
                self.assertEqual(receiver.next_line(), sent[len("Sending ") :])

                # Ctrl-C ends the blocking ltp_receive; the `with` closes
                # the access point on the way out.
                receiver.proc.send_signal(signal.SIGINT)
                self.assertEqual(receiver.proc.wait(timeout=TIMEOUT), -signal.SIGINT)
            finally:
                receiver.kill()
            # The client id is free again.
            with openltp.attach(nodes.dirs[2]) as node, node.open(4):
                pass


if __name__ == "__main__":
    unittest.main()
