"""What confinement costs: per child, and on a whole `grade submit`, with and without Landlock.

    python benchmarks/confinement.py [ASSIGNMENT] [--runs N]

Prints medians over N runs, interleaved so that both sides see the same machine:
- ``apply`` alone, in forks of a process that has imported the grader's child
  side (as a zygote's fork does): every layer, then the same fork doing nothing;
- a sandbox's child start to its first answer, plain (``python -I -m
  grader.sandbox.child``) and forked from a zygote, confined and with ``GRADE_LANDLOCK=0``
  (no Landlock; the other layers stay);
- the whole `grade submit` command on the reference, both ways, as a ratio.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.sandbox import confinement, zygote
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

    commands = {True: [], False: []}
    for _ in range(args.runs):
        for landlock in (True, False):
            env = {**os.environ, "GRADE_LANDLOCK": "1" if landlock else "0"}
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "grader.cli", "submit", str(submission), "--json",
                            str(folder / "r.json")], check=True, capture_output=True, env=env)
            commands[landlock].append(time.perf_counter() - started)
    confined, unconfined = median(commands[True]), median(commands[False])
    print(f"  grade submit {assignment.name}: {confined:.3f} s confined, {unconfined:.3f} s without "
          f"Landlock: ratio {confined / unconfined:.3f}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
