"""Kill-and-restart soak: two OpenLTP nodes through ltpnetem (loss,
duplication, reordering), a sender holding its client id, `ltprecv -o DIR`
receiving, and `kill -9` of a random process of either node every 0.3-2 s:
any daemon (the node restarts its own), the receiving client or the sending
client (restarted here at once, as a service manager would). Then it checks
the product's first promise (docs/operations.md, "When a process dies"):

- every block the node accepted is delivered intact exactly once, or its
  sender got a cancellation notice; no file is truncated or left half-made;
- the sender holds an outcome notice for every block it sent;
- both heaps return to their idle size and `sdrwatch --check` passes.

It prints the counts (one JSON object with --json) and exits 0 when every
check passes, 1 when one fails. scripts/soak runs it long; the test suite
runs it short (tests/soak/CMakeLists.txt).

The sender is this file run with `sender`: it journals each block it is
about to send, each session the node accepted and each outcome, one fsynced
line at a time, and resumes from the journal when restarted. A block whose
`send` was under way when the sender died may or may not have been accepted;
it is not sent again, and the check matches it by its content.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Set, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python", "tests"))

from ltp_nodes import NodeSet, NodeSpec, Span, bin_dir, free_udp_ports  # noqa: E402

CLIENT = 1
TABLE_GROWTH_SLACK = 4096
MAGIC = b"OLTPSOAK"


def block_bytes(seed: int, index: int, low: int, high: int) -> bytes:
    """Block `index` of a run: its size and bytes follow from the seed."""
    rng = random.Random(seed * 1_000_003 + index)
    size = rng.randint(low, high)
    header = MAGIC + index.to_bytes(8, "big")
    return header + rng.randbytes(max(size - len(header), 0))


def block_index(data: bytes) -> Optional[int]:
    if len(data) < 16 or data[:8] != MAGIC:
        return None
    return int.from_bytes(data[8:16], "big")


# --- the sender ------------------------------------------------------------


class Journal:
    """Append-only lines, each on disk before the next step."""

    def __init__(self, path: str) -> None:
        self.lines: List[List[str]] = []
        if os.path.exists(path):
            with open(path) as f:
                # A line cut by a kill has no newline: ignore it.
                text = f.read()
                whole = text[: text.rfind("\n") + 1]
                self.lines = [line.split() for line in whole.splitlines() if well_formed(line)]
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if not text_ends_clean(path):
            os.write(self._fd, b"\n")  # end the cut line: it reads as garbage, skipped

    def add(self, *fields: object) -> None:
        os.write(self._fd, (" ".join(str(f) for f in fields) + "\n").encode())
        os.fsync(self._fd)


def well_formed(line: str) -> bool:
    fields = line.split()
    sizes = {"try": 2, "accepted": 3, "outcome": 4, "done": 1}
    return bool(fields) and sizes.get(fields[0]) == len(fields) and all(
        f.isdigit() for f in fields[1:] if f not in ("complete", "cancelled"))


def journal_lines(path: str) -> List[List[str]]:
    with open(path) as f:
        return [line.split() for line in f.read().splitlines() if well_formed(line)]


def text_ends_clean(path: str) -> bool:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return True
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"


def run_sender(args: argparse.Namespace) -> int:
    import openltp

    # SIGTERM ends it cleanly (the id released), as at the end of a run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    journal = Journal(args.journal)
    tried = [int(f[1]) for f in journal.lines if f[0] == "try"]
    accepted: Set[int] = {int(f[2]) for f in journal.lines if f[0] == "accepted"}
    outcomes: Set[int] = {int(f[1]) for f in journal.lines if f[0] == "outcome"}
    next_index = max(tried) + 1 if tried else 0

    def take_notices(ap, timeout: float) -> None:
        while True:
            n = ap.next_notice(timeout=timeout)
            if n is None:
                return
            kind = n.type
            if kind in (
                openltp.NoticeType.EXPORT_SESSION_COMPLETE,
                openltp.NoticeType.EXPORT_SESSION_CANCELLED,
            ):
                done = "complete" if kind == openltp.NoticeType.EXPORT_SESSION_COMPLETE else "cancelled"
                reason = int(n.reason) if done == "cancelled" else 0
                journal.add("outcome", n.session.number, done, reason)
                outcomes.add(n.session.number)
            timeout = 0

    while True:
        try:
            with openltp.attach(args.node) as node, node.open(CLIENT) as ap:
                while next_index < args.blocks:
                    data = block_bytes(args.seed, next_index, args.min_bytes, args.max_bytes)
                    journal.add("try", next_index)
                    session = ap.send(args.dest, data)
                    journal.add("accepted", next_index, session.number)
                    accepted.add(session.number)
                    next_index += 1
                    take_notices(ap, 0)
                # Every accepted session (and any the journal missed) gets
                # its outcome; the harness decides when the wait is over.
                while not accepted <= outcomes:
                    take_notices(ap, 1.0)
                journal.add("done")
                # Stay, holding the id, so late notices are not lost.
                while True:
                    take_notices(ap, 1.0)
        except openltp.Error as e:
            if e.code not in ("node_stopped", "in_use", "not_started", "no_node"):
                raise
            time.sleep(0.05)


# --- the harness -----------------------------------------------------------


class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.nodes = NodeSet()
        self.root = tempfile.mkdtemp(prefix="openltp-soak-")
        self.inbox = os.path.join(self.root, "inbox")
        os.mkdir(self.inbox)
        self.journal = os.path.join(self.root, "sender.journal")
        self.relay: Optional[subprocess.Popen] = None
        self.sender: Optional[subprocess.Popen] = None
        self.receiver: Optional[subprocess.Popen] = None
        self.kills: Dict[str, int] = {}
        self.delivered: Dict[int, Set[int]] = {}  # index -> sessions it came as
        self.corrupted = 0
        self.client_restarts = 0
        self.idle: Dict[int, Tuple[int, int]] = {}  # engine -> (objects, bytes)

    # processes

    def start(self) -> None:
        p1, p2, ab, ba = free_udp_ports(4)
        ready = os.path.join(self.root, "relay.ready")
        self.relay = subprocess.Popen(
            [
                os.path.join(bin_dir(), "ltpnetem"),
                "--ab", f"127.0.0.1:{ab}=127.0.0.1:{p2}",
                "--ba", f"127.0.0.1:{ba}=127.0.0.1:{p1}",
                "--loss", f"{self.args.loss}%",
                "--duplicate", f"{self.args.duplicate}%",
                "--reorder", f"{self.args.reorder}%",
                "--rate", self.args.rate,
                "--queue", "5000",
                "--seed", str(self.args.seed),
                "--ready-file", ready,
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not os.path.exists(ready):
            if self.relay.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("ltpnetem did not start")
            time.sleep(0.02)
        self.nodes.start(NodeSpec(1, p1, [Span(2, ab)]))
        self.nodes.start(NodeSpec(2, p2, [Span(1, ba)]))
        import openltp

        # Idle: each node with client id 1 opened and closed once (a node
        # keeps the record of an id it has seen).
        for engine in (1, 2):
            with openltp.attach(self.nodes.dirs[engine]) as node, node.open(CLIENT):
                pass
            self.idle[engine] = self.heap_use(engine)
        self.start_receiver()
        self.start_sender()

    def start_receiver(self) -> None:
        self.receiver = subprocess.Popen(
            [os.path.join(bin_dir(), "ltprecv"), "--node", self.nodes.dirs[2], "-o", self.inbox,
             str(CLIENT)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start_sender(self) -> None:
        a = self.args
        self.sender = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "sender", "--node", self.nodes.dirs[1],
             "--journal", self.journal, "--blocks", str(a.blocks), "--seed", str(a.seed),
             "--min-bytes", str(a.min_bytes), "--max-bytes", str(a.max_bytes)],
        )

    def daemons(self, engine: int) -> List[Tuple[str, int]]:
        try:
            done = subprocess.run(
                [os.path.join(bin_dir(), "ltpstat"), "--node", self.nodes.dirs[engine], "--json"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            return []  # this kill picks among the clients only
        if done.returncode != 0:
            return []
        found = []
        for d in json.loads(done.stdout).get("daemons", []):
            if d.get("running") and d.get("pid"):
                found.append((f"{d['role']}@{engine}", int(d["pid"])))
        return found

    def keep_clients_running(self) -> None:
        if self.receiver.poll() is not None:
            self.client_restarts += 1
            self.start_receiver()
        if self.sender.poll() is not None:
            if self.sender.returncode not in (0, -signal.SIGKILL):
                raise RuntimeError(f"the sender failed (exit {self.sender.returncode})")
            self.client_restarts += 1
            self.start_sender()

    def kill_one(self) -> None:
        targets = self.daemons(1) + self.daemons(2)
        targets.append(("ltprecv", self.receiver.pid))
        targets.append(("sender", self.sender.pid))
        role, pid = self.rng.choice(targets)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        name = re.sub(r":\d+$", "", role.split("@")[0]) if role.startswith("lsi:") else role.split("@")[0]
        self.kills[name] = self.kills.get(name, 0) + 1

    def collect_files(self) -> None:
        """Verifies each whole block file, records it and removes it (a long
        run would fill the disk). A file written again after a kill has the
        same session, so it counts once."""
        a = self.args
        for name in os.listdir(self.inbox):
            m = re.fullmatch(r"block-1-(\d+)\.bin", name)
            if m is None:
                continue  # a hidden .part file: being written
            path = os.path.join(self.inbox, name)
            with open(path, "rb") as f:
                data = f.read()
            os.unlink(path)
            index = block_index(data)
            if index is None or data != block_bytes(a.seed, index, a.min_bytes, a.max_bytes):
                self.corrupted += 1
                continue
            self.delivered.setdefault(index, set()).add(int(m.group(1)))

    # the run

    def sender_done(self) -> bool:
        return os.path.exists(self.journal) and ["done"] in journal_lines(self.journal)

    def receiver_caught_up(self) -> bool:
        """Every block the sender saw complete is in a file. The receiving
        client writes a block out after its engine acknowledged it, so on a
        busy machine it trails the sender's last outcome by several blocks;
        those wait in the heap for it (or its successor) meanwhile."""
        lines = journal_lines(self.journal)
        index_of = {int(l[2]): int(l[1]) for l in lines if l[0] == "accepted"}
        complete = {int(l[1]) for l in lines if l[0] == "outcome" and l[2] == "complete"}
        self.collect_files()
        return all(index_of[s] in self.delivered for s in complete if s in index_of)

    def run(self) -> dict:
        self.start()
        started = time.monotonic()
        next_kill = started + self.rng.uniform(0.3, 2.0)
        kills = 0
        while kills < self.args.kills and not (self.args.stop_when_done and self.sender_done()):
            self.keep_clients_running()
            now = time.monotonic()
            if now >= next_kill:
                self.kill_one()
                kills += 1
                next_kill = now + self.rng.uniform(0.3, 2.0)
                self.collect_files()
            time.sleep(0.01)
        killing_ended = time.monotonic()
        # Settle: no more kills; the clients run until every outcome is in
        # and the receiver has written out every block that completed.
        deadline = time.monotonic() + self.args.settle
        while not (self.sender_done() and self.receiver_caught_up()):
            self.keep_clients_running()
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        settled = self.sender_done() and self.receiver_caught_up()
        if not settled:
            # What is still open, for whoever reads a failed run.
            for engine in (1, 2):
                subprocess.run([os.path.join(bin_dir(), "ltpstat"), "--node",
                                self.nodes.dirs[engine]], stdout=sys.stderr, timeout=30)
        # The clients end as a user would end them, releasing their ids.
        for p in (self.sender, self.receiver):
            p.terminate()
            p.wait(timeout=30)
        report = self.check()
        report.update(
            kills=sum(self.kills.values()),
            kills_by_process=self.kills,
            client_restarts=self.client_restarts,
            settled=settled,
            seconds_killing=round(killing_ended - started, 1),
            seconds_total=round(time.monotonic() - started, 1),
        )
        return report

    # the checks

    def heap_use(self, engine: int) -> Tuple[int, int]:
        import openltp

        stats = openltp.heap_stats(self.nodes.dirs[engine])
        return int(stats["objects"]), int(stats["bytes_in_use"])

    def is_idle(self, engine: int, use: Tuple[int, int]) -> bool:
        """As many objects as before the run, and about as many bytes: hash
        tables keep the capacity that traffic made them grow to (a few
        hundred bytes), which is not a leak; any block, notice or session
        left behind is an object more."""
        objects, in_use = self.idle[engine]
        return use[0] <= objects and use[1] <= in_use + TABLE_GROWTH_SLACK

    def check(self) -> dict:
        a = self.args
        lines = journal_lines(self.journal)
        tried = {int(l[1]) for l in lines if l[0] == "try"}
        accepted = {int(l[1]): int(l[2]) for l in lines if l[0] == "accepted"}
        outcome: Dict[int, Tuple[str, int]] = {}
        for l in lines:
            if l[0] == "outcome":
                outcome[int(l[1])] = (l[2], int(l[3]))

        self.collect_files()
        partial = os.listdir(self.inbox)  # whatever is left was never finished
        delivered = {i: sorted(s) for i, s in self.delivered.items()}
        corrupted = self.corrupted
        duplicated = sum(len(s) - 1 for s in delivered.values() if len(s) > 1)
        # Sessions the sender accepted, by index: journaled, or (a send cut
        # by a kill) known only from the block that arrived.
        session_of = {i: s for i, s in accepted.items()}
        for i, sessions in delivered.items():
            session_of.setdefault(i, sessions[0])
        lost = 0
        missing_notice = 0
        cancelled = 0
        reasons: Dict[int, int] = {}
        for i, session in session_of.items():
            got = outcome.get(session)
            if got is None:
                missing_notice += 1
            elif got[0] == "cancelled":
                cancelled += 1
                reasons[got[1]] = reasons.get(got[1], 0) + 1
            if i not in delivered and (got is None or got[0] != "cancelled"):
                lost += 1
        # Outcomes of sessions the journal never named and no file matched:
        # a send cut by a kill that the node accepted and then cancelled.
        unnamed_outcomes = len(set(outcome) - set(session_of.values()))
        delivered_and_cancelled = sum(
            1 for i in delivered if outcome.get(session_of[i], ("", 0))[0] == "cancelled"
        )

        # The heaps go back to idle once closed sessions are forgotten.
        heap = {}
        deadline = time.monotonic() + a.settle
        idle = True
        for engine in (1, 2):
            while True:
                use = self.heap_use(engine)
                if self.is_idle(engine, use) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            idle = idle and self.is_idle(engine, use)
            heap[engine] = {"idle": list(self.idle[engine]), "end": list(use)}
        sdrwatch_ok = all(
            subprocess.run(
                [os.path.join(bin_dir(), "sdrwatch"), "--node", self.nodes.dirs[e], "--check"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60,
            ).returncode == 0
            for e in (1, 2)
        )
        return {
            "blocks": a.blocks,
            "tried": len(tried),
            "accepted": len(session_of),
            "delivered": len(delivered),
            "cancelled": cancelled,
            "cancel_reasons": reasons,
            "delivered_and_cancelled": delivered_and_cancelled,
            "lost": lost,
            "duplicated": duplicated,
            "corrupted": corrupted,
            "partial_files": len(partial),
            "missing_notices": missing_notice,
            "outcomes_of_cut_sends": unnamed_outcomes,
            "heap (objects, bytes)": heap,
            "heaps_idle": idle,
            "sdrwatch_check": sdrwatch_ok,
        }

    def close(self) -> None:
        for p in (self.sender, self.receiver):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        self.nodes.close()
        if self.relay is not None:
            self.relay.terminate()
            self.relay.wait()
        if not os.environ.get("OPENLTP_KEEP_TEST_DIRS"):
            subprocess.run(["rm", "-rf", self.root])


def passed(r: dict) -> bool:
    return (
        r["settled"]
        and r["lost"] == 0
        and r["duplicated"] == 0
        and r["corrupted"] == 0
        and r["partial_files"] == 0
        and r["missing_notices"] == 0
        and r["accepted"] == r["delivered"] + r["cancelled"] - r["delivered_and_cancelled"]
        and r["heaps_idle"]
        and r["sdrwatch_check"]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="role")
    run = sub.add_parser("run", help="run the soak (the default)")
    sender = sub.add_parser("sender", help="the sending client (started by the soak)")
    for p in (run, sender):
        p.add_argument("--blocks", type=int, default=300)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--min-bytes", type=int, default=100_000)
        p.add_argument("--max-bytes", type=int, default=10_000_000)
    run.add_argument("--kills", type=int, default=1000, help="kill this many processes")
    run.add_argument("--stop-when-done", action="store_true",
                     help="stop killing once the sender has every outcome")
    run.add_argument("--loss", type=float, default=5)
    run.add_argument("--duplicate", type=float, default=1)
    run.add_argument("--reorder", type=float, default=1)
    run.add_argument("--rate", default="100M",
                     help="the relay's rate cap each way (ltpnetem --rate), so a run lasts")
    run.add_argument("--settle", type=float, default=120,
                     help="seconds to wait for outcomes and idle heaps after the kills")
    run.add_argument("--json", action="store_true")
    sender.add_argument("--node", required=True)
    sender.add_argument("--journal", required=True)
    sender.add_argument("--dest", type=int, default=2)
    argv = sys.argv[1:]
    if not argv or argv[0] not in ("run", "sender", "-h", "--help"):
        argv = ["run", *argv]
    args = parser.parse_args(argv)
    if args.role == "sender":
        return run_sender(args)
    soak = Soak(args)
    try:
        report = soak.run()
    finally:
        soak.close()
    ok = passed(report)
    report["passed"] = ok
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:24} {value}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
