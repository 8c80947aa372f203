"""A class folder holds only regular files: what links elsewhere is neither graded nor compared.

Each attack is a class folder unpacked from students' uploads, read by
`grade batch` and `grade similar` as an instructor runs them.
"""

import datetime as dt
import html
import json
import os
import sqlite3

import pytest

from grader.checking import catalog

from classes import CORRECT, NAME, cli
from test_confinement import run_cli
from test_deadlines import DUE, MAX, with_deadline  # noqa: F401 (a fixture)

REFERENCE_FILE = catalog.get_assignment(NAME).reference().__file__  # where the installed reference lies
OTHER = CORRECT.parent / "float32.py"  # another correct solution, for a pair that is not a copy


def class_with_links(tmp_path):
    """alice: a correct file; bob: a link to the reference's file; carol: a link to the reference's folder;
    dave: a link to a file outside the class folder, next to it."""
    folder = tmp_path / "class"
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / f"{NAME}.py").write_text(CORRECT.read_text())
    (folder / "bob").mkdir()
    (folder / "bob" / f"{NAME}.py").symlink_to(REFERENCE_FILE)
    (folder / "carol").symlink_to(os.path.dirname(REFERENCE_FILE), target_is_directory=True)
    outside = tmp_path / "elsewhere" / f"{NAME}.py"
    outside.parent.mkdir()
    outside.write_text(OTHER.read_text())
    (folder / "dave").mkdir()
    (folder / "dave" / f"{NAME}.py").symlink_to(outside)
    return folder


def graded_students(gradebook):
    with sqlite3.connect(gradebook) as db:
        rows = db.execute("SELECT s.student, r.score FROM runs r JOIN submissions s ON s.id = r.submission_id")
        return dict(rows.fetchall())


def test_a_batch_grades_no_symbolic_link_and_says_so_per_student(tmp_path):
    folder = class_with_links(tmp_path)
    gradebook = tmp_path / "course.sqlite"
    done = run_cli("batch", folder, "--workers", "1", "--gradebook", gradebook, "--assignment", NAME)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]  # entries were skipped
    scores = graded_students(gradebook)
    assert list(scores) == ["alice"] and scores["alice"] == 30, scores
    for entry in (folder / "bob" / f"{NAME}.py", folder / "carol", folder / "dave" / f"{NAME}.py"):
        assert f"  {entry}: not graded: a symbolic link" in done.stdout, done.stdout


def test_a_submission_file_directly_in_the_folder_that_is_a_link_is_not_graded(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(CORRECT.read_text())
    (folder / "bob.py").symlink_to(REFERENCE_FILE)
    gradebook = tmp_path / "course.sqlite"
    done = run_cli("batch", folder, "--workers", "1", "--gradebook", gradebook, "--assignment", NAME)
    assert done.returncode == 1, done.stdout[-3000:]
    assert list(graded_students(gradebook)) == ["alice"]
    assert f"  {folder / 'bob.py'}: not graded: a symbolic link" in done.stdout


def test_similar_neither_compares_nor_shows_a_linked_file(tmp_path):
    folder = class_with_links(tmp_path)
    (folder / "erin").mkdir()
    (folder / "erin" / f"{NAME}.py").write_text(OTHER.read_text())
    page, pairs = tmp_path / "similar.html", tmp_path / "pairs.json"
    done = run_cli("similar", folder, "--assignment", NAME, "--out", page, "--json", pairs)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    found = json.loads(pairs.read_text())
    assert [(p["a"], p["b"]) for p in found["pairs"]] == [("alice", "erin")]
    links = [str(folder / "bob" / f"{NAME}.py"), str(folder / "carol"), str(folder / "dave" / f"{NAME}.py")]
    assert [e["path"] for e in found["skipped"] if "symbolic link" in e["reason"]] == links
    for entry in (folder / "bob" / f"{NAME}.py", folder / "carol", folder / "dave" / f"{NAME}.py"):
        assert f"Skipped: {entry}: not graded: a symbolic link" in done.stdout, done.stdout
    shown = html.unescape(page.read_text())
    others = {line.strip() for path in (CORRECT, OTHER) for line in path.read_text().splitlines()}
    reference_only = {line.strip() for line in open(REFERENCE_FILE)} - others
    reference_only = {line for line in reference_only if len(line) > 20}
    assert len(reference_only) > 5  # the reference has code of its own to show
    assert "bob" in shown and not [line for line in reference_only if line in shown]


# -- when each was handed in ----------------------------------------------------------


def class_dated_by_its_files(tmp_path):
    """alice and bob handed in an hour late by the LMS's clock; their files' times say an hour early,
    as an archive packed on a machine whose clock says so restores them."""
    folder = tmp_path / "class"
    early = (DUE - dt.timedelta(hours=1)).timestamp()
    for student in ("alice", "bob"):
        path = folder / student / f"{NAME}.py"
        path.parent.mkdir(parents=True)
        path.write_text(CORRECT.read_text())
        os.utime(path, (early, early))
    times = tmp_path / "times.csv"
    late = (DUE + dt.timedelta(hours=1)).isoformat()
    times.write_text(f"student,submitted_at,email\nalice,{late},a@example.org\nbob,{late},b@example.org\n")
    return folder, times


def test_the_lms_times_take_precedence_over_file_times(with_deadline, tmp_path):
    from grader.verbs.batch import batch
    folder, times = class_dated_by_its_files(tmp_path)
    summary = batch(directory=folder, gradebook=tmp_path / "course.sqlite", workers=1, progress=False,
                    start_method="fork", times=times)  # forked workers keep the test's deadline
    assert summary.exit_code == 0, summary.render()
    for graded in summary.current:
        lateness = graded.report.lateness
        assert lateness.days_late == 1 and lateness.source == "the submission times given with --times"
        assert graded.score == MAX * 0.9
    assert "Deadlines:" not in summary.render()  # every time came from the LMS
    again = batch(directory=folder, gradebook=tmp_path / "course.sqlite", workers=1, progress=False,
                  start_method="fork", times=times)
    assert again.skipped == 2 and "Deadlines: 2 submissions were already graded and kept the grade" in again.render()


def test_where_file_times_decide_a_deadline_the_batch_says_so(with_deadline, tmp_path):
    folder, times = class_dated_by_its_files(tmp_path)
    times.write_text(times.read_text().replace("bob,", "robert,"))
    code, stdout, _ = cli("batch", folder, "--gradebook", tmp_path / "course.sqlite", "--workers", "1",
                          "--quiet", "--times", times)
    assert code == 0, stdout
    assert ("Deadlines: 1 submission (bob) is dated by its file's modification time, which unzip restores "
            "from the archive as the student's machine set it") in stdout


@pytest.mark.parametrize("text, error", [
    ("name,time\nalice,2026-12-01T10:00:00+00:00\n", "needs the columns student and submitted_at"),
    ("student,submitted_at\nalice,yesterday\n", "line 2: 'yesterday' is not an ISO 8601 time"),
    ("student,submitted_at\nalice,2026-12-01T10:00:00Z\nalice,2026-12-02T10:00:00Z\n", "line 3: alice again"),
])
def test_a_times_file_that_cannot_be_read_stops_the_batch(tmp_path, text, error):
    folder, times = class_dated_by_its_files(tmp_path)
    times.write_text(text)
    code, _, output = cli("batch", folder, "--gradebook", tmp_path / "course.sqlite", "--times", times)
    assert code == 2 and error in output, output


def test_grade_submit_on_a_folder_grades_no_link_in_it(tmp_path):
    folder = tmp_path / "submission"  # as Gradescope unpacks an upload, links kept
    folder.mkdir()
    (folder / f"{NAME}.py").symlink_to(REFERENCE_FILE)
    done = run_cli("submit", folder, "--json", tmp_path / "results.json")
    assert done.returncode == 2, done.stdout[-2000:]
    assert f"{NAME}.py: not read: a symbolic link" in done.stderr
    assert not (tmp_path / "results.json").exists()
