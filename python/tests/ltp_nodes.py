"""Test nodes for the Python tests: real OpenLTP nodes on loopback.

Each node gets a temporary directory, an ionrc and an ltprc, and is started
with the project's `ionstart` and stopped with `ionstop` (from
$OPENLTP_BIN_DIR, which ctest sets to the build's bin/). Whatever happens,
`NodeSet.close()` stops every node it started and removes the directories
(kept when $OPENLTP_KEEP_TEST_DIRS is set, to inspect with sdrwatch).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional


def bin_dir() -> str:
    path = os.environ.get("OPENLTP_BIN_DIR")
    if not path or not os.path.isfile(os.path.join(path, "ionstart")):
        raise RuntimeError(
            "set OPENLTP_BIN_DIR to the build's bin/ directory holding ionstart, ionstop and "
            "the daemons (ctest does this)"
        )
    return path


def free_udp_ports(count: int) -> List[int]:
    """`count` distinct loopback UDP ports free right now."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class Span:
    engine: int
    port: int  # where the peer's udplsi listens (nothing may listen there)
    queuing_latency: str = "1"  # seconds, ltprc's last span field


@dataclass
class NodeSpec:
    engine: int
    port: int  # this node's udplsi port
    spans: List[Span] = field(default_factory=list)
    ownqtime: str = "1"
    ltprc_extra: List[str] = field(default_factory=list)  # lines before `s`

    def ionrc(self) -> str:
        return f"1 {self.engine}\n"

    def ltprc(self) -> str:
        lines = ["1 20", f"m ownqtime {self.ownqtime}"]
        for s in self.spans:
            lines.append(
                f"a span {s.engine} 20 20 1400 100000 1 'udplso 127.0.0.1:{s.port}' "
                f"{s.queuing_latency}"
            )
        lines.append(f"a seat 'udplsi 127.0.0.1:{self.port}'")
        lines.extend(self.ltprc_extra)
        lines.append("s")
        return "\n".join(lines) + "\n"


# Reads node directories, one a line, until its stdin closes, then stops
# those nodes (unless told "done") and removes the temporary root.
_REAPER = """
import os, shutil, subprocess, sys
bin_dir, root = sys.argv[1], sys.argv[2]
dirs = []
for line in sys.stdin:
    line = line.strip()
    if line == "done":
        sys.exit(0)
    dirs.append(line)
for d in dirs:
    subprocess.run([os.path.join(bin_dir, "ionstop"), "--node", d],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if not os.environ.get("OPENLTP_KEEP_TEST_DIRS"):
    shutil.rmtree(root, ignore_errors=True)
"""


class NodeSet:
    """Started nodes by engine number; a context manager that stops them."""

    def __init__(self) -> None:
        self.dirs: Dict[int, str] = {}
        self._root = tempfile.mkdtemp(prefix="openltp-py-")
        self._reaper = subprocess.Popen(
            [sys.executable, "-c", _REAPER, bin_dir(), self._root],
            stdin=subprocess.PIPE,
            text=True,
            start_new_session=True,  # outlives a kill of our process group
        )

    def start(self, spec: NodeSpec) -> str:
        d = os.path.join(self._root, f"node{spec.engine}")
        os.mkdir(d)
        self.dirs[spec.engine] = d  # stop() even if the start fails half-way
        self._reaper.stdin.write(d + "\n")
        self._reaper.stdin.flush()
        for name, text in (("node.ionrc", spec.ionrc()), ("node.ltprc", spec.ltprc())):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        self._run("ionstart", "--node", d, "-i", f"{d}/node.ionrc", "-l", f"{d}/node.ltprc")
        return d

    def stop(self, engine: int) -> None:
        self._run("ionstop", "--node", self.dirs[engine])

    def restart(self, engine: int) -> None:
        """ionstop, then ionstart from the node's heap (sessions resume)."""
        d = self.dirs[engine]
        self.stop(engine)
        self._run("ionstart", "--node", d, "-i", f"{d}/node.ionrc", "-l", f"{d}/node.ltprc")

    def close(self) -> None:
        errors = []
        for engine in list(self.dirs):
            try:
                self.stop(engine)
            except RuntimeError as e:
                errors.append(str(e))
        if not os.environ.get("OPENLTP_KEEP_TEST_DIRS"):
            shutil.rmtree(self._root, ignore_errors=True)
        self._reaper.communicate("done\n")
        if errors:
            raise RuntimeError("; ".join(errors))

    def __enter__(self) -> "NodeSet":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _run(program: str, *args: str) -> None:
        done = subprocess.run(
            [os.path.join(bin_dir(), program), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}")


def two_nodes(silent_engine: Optional[int] = None) -> NodeSet:
    """Engines 1 and 2 linked both ways over loopback. With `silent_engine`,
    engine 1 also has a span to that engine at a port nobody listens on,
    with short timers (0.1 s queuing latencies) so LTP gives up in seconds."""
    p1, p2, silent = free_udp_ports(3)
    one = NodeSpec(1, p1, [Span(2, p2)], ownqtime="0.1")
    if silent_engine is not None:
        one.spans.append(Span(silent_engine, silent, queuing_latency="0.1"))
    two = NodeSpec(2, p2, [Span(1, p1)])
    nodes = NodeSet()
    try:
        nodes.start(one)
        nodes.start(two)
    except BaseException:
        nodes.close()
        raise
    return nodes
