"""ION 4.1.3's own configuration files, loaded by OpenLTP unchanged.

Every `.ltprc` in ION's source tree (configs/, demos/, tests/, contrib/) is
loaded with its sibling `.ionrc` into a fresh node directory by OpenLTP's
`ionadmin` and `ltpadmin`, from the directory ION's scripts run it in (the
nearest one where the ionrc's config file name resolves, else the file's
own). Those whose link services use loopback addresses are started too
(`s` kept) and stopped; the rest are loaded without their `s` lines (their
addresses are other machines'). ION's consolidated `configs/loopback-ltp/
loopback.rc` must start with `ionstart -I`.

A few of ION's files are not accepted by ION either: they are listed in
NOT_ACCEPTED_BY_ION with the reason, and must fail here too (so the list
stays true). Then, as a new user would try them, two of ION's examples move
data unchanged: `loopback.rc` (a block from the node to itself) and the
two nodes of `demos/bench-ltp` (a block from node 2 to node 3, each node
configured from its own directory as its `ionstart` script does). Prints
one line per failure and a count; exits 0 when every other file loads
(and starts) and both examples deliver.

    config_corpus.py [--tarball ION_TARBALL]

Without the tarball it says so and exits 77, which ctest reports as
skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from typing import List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
SKIPPED = 77  # ctest's SKIP_RETURN_CODE
TOP = "ion-open-source-4.1.3"
CORPUS_DIRS = ("configs", "demos", "tests", "contrib")

# Relative to the tarball's top directory.
NOT_ACCEPTED_BY_ION = {
    # A test of ION's crashes: `m screening` and `m ownqtime` with no value,
    # which ION's ltpadmin rejects as syntax errors.
    "tests/issue-285-286-segfaults/test.ltprc": "`m screening` without a value",
    # Contacts from +0 until 2009: ION reports "interval end is before
    # start" for each (and goes on; OpenLTP stops at the first bad line).
    "configs/3node-ltp-brs/iontest.ipn.node10/node10.ltprc": "a contact that ended in 2009",
    "configs/3node-ltp-brs/iontest.ipn.node5/node5.ltprc": "a contact that ended in 2009",
    "configs/3node-ltp-brs/iontest.ipn.node7/node7.ltprc": "a contact that ended in 2009",
    # `a span 1 1400 10000 'udplso ...'`: five arguments, a syntax error
    # for ION 4.1.3's ltpadmin (it wants seven or eight, or ten with the
    # old block sizes).
    "configs/3node-stcp-ltp/host1.ltprc": "a span with five arguments",
    "configs/3node-stcp-ltp/host2.ltprc": "a span with five arguments",
    # `'udplso localhost:2113, 800000'`: ION reads the port with atoi and
    # never sees the comma; OpenLTP refuses the malformed address (a typo
    # it will not guess at), with a message naming it.
    "tests/sdr-no-dram/3.ipn.ltp/amroc.ltprc": "`localhost:2113,` as an address",
}

LOOPBACK = re.compile(r"'(?:udplsi|udplso)\s+(?:localhost|127\.[0-9.]+)(?::[0-9]+)?[^']*'")
REMOTE = re.compile(r"'(?:udplsi|udplso|[a-z]+ls[io])\s+(?!localhost|127\.)[^']*'")


def bin_dir() -> str:
    path = os.environ.get("OPENLTP_BIN_DIR", "")
    if not os.path.isfile(os.path.join(path, "ionadmin")):
        sys.exit("set OPENLTP_BIN_DIR to the build's bin/ (ctest does)")
    return path


def find_tarball(given: Optional[str]) -> str:
    candidates = [given] if given else [
        os.path.join(HERE, "..", "..", "..", "shared", "ion", f"{TOP}.tar.gz"),
        f"/work/shared/ion/{TOP}.tar.gz",
    ]
    for c in candidates:
        if c and os.path.isfile(c):
            return c
    print(f"SKIP: ION's source tarball not found (tried {', '.join(c for c in candidates if c)})")
    sys.exit(SKIPPED)


def sibling_ionrc(ltprc: str) -> Optional[str]:
    d = os.path.dirname(ltprc)
    stem = os.path.splitext(os.path.basename(ltprc))[0]
    same = os.path.join(d, stem + ".ionrc")
    if os.path.isfile(same):
        return same
    others = sorted(f for f in os.listdir(d) if f.endswith(".ionrc"))
    return os.path.join(d, others[0]) if others else None


def run_directory(ionrc: str, root: str) -> str:
    """Where ION's scripts would run the files: the nearest directory, from
    the ionrc's up to the tree's top, where its config file name resolves."""
    config = None
    with open(ionrc, errors="replace") as f:
        for line in f:
            words = line.split()
            if len(words) >= 3 and words[0] == "1" and words[2] not in ("''", '""', "."):
                config = words[2].strip("'\"")
    d = os.path.dirname(ionrc)
    if config is None:
        return d
    probe = d
    while probe.startswith(root):
        if os.path.isfile(os.path.join(probe, config)):
            return probe
        probe = os.path.dirname(probe)
    return d


def run(program: str, args: List[str], cwd: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([os.path.join(bin_dir(), program), *args], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)


def load(ltprc: str, root: str, scratch: str) -> Optional[str]:
    """None if it loads (and, on loopback, starts); else what went wrong."""
    ionrc = sibling_ionrc(ltprc)
    if ionrc is None:
        return "no sibling .ionrc"
    node = tempfile.mkdtemp(dir=scratch)
    try:
        cwd = run_directory(ionrc, root)
        done = run("ionadmin", ["--node", node, ionrc], cwd)
        if done.returncode != 0:
            return f"ionadmin {os.path.relpath(ionrc, root)}: {done.stdout.strip()}"
        with open(ltprc, errors="replace") as f:
            text = f.read()
        start = LOOPBACK.search(text) is not None and REMOTE.search(text) is None
        if not start:
            text = "\n".join(l for l in text.splitlines() if not re.match(r"\s*s(\s|$)", l)) + "\n"
        copy = os.path.join(node, "corpus.ltprc")
        with open(copy, "w") as f:
            f.write(text)
        done = run("ltpadmin", ["--node", node, copy], cwd)
        if done.returncode != 0:
            return f"ltpadmin: {done.stdout.strip()}"
        return None
    finally:
        run("ionstop", ["--node", node], scratch)
        shutil.rmtree(node, ignore_errors=True)


def moves_a_block(sender: str, receiver: str, engine: str, client: str,
                  scratch: str) -> Optional[str]:
    """None if a 1 MB block sent with ltpsend from node `sender` to engine
    `engine` arrives whole at ltprecv on node `receiver`, for `client`."""
    block = os.urandom(1 << 20)
    sent = os.path.join(scratch, "tour-sent")
    into = tempfile.mkdtemp(dir=scratch)
    with open(sent, "wb") as f:
        f.write(block)
    recv = subprocess.Popen([os.path.join(bin_dir(), "ltprecv"), "--node", receiver, "--count", "1",
                             "-o", into, client], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        # A block that finds nobody holding the client id is cancelled
        # UNREACH: wait until ltprecv holds it.
        if not await_client(receiver, client, recv):
            return f"ltprecv did not take client {client}"
        time_limit = 120
        # A node sending to itself: ltprecv holds the client id there, so
        # ltpsend does not wait for the outcome (it would have to hold it).
        wait = [] if sender != receiver else ["--no-wait"]
        done = run("ltpsend", ["--node", sender, *wait, engine, client, sent], scratch, time_limit)
        if done.returncode != 0:
            return f"ltpsend: {done.stdout.strip()}"
        out, _ = recv.communicate(timeout=time_limit)
        if recv.returncode != 0:
            return f"ltprecv: {out.strip()}"
        files = os.listdir(into)
        if len(files) != 1:
            return f"ltprecv wrote {len(files)} files"
        with open(os.path.join(into, files[0]), "rb") as f:
            if f.read() != block:
                return "the block arrived changed"
        return None
    finally:
        if recv.poll() is None:
            recv.kill()
            recv.wait()


def await_client(node: str, client: str, recv: subprocess.Popen) -> bool:
    """Until ltpstat shows `recv` holding the client id (its registry role
    "client:N"), or recv exits, or 30 s pass."""
    for _ in range(600):
        done = run("ltpstat", ["--node", node, "--json"], node)
        if done.returncode == 0:
            tasks = json.loads(done.stdout).get("daemons", [])
            if any(t.get("role") == f"client:{client}" and t.get("pid") == recv.pid for t in tasks):
                return True
        if recv.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def tour(root: str, scratch: str) -> List[str]:
    """ION's loopback example and its two-node LTP bench, started from
    their own files unchanged, each moving a block."""
    problems = []
    example = os.path.join(root, "configs", "loopback-ltp")
    node = tempfile.mkdtemp(dir=scratch)
    try:
        done = run("ionstart", ["--node", node, "-I", "loopback.rc"], example)
        if done.returncode != 0:
            problems.append(f"ionstart -I configs/loopback-ltp/loopback.rc: {done.stdout.strip()}")
        elif (problem := moves_a_block(node, node, "1", "1", scratch)) is not None:
            problems.append(f"configs/loopback-ltp/loopback.rc, a block to itself: {problem}")
    finally:
        run("ionstop", ["--node", node], scratch)
    bench = os.path.join(root, "demos", "bench-ltp")
    nodes = {n: tempfile.mkdtemp(dir=scratch) for n in ("2", "3")}
    try:
        for n, node in nodes.items():
            here = os.path.join(bench, f"{n}.bench.ltp")
            # What the directory's ionstart script runs, in its order.
            for program, rc in (("ionadmin", "bench.ionrc"), ("ionadmin", "../global.ionrc"),
                                ("ionsecadmin", "bench.ionsecrc"), ("ltpadmin", "bench.ltprc")):
                done = run(program, ["--node", node, rc], here)
                if done.returncode != 0:
                    problems.append(f"demos/bench-ltp/{n}.bench.ltp: {program} {rc}: "
                                    f"{done.stdout.strip()}")
                    return problems
        if (problem := moves_a_block(nodes["2"], nodes["3"], "3", "1", scratch)) is not None:
            problems.append(f"demos/bench-ltp, a block from node 2 to node 3: {problem}")
    finally:
        for node in nodes.values():
            run("ionstop", ["--node", node], scratch)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tarball")
    args = parser.parse_args()
    tarball = find_tarball(args.tarball)
    scratch = tempfile.mkdtemp(prefix="openltp-ion-corpus-")
    failures = 0
    checked = 0
    try:
        subprocess.run(["tar", "xzf", tarball, "-C", scratch,
                        *(f"{TOP}/{d}" for d in CORPUS_DIRS)], check=True)
        root = os.path.join(scratch, TOP)
        for d in CORPUS_DIRS:
            for dirpath, _, files in sorted(os.walk(os.path.join(root, d))):
                for name in sorted(files):
                    if not name.endswith(".ltprc"):
                        continue
                    path = os.path.join(dirpath, name)
                    rel = os.path.relpath(path, root)
                    checked += 1
                    problem = load(path, root, scratch)
                    if rel in NOT_ACCEPTED_BY_ION:
                        if problem is None:
                            failures += 1
                            print(f"FAIL {rel}: ION refuses it ({NOT_ACCEPTED_BY_ION[rel]}) "
                                  "but OpenLTP loaded it")
                    elif problem is not None:
                        failures += 1
                        print(f"FAIL {rel}: {problem}")
        # ION's canonical example, as its README runs it, and its LTP bench.
        checked += 2
        for problem in tour(root, scratch):
            failures += 1
            print(f"FAIL {problem}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{checked - failures} of {checked} ION configurations loaded as ION loads them "
              "(the last two also moving a block)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
