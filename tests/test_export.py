"""`grade export`: CSV, Gradescope results.json and Markdown feedback, from the gradebook."""

import csv
import io
import json

import pytest

from grader.reporting.feedback import render_markdown
from grader.classroom.gradebook import FileSubmission, Gradebook, file_sha256

from classes import cli, report


def add(book, student, assignment, rep, data=b"v1", error=None):
    sub = FileSubmission(student, assignment, f"class/{student}/{assignment}.py", f"{assignment}.py",
                         file_sha256(data), "2026-11-01T10:00:00+00:00")
    book.see([sub])
    book.record(sub, grader_version="1+a", started_at="t0", finished_at="2026-11-01T10:00:01+00:00",
                report=rep, error=error)


@pytest.fixture
def gradebook(tmp_path):
    path = tmp_path / "g.sqlite"
    with Gradebook(path) as book:
        add(book, "bob", "demo", report("bob", points=((1, 1), (0, 2))))
        add(book, "alice", "demo", report("alice", points=((0, 1), (0, 2))))
        add(book, "alice", "demo", report("alice", points=((1, 1), (2, 2))), data=b"v2")  # her new file
        add(book, "carol", "demo", None, error="the grader failed: RuntimeError: boom")
    return path


def test_csv_has_a_row_per_student_with_the_total_and_each_checks_points(gradebook):
    code, text, output = cli("export", "--gradebook", gradebook, "--format", "csv")
    assert code == 0, output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]
    alice, bob, carol = rows
    assert (alice["total"], alice["max_total"], alice["check0"], alice["check1 [hidden]"]) == ("3", "3", "1", "2")
    assert alice["sha256"] == file_sha256(b"v2")  # the latest file counts
    assert (bob["total"], bob["check0"], bob["check1 [hidden]"], bob["status"]) == ("1", "1", "0", "graded")
    assert (carol["status"], carol["total"], carol["check0"]) == ("failed", "", "")


def test_csv_to_a_file_and_several_assignments_in_one_table(gradebook, tmp_path):
    with Gradebook(gradebook) as book:
        add(book, "alice", "other", report("alice", "other", points=((0.5, 1),)))
    code, _, output = cli("export", "--gradebook", gradebook, "--format", "csv", "--out", tmp_path / "g.csv")
    assert code == 0, output
    rows = list(csv.DictReader((tmp_path / "g.csv").open()))
    assert [(r["student"], r["assignment"]) for r in rows] == [
        ("alice", "demo"), ("bob", "demo"), ("carol", "demo"), ("alice", "other")]
    assert rows[3]["other: check0"] == "0.5" and rows[3]["demo: check0"] == ""
    code, text, _ = cli("export", "--gradebook", gradebook, "--format", "csv", "--assignment", "other")
    assert text.splitlines()[0].endswith(",check0") and len(text.splitlines()) == 2


def test_gradescope_writes_one_results_json_per_student(gradebook, tmp_path):
    out = tmp_path / "gs"
    code, _, output = cli("export", "--gradebook", gradebook, "--format", "gradescope", "--out", out)
    assert code == 0, output
    alice = json.loads((out / "demo" / "alice" / "results.json").read_text())
    assert alice == report("alice", points=((1, 1), (2, 2))).to_gradescope()
    assert {p.parent.name for p in out.glob("*/*/results.json")} == {"alice", "bob"}  # carol was not graded
    assert alice["tests"][1]["visibility"] == "after_due_date"


def test_markdown_feedback_gives_each_failed_checks_message(gradebook, tmp_path):
    out = tmp_path / "md"
    code, _, output = cli("export", "--gradebook", gradebook, "--format", "markdown", "--out", out)
    assert code == 0, output
    bob = (out / "demo" / "bob" / "feedback.md").read_text()
    assert "**Score: 1.00 / 3.00**" in bob
    assert "## Checks that failed (1 of 2)" in bob and "check 1: expected 1, got 0" in bob
    assert "- check 0 works: 1.00 / 1.00" in bob
    carol = (out / "demo" / "carol" / "feedback.md").read_text()
    assert "could not be graded" in carol and "RuntimeError: boom" in carol


def test_render_markdown_takes_a_report_or_rows(gradebook):
    rep = report(points=((0, 1),), messages={0: "a ``` fence inside"})
    text = render_markdown(rep)
    assert text.startswith("# demo: feedback") and "````text\na ``` fence inside\n````" in text
    with Gradebook(gradebook) as book:
        (bob,) = [g for g in book.current() if g.student == "bob"]
        from_rows = render_markdown(book.results(bob.run_id), title="bob")
    assert from_rows.startswith("# bob") and "check 1: expected 1, got 0" in from_rows
    assert "**Score: 1.00 / 3.00**" in from_rows


def test_export_without_a_gradebook_exits_2(tmp_path):
    code, _, output = cli("export", "--gradebook", tmp_path / "none.sqlite", "--format", "csv")
    assert code == 2 and "no gradebook here" in output
