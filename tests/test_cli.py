"""The command line contract: exit statuses, the JSON form, reproducibility, misuse."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.checking.catalog import get_assignment

from bugs import write_bug

REFERENCE = Path(get_assignment("linear_regression").reference().__file__)


@pytest.fixture
def reference_copy(tmp_path):
    path = tmp_path / "linear_regression.py"
    path.write_text(REFERENCE.read_text())
    return path


def test_submit_reference_passes_with_exit_0_and_gradescope_json(grade_cli, reference_copy):
    code, output, data = grade_cli("submit", reference_copy)
    assert code == 0, output
    assert data["score"] == data["max_score"] > 0
    assert set(data) >= {"score", "max_score", "execution_time", "tests"}
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility", "tags"}
        assert test["status"] == "passed"
        assert test["visibility"] in ("visible", "after_due_date")
    assert {t["visibility"] for t in data["tests"]} == {"visible", "after_due_date"}
    assert "Total: 30.00 / 30.00" in output


def test_grading_twice_gives_the_same_json_apart_from_times(grade_cli, reference_copy):
    first = grade_cli("submit", reference_copy, "--student", "s123")[2]
    second = grade_cli("submit", reference_copy, "--student", "s123")[2]
    first.pop("execution_time"), second.pop("execution_time")
    assert first == second


def test_hidden_inputs_differ_per_student_and_are_reproducible():
    from grader.checking.checks import Context
    from grader.checking.seeds import course_secret
    check = get_assignment("linear_regression").checks[1]
    draw = lambda student: Context(check, student=None, spec=None, mode="hidden",  # noqa: E731
                                   seed_parts=(course_secret(), "linear_regression", student)).rng.random()
    assert draw("alice") == draw("alice") != draw("bob")


def test_check_runs_public_checks_only(grade_cli, reference_copy):
    code, _, data = grade_cli("check", reference_copy)
    assert code == 0
    assert {t["visibility"] for t in data["tests"]} == {"visible"}


def test_check_says_its_total_is_public_and_what_the_hidden_checks_add(grade_cli, reference_copy):
    hidden = sum(c.points for c in get_assignment("linear_regression").checks if c.hidden)
    public = sum(c.points for c in get_assignment("linear_regression").checks if not c.hidden)
    _, output, _ = grade_cli("check", reference_copy)
    assert f"Total: {public:.2f} / {public:.2f}" in output
    assert (f"This total covers the public checks only: at submission, hidden checks on inputs drawn for you "
            f"add {hidden:g} points, out of {public + hidden:g}.") in output
    _, output, _ = grade_cli("submit", reference_copy)
    assert "public checks only" not in output


def test_failed_checks_exit_1(grade_cli, tmp_path):
    code, output, data = grade_cli("check", write_bug(tmp_path, "linear_regression", "mse_gradient__sign_flipped"),
                                   "--assignment", "linear_regression")
    assert code == 1
    assert "FAIL" in output and data["score"] < data["max_score"]


def test_drawn_inputs_failures_show_no_expected_value(grade_cli, tmp_path):
    """`grade check` shows the public fixtures' expected values; `grade submit` draws every check's
    inputs (public ones too) and shows none."""
    buggy = write_bug(tmp_path, "linear_regression", "mse_gradient__missing_2_over_m")
    _, _, checked = grade_cli("check", buggy, "-a", "linear_regression")
    _, _, data = grade_cli("submit", buggy, "-a", "linear_regression")
    (public,) = [t for t in checked["tests"] if t["name"].startswith("mse_gradient matches")]
    assert "expected" in public["output"] and "received" in public["output"]
    drawn = [t for t in data["tests"] if t["status"] == "failed" and t["name"].startswith("mse_gradient matches")]
    assert {t["visibility"] for t in drawn} == {"visible", "after_due_date"}
    for test in drawn:
        assert "outside the tolerance" in test["output"] and "expected 0" not in test["output"]
        assert "|difference|" not in test["output"]
        assert "received" not in test["output"].split("differ")[1]


@pytest.mark.parametrize("args, words", [
    (["check", "no/such/file.py"], "no such file"),
    (["check", "{folder}/linear_regression.py", "--assignment", "nope"], "unknown assignment 'nope'"),
    (["check", "{folder}/mystery.py"], "cannot tell the assignment"),
    (["check", "{folder}/notes.txt"], "a submission is a .py file or an .ipynb"),
    (["check", "{folder}"], "expected exactly one .py or .ipynb submission, found 2"),
])
def test_misuse_exits_2_with_a_message(tmp_path, args, words):
    from click.testing import CliRunner
    from grader.cli import main
    for name in ("linear_regression.py", "mystery.py", "notes.txt"):
        (tmp_path / name).write_text("x = 1\n")
    result = CliRunner().invoke(main, [a.format(folder=tmp_path) for a in args])
    assert result.exit_code == 2
    assert words in result.output


def test_a_folder_with_one_submission_is_graded(grade_cli, reference_copy):
    code, _, data = grade_cli("submit", reference_copy.parent, "-a", "linear_regression")
    assert code == 0 and data["score"] == data["max_score"]


def test_check_on_a_numpy_assignment_never_imports_tensorflow(reference_copy):
    probe = ("import sys, runpy; sys.argv = ['grade', 'check', %r];\n"
             "try:\n    runpy.run_module('grader.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('TF' if any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules) else 'light')")
    code = f"import grader.cli\n{probe % str(reference_copy)}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "light", out.stdout + out.stderr


def test_internal_errors_are_one_line_without_verbose(monkeypatch, reference_copy):
    from click.testing import CliRunner
    from grader.checking import grading
    from grader.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(grading, "grade_source", broken)
    result = CliRunner().invoke(main, ["check", str(reference_copy)])
    assert result.exit_code == 2
    assert "internal error: RuntimeError: disk on fire (run with -v" in result.output
    assert "Traceback" not in result.output
    verbose = CliRunner().invoke(main, ["-v", "check", str(reference_copy)])
    assert "Traceback" in verbose.output


def test_the_installed_command_runs(reference_copy):
    out = subprocess.run([str(Path(sys.executable).parent / "grade"), "check", str(reference_copy)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "PASS" in out.stdout


def test_training_progress_is_shown_on_a_terminal_only(monkeypatch, capsys):
    from grader import cli
    event = {"epoch": 2, "epochs": 5, "loss": 0.25, "accuracy": 0.9, "seconds": 1.5}
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    cli._progress(event)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    cli._progress(event)
    assert "epoch 2/5  loss 0.2500  training accuracy 90.00%  (1.5 s)" in capsys.readouterr().err


def test_the_practice_secret_warns_on_stderr_in_the_report_and_in_results_json(tmp_path, reference_copy):
    from click.testing import CliRunner

    from grader.cli import main
    out = tmp_path / "results.json"
    for secret, warned in (("", True), ("a-course-secret-for-this-test", False)):
        result = CliRunner().invoke(main, ["submit", str(reference_copy), "--json", str(out)],
                                    env={"GRADE_SECRET": secret})
        assert result.exit_code == 0, result.output
        data = json.loads(out.read_text())
        assert ("drew their inputs from the practice secret" in result.stderr) is warned
        assert ("Warning: the hidden checks drew their inputs from the practice secret" in result.stdout) is warned
        assert ("practice secret" in data["output"]) is warned
        assert data["extra_data"].get("practice_secret", False) is warned
    checked = CliRunner().invoke(main, ["check", str(reference_copy)], env={"GRADE_SECRET": ""})
    assert checked.exit_code == 0 and "practice" not in checked.output  # no hidden check, nothing drawn


def test_a_batch_with_the_practice_secret_warns_and_the_gradebook_says_which_runs(tmp_path):
    import os
    import sqlite3

    from classes import CORRECT, make_class
    folder = make_class(tmp_path / "class", {"ann": CORRECT, "bob": CORRECT})
    # In a new process: this one's fork server keeps the environment an earlier test started it with.
    done = subprocess.run([sys.executable, "-m", "grader", "batch", str(folder), "--workers", "1",
                           "--gradebook", str(tmp_path / "g.sqlite"), "-q"], capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "GRADE_SECRET"}, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: 2 gradings drew their inputs from the practice secret" in done.stderr
    assert "practice secret" not in done.stdout
    with sqlite3.connect(tmp_path / "g.sqlite") as db:
        assert db.execute("SELECT practice FROM runs").fetchall() == [(1,), (1,)]
