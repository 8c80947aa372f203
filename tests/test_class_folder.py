"""A class folder holds only regular files: what links elsewhere is neither graded nor compared.

Each attack is a class folder unpacked from students' uploads, read by
`grade batch` and `grade similar` as an instructor runs them.
"""

import html
import json
import os
import sqlite3

import pytest

from grader.checking import catalog

from classes import CORRECT, NAME
from test_confinement import run_cli

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
    assert [(p["a"], p["b"]) for p in json.loads(pairs.read_text())] == [("alice", "erin")]
    for entry in (folder / "bob" / f"{NAME}.py", folder / "carol", folder / "dave" / f"{NAME}.py"):
        assert f"Skipped: {entry}: not graded: a symbolic link" in done.stdout, done.stdout
    shown = html.unescape(page.read_text())
    others = {line.strip() for path in (CORRECT, OTHER) for line in path.read_text().splitlines()}
    reference_only = {line.strip() for line in open(REFERENCE_FILE)} - others
    reference_only = {line for line in reference_only if len(line) > 20}
    assert len(reference_only) > 5  # the reference has code of its own to show
    assert "bob" in shown and not [line for line in reference_only if line in shown]
