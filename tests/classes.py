"""Helpers for the batch, gradebook and export tests: a class folder, the CLI, reports, processes."""

import shutil
import sqlite3
import sys
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main
from grader.reporting.report import CheckResult, Report

from bugs import bug_text
from conftest import SUBMISSIONS

NAME = "linear_regression"
LR = SUBMISSIONS / NAME
CORRECT = LR / "correct" / "loops.py"
CORRECT_NOTEBOOK = LR / "correct" / "notebook_with_magics.ipynb"
BUGGY = bug_text(NAME, "mse_loss__sum_not_mean")  # texts: make_class writes them as files
BUGGY_FIT = bug_text(NAME, "fit__learning_rate_ignored")
HOSTILE = SUBMISSIONS / "hostile"
# The command line as a separate process, with this interpreter.
GRADE = [sys.executable, "-c", "from grader.cli import main; main()"]


def make_class(folder, students, *, flat=False):
    """``folder/<student>/linear_regression<suffix>`` (or ``folder/<student><suffix>``) from {student: source}.

    A source is a path to copy or a text to write (as a .py file).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for student, source in students.items():
        suffix = source.suffix if isinstance(source, Path) else ".py"
        target = folder / f"{student}{suffix}" if flat else folder / student / f"{NAME}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copy(source, target)
        else:
            target.write_text(source)
    return folder


def cli(*args):
    """Run `grade` in this process: (exit code, stdout, the whole output)."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.output


def runs(gradebook):
    """(student, sha256, status, score) of every run, in order."""
    with sqlite3.connect(gradebook) as db:
        return db.execute("SELECT s.student, s.sha256, r.status, r.score FROM runs r "
                          "JOIN submissions s ON s.id = r.submission_id ORDER BY r.id").fetchall()


def report(student="alice", assignment="demo", points=((1, 1), (0, 2)), messages=None):
    """A ``Report`` without grading: one check per (score, max)."""
    results = [CheckResult(f"check{i}", f"check {i} works", float(score), float(top),
                           (messages or {}).get(i, "" if score >= top else f"check {i}: expected 1, got 0"),
                           i % 2 == 1, (f"function{i}",), 0.01)
               for i, (score, top) in enumerate(points)]
    return Report(assignment, f"{assignment}.py", student, results=results, notes=["a note"],
                  output="printed", execution_time=0.5)


def zombie(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except OSError:
        return True
