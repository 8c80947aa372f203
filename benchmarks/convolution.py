"""Assignment 06 (convolution): how long grading takes, for the reference and for slow correct code.

    python benchmarks/convolution.py [--runs N] [--naive]

1. `grade submit` on the reference in a fresh `grade` process, as an autograder
   container runs it: the median of N runs.
2. Each correct test submission graded in this process (public and hidden
   checks): the whole grading, each training run, the slowest other check,
   against the training check's budget. With --naive, also
   tests/submissions/convolution/slow/naive_loops.py (a Conv2D that loops over
   images, filters, rows and columns: minutes).
"""

import argparse
import time
from pathlib import Path

from grader.checking.catalog import get_assignment
from grader.checking.grading import grade_file

from submit_time import print_command_seconds

SUBMISSIONS = Path(__file__).resolve().parent.parent / "tests" / "submissions" / "convolution"


def variant_times(paths, budget):
    print(f"correct submissions, graded in this process (training check budget {budget:g} s):")
    for path in paths:
        started = time.perf_counter()
        report = grade_file(path, assignment="convolution", hidden=True)
        training = [f"{r.seconds:.1f}" for r in report.results if r.name == "training"]
        other = max(r.seconds for r in report.results if r.name != "training")
        print(f"  {path.parent.name}/{path.name}: {report.score:g} / {report.max_score:g} in "
              f"{time.perf_counter() - started:.1f} s; training runs {', '.join(training)} s; "
              f"slowest other check {other:.2f} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="runs of grade submit (default 5)")
    parser.add_argument("--naive", action="store_true", help="also the slowest correct submission (minutes)")
    args = parser.parse_args()
    assignment = get_assignment("convolution")
    print_command_seconds(Path(assignment.reference().__file__), args.runs)
    paths = sorted((SUBMISSIONS / "correct").iterdir()) + ([SUBMISSIONS / "slow" / "naive_loops.py"] if args.naive
                                                           else [])
    variant_times(paths, assignment.spec.checks["training"]["budget"])


if __name__ == "__main__":
    main()
