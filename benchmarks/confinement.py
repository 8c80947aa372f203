"""What confinement costs: per child, and on a whole `grade submit`, with and without Landlock, and
with and without the seccomp deny-list.

    python benchmarks/confinement.py [ASSIGNMENT] [--runs N]

Prints medians over N runs, interleaved so that both sides see the same machine:
- ``apply`` alone, in forks of a process that has imported the grader's child
  side (as a zygote's fork does): every layer, then the same fork doing nothing;
  the deny-list's installation alone, and (as root) the namespaces and scratch mount alone;
- what the deny-list adds to each system call (``getppid`` in a loop, with and without it);
- a sandbox's child start to its first answer, plain (``python -I -m
  grader.sandbox.child``) and forked from a zygote, confined and with ``GRADE_LANDLOCK=0``
  (no Landlock; the other layers stay);
- the whole `grade submit` command on the reference, each way, as a ratio (``GRADE_SECCOMP=0``
  leaves the deny-list out).
"""

import argparse
import ctypes
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import resource  # noqa: F401  the child has imported it before it confines itself

from grader.sandbox import confinement, seccomp, zygote
from grader.checking.catalog import get_assignment
from grader.sandbox.parent import Limits, Sandbox
from grader.checking.submission import load_source


def fork_seconds(work):
    """Wall time of ``work()`` in a fresh fork, measured inside it."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        started = time.perf_counter()
        work()
        os.write(write, repr(time.perf_counter() - started).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        seconds = float(handle.read())
    os.waitpid(pid, 0)
    return seconds


def child_start(source, landlock, zygote_on):
    """Seconds from a sandbox's start to its child's first answer."""
    os.environ["GRADE_LANDLOCK"] = "1" if landlock else "0"
    from grader.sandbox import parent as sandbox
    sandbox.launcher = zygote.popen if zygote_on else subprocess.Popen
    with Sandbox(source, Limits()) as box:
        started = time.perf_counter()
        box.student.add_bias([[1.0]])
        return time.perf_counter() - started, box.confinement


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("assignment", nargs="?", default="linear_regression")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    median = statistics.median
    folder = Path(tempfile.mkdtemp())
    assignment = get_assignment(args.assignment)
    submission = folder / f"{assignment.name}.py"
    shutil.copy(assignment.reference().__file__, submission)
    source = load_source(submission)

    plan = confinement.plan(("reference",), folder)
    applied = [fork_seconds(lambda: confinement.apply(plan)) for _ in range(args.runs)]
    bare = [fork_seconds(lambda: None) for _ in range(args.runs)]
    print(f"{args.runs} runs each, medians; Landlock ABI {confinement.landlock_abi()}, "
          f"{len(plan['read'])} read rules")
    print(f"  apply() in a fork (every layer):  {median(applied) * 1e3:7.2f} ms "
          f"(a fork doing nothing: {median(bare) * 1e3:.3f} ms)")
    libc = ctypes.CDLL(None, use_errno=True)
    deny = seccomp.DENY
    installed = [fork_seconds(lambda: (libc.prctl(38, 1, 0, 0, 0), seccomp.install(libc, deny)))
                 for _ in range(args.runs)]
    print(f"    of which the seccomp deny-list ({deny.len} instructions): {median(installed) * 1e3:.3f} ms")
    if os.geteuid() == 0:
        spaces = [fork_seconds(lambda: confinement._namespaces(libc, plan, plan["uid"])) for _ in range(args.runs)]
        print(f"    of which the namespaces and the scratch tmpfs: {median(spaces) * 1e3:.3f} ms")
    calls = 100_000
    per_call = {}
    for filtered in (False, True):
        def loop():
            if filtered:
                libc.prctl(38, 1, 0, 0, 0)
                seccomp.install(libc, deny)
            started = time.perf_counter()
            for _ in range(calls):
                os.getppid()
            os.write(2, b"")  # keeps the loop's time apart from the install's
            return time.perf_counter() - started
        per_call[filtered] = median([fork_seconds(loop) for _ in range(max(3, args.runs // 4))]) / calls
    print(f"  a system call (getppid, {calls} in a loop, with install): {per_call[False] * 1e9:.0f} ns, "
          f"{per_call[True] * 1e9:.0f} ns with the deny-list")

    for zygote_on in (False, True):
        with_ll, without = [], []
        for _ in range(args.runs):
            seconds, described = child_start(source, True, zygote_on)
            with_ll.append(seconds)
            without.append(child_start(source, False, zygote_on)[0])
        kind = "forked from a zygote" if zygote_on else "plain start        "
        print(f"  child start, {kind}: {median(with_ll) * 1e3:7.2f} ms confined, "
              f"{median(without) * 1e3:7.2f} ms without Landlock: "
              f"{(median(with_ll) - median(without)) * 1e3:+.2f} ms")
    print(f"    ({described})")

    ways = {"confined": {}, "without Landlock": {"GRADE_LANDLOCK": "0"},
            "without the deny-list": {"GRADE_SECCOMP": "0"}}
    commands = {way: [] for way in ways}
    for _ in range(args.runs):
        for way, switches in ways.items():
            env = {**os.environ, **switches}
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "grader.cli", "submit", str(submission), "--json",
                            str(folder / "r.json")], check=True, capture_output=True, env=env)
            commands[way].append(time.perf_counter() - started)
    confined = median(commands["confined"])
    print(f"  grade submit {assignment.name}: {confined:.3f} s confined; " + "; ".join(
        f"{median(commands[way]):.3f} s {way} (ratio {confined / median(commands[way]):.3f})"
        for way in list(ways)[1:]))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
