#!/usr/bin/env python3
"""OpenLTP as a third party meets it: installed to a prefix of its own,
then built against from outside the tree, using only that prefix.

1. `cmake --install BUILD --prefix P` (a temporary P).
2. examples/link_service configured on its own with find_package(OpenLTP)
   (CMAKE_PREFIX_PATH=P) and built: minimal_lso, minimal_lsi.
3. examples/client/ltp_hello.c compiled by `cc`, and ltp_roundtrip.cc by
   `c++`, with `pkg-config --cflags --libs openltp` (PKG_CONFIG_PATH
   under P).
4. A node configured and started by P's ionadmin/ltpadmin, whose only span
   (to itself) runs the out-of-tree minimal_lso and whose seat runs the
   out-of-tree minimal_lsi; ltp_hello (C API) sends a block to the node's
   own engine through them and receives it, and ltp_roundtrip (C++ API)
   five more, each checked byte for byte.
5. The node stopped by P's ionstop; every process it started gone, and
   every shared-memory segment and semaphore of its name prefix.

usage: sdk_test.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

TIME_LIMIT = 120


def run(args, **kwargs):
    """Runs a command; raises with its output if it fails."""
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=TIME_LIMIT, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}")
    return done.stdout


def node_pids(prefix: str, node: str, env) -> list:
    done = subprocess.run([os.path.join(prefix, "bin", "ltpstat"), "--node", node, "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    if done.returncode != 0:
        return []
    return [t["pid"] for t in json.loads(done.stdout).get("daemons", []) if "pid" in t]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def wait_gone(pids: list, limit: float = 30.0) -> list:
    """The pids still alive after up to `limit` seconds (none: returns at once
    when the last one is gone)."""
    deadline = time.monotonic() + limit
    while True:
        left = [p for p in pids if alive(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def ipc_prefix(pids: list) -> str:
    """The node's shared-memory name prefix ("oltp-<hex>-"), read from what
    its daemons map, or "" if none maps one."""
    for pid in pids:
        try:
            with open(f"/proc/{pid}/maps") as f:
                for line in f:
                    if "/dev/shm/oltp-" in line:
                        name = line.split("/dev/shm/")[1]
                        return name[:name.index("-", len("oltp-")) + 1]
        except OSError:
            continue
    return ""


def main() -> int:
    build, source = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.path.join(source, "python", "tests"))
    from ltp_nodes import free_udp_ports  # the tests' own port picker
    scratch = tempfile.mkdtemp(prefix="openltp-sdk-")
    prefix = os.path.join(scratch, "prefix")
    node = os.path.join(scratch, "node")
    os.mkdir(node)
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(prefix, "lib"),
               PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
    started = False
    pids = []
    names = ""
    try:
        run(["cmake", "--install", build, "--prefix", prefix])
        for header in ("ltp.h", "ltp_link_service.h", "client.hpp"):
            assert os.path.exists(os.path.join(prefix, "include", "openltp", header)), header

        # The link services, by CMake's find_package against the prefix alone.
        ls_build = os.path.join(scratch, "link_service")
        run(["cmake", "-S", os.path.join(source, "examples", "link_service"), "-B", ls_build,
             f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release"], env=env)
        run(["cmake", "--build", ls_build], env=env)
        lso = os.path.join(ls_build, "minimal_lso")
        lsi = os.path.join(ls_build, "minimal_lsi")

        # The client, by cc and pkg-config.
        flags = run(["pkg-config", "--cflags", "--libs", "openltp"], env=env).split()
        hello = os.path.join(scratch, "ltp_hello")
        run(["cc", "-std=c99", "-Wall", "-Werror",
             os.path.join(source, "examples", "client", "ltp_hello.c"), *flags, "-o", hello],
            env=env)
        roundtrip = os.path.join(scratch, "ltp_roundtrip")
        run(["c++", "-std=c++20", "-Wall", "-Werror",
             os.path.join(source, "examples", "client", "ltp_roundtrip.cc"), *flags, "-o",
             roundtrip], env=env)

        # A node of the installed programs whose link services are those.
        (port,) = free_udp_ports(1)
        with open(os.path.join(node, "node.ionrc"), "w") as f:
            f.write("1 1 ''\ns\n")
        with open(os.path.join(node, "node.ltprc"), "w") as f:
            f.write(f"1 32\na span 1 32 32 1400 100000 1 '{lso} 127.0.0.1:{port}'\n"
                    f"s '{lsi} 127.0.0.1:{port}'\n")
        bin_dir = os.path.join(prefix, "bin")
        run([os.path.join(bin_dir, "ionadmin"), "--node", node, "node.ionrc"], cwd=node, env=env)
        started = True
        run([os.path.join(bin_dir, "ltpadmin"), "--node", node, "node.ltprc"], cwd=node, env=env)
        pids = node_pids(prefix, node, env)
        names = ipc_prefix(pids)
        assert names, f"no daemon of the node maps its shared memory: {pids}"

        out = run([hello, node, "7", "send", "1", "hello from C", "receive"], env=env)
        print(out, end="")
        assert "received 12 bytes: hello from C" in out, out
        assert "delivered" in out, out
        out = run([roundtrip, node, "8", "1", "5", "100000"], env=env)
        print(out, end="")
        assert "5 blocks of 100000 bytes acknowledged by engine 1, 5 received intact" in out, out
    finally:
        if started:
            pids = pids or node_pids(prefix, node, env)
            stop = subprocess.run([os.path.join(prefix, "bin", "ionstop"), "--node", node],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=TIME_LIMIT)
            if stop.returncode != 0:
                print(f"FAIL: ionstop: {stop.stdout}")
            left = wait_gone(pids)
            if left:
                print(f"FAIL: processes left after ionstop: {left}")
                for p in left:
                    os.kill(p, 9)
                return 1
            kept = [n for n in os.listdir("/dev/shm") if names and names in n]
            if kept:
                print(f"FAIL: shared memory or semaphores left after ionstop: {kept}")
                return 1
        shutil.rmtree(scratch, ignore_errors=True)
    print("ok: installed, built out of tree (find_package, pkg-config), ran on a live node")
    return 0


if __name__ == "__main__":
    sys.exit(main())
