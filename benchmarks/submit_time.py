"""Wall time of `grade submit` on a reference, and the grader's own share of it.

    python benchmarks/submit_time.py [ASSIGNMENT] [--runs N]

Prints the median over N runs of: the whole command (a fresh `grade` process,
as an autograder container runs it), and, in-process, the grading time split
into time inside student calls (child start, import, calls) and the rest.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.checking.catalog import get_assignment
from grader.checking.grading import grade_file


def command_seconds(reference, runs):
    """Wall times of `grade submit` on a copy of ``reference`` (named as the assignment), fresh processes."""
    folder = Path(tempfile.mkdtemp())
    submission = folder / Path(reference).name
    shutil.copy(reference, submission)
    grade = shutil.which("grade") or str(Path(sys.executable).parent / "grade")
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([grade, "submit", str(submission), "--json", str(folder / "r.json")],
                              capture_output=True, text=True)
        seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"grade submit failed on the reference:\n{done.stdout}\n{done.stderr}")
    shutil.rmtree(folder)
    return seconds


def print_command_seconds(reference, runs, target=""):
    seconds = command_seconds(reference, runs)
    print(f"grade submit on the reference (public and hidden checks, fresh process): median "
          f"{statistics.median(seconds):.2f} s, min {min(seconds):.2f} s, max {max(seconds):.2f} s "
          f"over {runs} runs{target}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("assignment", nargs="?", default="linear_regression")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    assignment = get_assignment(args.assignment)
    reference = Path(assignment.reference().__file__)
    command = command_seconds(reference, args.runs)

    total, student = [], []
    for _ in range(args.runs):
        report = grade_file(reference, assignment=assignment.name, hidden=True)
        assert report.passed
        total.append(report.execution_time)
        student.append(report.student_seconds)

    median = statistics.median
    print(f"assignment: {assignment.name}, {len(report.results)} checks, {args.runs} runs, median")
    print(f"  grade submit (whole command, fresh process): {median(command):.3f} s")
    print(f"  grading in-process:                           {median(total):.3f} s")
    print(f"    inside student calls (child, import, calls): {median(student):.3f} s")
    print(f"    the grader's own share:                      {median(total) - median(student):.3f} s "
          f"({(median(total) - median(student)) / median(total):.0%})")


if __name__ == "__main__":
    main()
