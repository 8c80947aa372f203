"""`grade export --format canvas|moodle`: one assignment's grades as each LMS's gradebook import reads them."""

import csv
import io

import pytest

from grader.classroom.gradebook import Gradebook

from classes import cli, report
from test_export import add

NAME = "linear_regression"  # its title: "Linear regression"
# The first rows of a gradebook CSV as Canvas exports it: a points row, and a test student.
ROSTER = """\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Linear regression (4711),Quiz 1 (99),Current Score
    Points Possible,,,,,30,10,(read only)
"Lovelace, Ada",1201,S-001,alice,Course 1,,8,80
"Babbage, Charles",1202,S-002,bob,Course 1,12,7,70
"Student, Test",1999,,testing-student,Course 1,,,
"""


@pytest.fixture
def gradebook(tmp_path):
    path = tmp_path / "g.sqlite"
    with Gradebook(path) as book:
        add(book, "alice", NAME, report("alice", NAME, points=((10, 10), (15, 20))))
        add(book, "bob", NAME, report("bob", NAME, points=((5, 10), (0, 20))))
        add(book, "carol", NAME, None, error="the grader failed: RuntimeError: boom")
    return path


def test_canvas_without_a_roster_puts_the_ids_in_sis_login_id(gradebook):
    code, text, output = cli("export", "--gradebook", gradebook, "--format", "canvas")
    assert code == 1  # carol is left out, and said so
    assert "left out: carol: failed (the grader failed: RuntimeError: boom)" in output
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Linear regression"],
                    ["Points Possible", "", "", "", "", "30"],
                    ["", "", "", "alice", "", "25"],
                    ["", "", "", "bob", "", "5"]]


def test_canvas_with_its_own_export_as_roster_updates_the_existing_assignment(gradebook, tmp_path):
    roster = tmp_path / "canvas.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "import.csv"
    code, _, output = cli("export", "--gradebook", gradebook, "--format", "canvas", "--roster", roster,
                          "--out", out)
    assert code == 1 and "left out: carol" in output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Linear regression (4711)"]
    assert rows[0]["Student"] == "Points Possible" and rows[0]["Linear regression (4711)"] == "30"
    assert rows[1:] == [
        {"Student": "Lovelace, Ada", "ID": "1201", "SIS User ID": "S-001", "SIS Login ID": "alice",
         "Section": "Course 1", "Linear regression (4711)": "25"},
        {"Student": "Babbage, Charles", "ID": "1202", "SIS User ID": "S-002", "SIS Login ID": "bob",
         "Section": "Course 1", "Linear regression (4711)": "5"}]


def test_canvas_lists_students_the_roster_lacks(gradebook, tmp_path):
    roster = tmp_path / "canvas.csv"
    roster.write_text(ROSTER.replace(",bob,", ",robert,"), encoding="utf-8")
    code, text, output = cli("export", "--gradebook", gradebook, "--format", "canvas", "--roster", roster)
    assert code == 1 and "left out: bob: not in the roster's column 'SIS Login ID'" in output
    assert [r[3] for r in csv.reader(io.StringIO(text))][2:] == ["alice"]
    code, text, _ = cli("export", "--gradebook", gradebook, "--format", "canvas", "--roster", roster,
                        "--id-column", "SIS User ID", "--column", "Homework 1")
    assert text.splitlines()[0].endswith(",Homework 1") and len(text.splitlines()) == 2  # no S-00x ids here


def test_moodle_writes_an_id_and_a_grade_column(gradebook):
    code, text, _ = cli("export", "--gradebook", gradebook, "--format", "moodle", "--id-column", "Email address")
    assert code == 1
    assert list(csv.reader(io.StringIO(text))) == [["Email address", "Linear regression"], ["alice", "25"],
                                                    ["bob", "5"]]


@pytest.mark.parametrize("args, message", [
    (("--format", "csv", "--roster", "x.csv"), "--roster: for --format canvas only"),
    (("--format", "moodle", "--roster", "x.csv"), "--roster: for --format canvas only"),
    (("--format", "markdown", "--column", "A"), "--column: for --format canvas or moodle only"),
    (("--format", "canvas", "--roster", "missing.csv"), "missing.csv: cannot read the roster"),
])
def test_misused_options_are_named(gradebook, args, message):
    code, _, output = cli("export", "--gradebook", gradebook, *args)
    assert code == 2 and message in output, output


def test_a_roster_that_is_not_a_canvas_export_is_named(gradebook, tmp_path):
    roster = tmp_path / "names.csv"
    roster.write_text("name,email\nAda,ada@example.org\n")
    code, _, output = cli("export", "--gradebook", gradebook, "--format", "canvas", "--roster", roster)
    assert code == 2 and "not a Canvas gradebook export: no column 'Student', 'ID', 'Section', 'SIS Login ID'" \
        in output


def test_an_lms_import_takes_one_assignment(gradebook):
    with Gradebook(gradebook) as book:
        add(book, "alice", "logistic_regression", report("alice", "logistic_regression", points=((1, 1),)))
    code, _, output = cli("export", "--gradebook", gradebook, "--format", "moodle")
    assert code == 2 and "choose one with --assignment (linear_regression, logistic_regression)" in output
    code, text, _ = cli("export", "--gradebook", gradebook, "--format", "moodle", "-a", "logistic_regression")
    assert code == 0 and text.splitlines() == ["Username,Logistic regression", "alice,1"]
