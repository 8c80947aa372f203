"""`grade batch`: finding submissions, parallel grading, resuming, hostile submissions, SIGKILL, Dask."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.classroom.batch import Outcome, Task, grade_task, kill_descendants, scan
from grader.classroom.gradebook import Gradebook, file_sha256, grader_version

from classes import (BUGGY, BUGGY_FIT, CORRECT, CORRECT_NOTEBOOK, GRADE, HOSTILE, NAME, cli, make_class, runs,
                     zombie)

MAX = 30.0


def by_student(gradebook):
    with Gradebook(gradebook) as book:
        return {g.student: g for g in book.current()}


# -- finding the submissions -------------------------------------------------------


def test_scan_finds_each_students_file_and_reports_everything_else(tmp_path):
    folder = make_class(tmp_path / "class", {"alice": CORRECT, "bob": CORRECT_NOTEBOOK, "erin": BUGGY})
    (folder / "carol").mkdir()
    for suffix in (".py", ".ipynb"):
        (folder / "carol" / f"{NAME}{suffix}").write_text("")
    (folder / "dave").mkdir()
    (folder / "erin" / "notes.txt").write_text("my notes")
    (folder / "frank").mkdir()
    (folder / "frank" / "homework.py").write_text("x = 1")
    (folder / "grace.py").write_text("x = 1")
    (folder / "README.txt").write_text("the class")
    (folder / "gradebook.sqlite").write_text("")

    found = scan(folder, ignore=[folder / "gradebook.sqlite"])
    assert [(t.student, t.assignment, t.filename) for t in found.tasks] == [
        ("alice", NAME, f"{NAME}.py"), ("bob", NAME, f"{NAME}.ipynb"), ("erin", NAME, f"{NAME}.py")]
    assert found.tasks[0].sha256 == file_sha256(CORRECT.read_bytes())
    assert found.tasks[0].data == CORRECT.read_bytes()
    unused = {Path(u.path).relative_to(folder).as_posix(): u.reason for u in found.unused}
    assert set(unused) == {"README.txt", "carol", "dave", "erin/notes.txt", "frank/homework.py", "grace.py"}
    assert "2 submission files" in unused["carol"] and "no .py or .ipynb" in unused["dave"]
    assert "cannot tell the assignment" in unused["frank/homework.py"]
    assert "needs --assignment" in unused["grace.py"]

    found = scan(folder, NAME, ignore=[folder / "gradebook.sqlite"])
    assert [t.student for t in found.tasks] == ["alice", "bob", "erin", "frank", "grace"]
    assert {Path(u.path).name for u in found.unused} == {"README.txt", "carol", "dave", "notes.txt"}


def test_grade_task_never_raises():
    task = Task("alice", "no_such_assignment", "x.py", "x.py", "0" * 64, "2026-11-01T00:00:00+00:00", b"x = 1")
    outcome = grade_task(task)
    assert outcome.report is None and "unknown assignment 'no_such_assignment'" in outcome.error
    assert outcome.started_at <= outcome.finished_at


# -- grading a class ---------------------------------------------------------------------


def test_batch_grades_a_class_in_parallel_hostile_ones_included(tmp_path):
    folder = make_class(tmp_path / "class", {
        "alice": CORRECT, "bob": BUGGY, "carol": CORRECT_NOTEBOOK,
        "dave": HOSTILE / "os_exit_in_add_bias.py",      # ends its process in one function
        "erin": HOSTILE / "allocates_4gb.py",            # a huge allocation in one function
        "frank": HOSTILE / "sys_exit_at_import.py",      # nothing can run
        "grace": HOSTILE / "background_process.py",      # leaves processes behind
    })
    gradebook, out = tmp_path / "gradebook.sqlite", tmp_path / "out"
    code, stdout, output = cli("batch", folder, "--workers", 2, "--gradebook", gradebook, "--out", out)
    assert code == 0, output
    assert stdout.startswith("7 submissions found: 7 graded, 0 skipped"), stdout
    assert "7/7" in output and "/s," in output and "left" in output  # the progress lines (stderr)

    grades = by_student(gradebook)
    scores = {student: g.score for student, g in grades.items()}
    assert scores["alice"] == scores["carol"] == scores["grace"] == MAX
    assert scores["frank"] == 0
    assert 0 < scores["bob"] < MAX and 0 < scores["dave"] < MAX and 0 < scores["erin"] < MAX
    lost = {student: {r.name for r in g.report.results if not r.passed} for student, g in grades.items()}
    assert lost["dave"] and all("add_bias" in name or name == "inputs_unchanged" for name in lost["dave"])
    assert "predict" in lost["erin"] and "add_bias" not in lost["erin"]
    assert all(g.grader_version == grader_version(NAME) for g in grades.values())

    # The summary: the score distribution per check, the checks the class fails most first.
    table = stdout.split("check (most failed first)\n")[1].splitlines()[:23]
    assert all("/" in row for row in table) and "mse_loss is the mean of squared residuals" in stdout
    lost_by = [int(row.split("/")[0]) + int(row.split()[1]) for row in table]  # failed + partial
    assert lost_by == sorted(lost_by, reverse=True) and lost_by[0] >= 3
    assert f"{NAME}: 7 graded of 7 students" in stdout and "full marks 3/7" in stdout

    # --out: each student's results.json (Gradescope) and feedback with each failed check's message.
    bob = json.loads((out / NAME / "bob" / "results.json").read_text())
    assert bob == grades["bob"].gradescope and bob["score"] == scores["bob"]
    feedback = (out / NAME / "bob" / "feedback.md").read_text()
    assert "mse_loss is the mean of squared residuals" in feedback
    assert grades["bob"].report.results[10].message.splitlines()[0] in feedback  # the failed mse_loss check
    assert "Every check passed." in (out / NAME / "alice" / "feedback.md").read_text()


def test_batch_grades_like_submit(tmp_path):
    folder = make_class(tmp_path / "class", {"bob": BUGGY_FIT}, flat=True)
    code, _, output = cli("batch", folder, "-a", NAME, "--workers", 1, "--gradebook", tmp_path / "g.sqlite",
                          "--quiet")
    assert code == 0, output
    code, _, output = cli("submit", folder / "bob.py", "-a", NAME, "--student", "bob",
                          "--json", tmp_path / "submit.json")
    submitted = json.loads((tmp_path / "submit.json").read_text())
    batched = by_student(tmp_path / "g.sqlite")["bob"].gradescope
    for data in (submitted, batched):
        data.pop("execution_time")
        data.pop("extra_data", None)  # the lateness, where the spec has a deadline
    assert batched == submitted


def test_a_second_run_skips_what_is_graded_regrade_grades_again_a_new_file_is_kept_beside(tmp_path):
    folder = make_class(tmp_path / "class", {"alice": CORRECT, "bob": BUGGY})
    gradebook = tmp_path / "g.sqlite"
    assert cli("batch", folder, "--workers", 2, "--gradebook", gradebook, "-q")[0] == 0
    first = runs(gradebook)
    assert len(first) == 2

    code, stdout, _ = cli("batch", folder, "--workers", 2, "--gradebook", gradebook, "-q")
    assert code == 0 and stdout.startswith("2 submissions found: 0 graded, 2 skipped"), stdout
    assert runs(gradebook) == first

    code, stdout, _ = cli("batch", folder, "--workers", 2, "--gradebook", gradebook, "-q", "--regrade")
    assert code == 0 and stdout.startswith("2 submissions found: 2 graded, 0 skipped"), stdout
    assert sorted(runs(gradebook)[2:]) == sorted(first)

    (folder / "bob" / f"{NAME}.py").write_bytes(CORRECT.read_bytes())  # bob hands in a fixed file
    code, stdout, _ = cli("batch", folder, "--workers", 2, "--gradebook", gradebook, "-q")
    assert stdout.startswith("2 submissions found: 1 graded, 1 skipped"), stdout
    with Gradebook(gradebook) as book:
        versions = book.runs("bob", NAME)
        assert [r["sha256"] for r in versions] == [file_sha256(BUGGY.encode())] * 2 + [
            file_sha256(CORRECT.read_bytes())]
        assert {g.student: g.score for g in book.current()} == {"alice": MAX, "bob": MAX}
    code, csv_text, _ = cli("export", "--gradebook", gradebook, "--format", "csv")
    assert [line.split(",")[3] for line in csv_text.splitlines()[1:]] == ["30", "30"]


def test_what_is_not_a_submission_is_reported_and_the_rest_graded(tmp_path):
    folder = make_class(tmp_path / "class", {"alice": CORRECT})
    (folder / "notes.txt").write_text("not a submission")
    (folder / "empty").mkdir()
    code, stdout, _ = cli("batch", folder, "--workers", 1, "--gradebook", tmp_path / "g.sqlite", "-q")
    assert code == 1  # graded, but something in the folder needs a look
    assert "1 graded" in stdout and "Skipped 2 entries that are not submissions" in stdout
    assert f"{folder / 'notes.txt'}: a file that is not a submission" in stdout
    assert f"{folder / 'empty'}: no .py or .ipynb submission file" in stdout


KILLS_ITS_WORKER = """
import os, signal
pid = os.getpid()
while pid > 1:  # up to the pool's worker (forked by the fork server, whose command line it shows)
    with open(f"/proc/{pid}/stat") as handle:
        parent = int(handle.read().rsplit(")", 1)[1].split()[1])
    with open(f"/proc/{parent}/cmdline", "rb") as handle:
        if b"multiprocessing" in handle.read():
            os.kill(parent, signal.SIGKILL)
            break
    pid = parent
"""


def test_a_submission_that_kills_its_worker_fails_to_grade_and_the_others_are_graded(tmp_path, monkeypatch):
    # Confined, its signal is refused (test_confinement); unconfined, as on a kernel without Landlock, it
    # lands. Spawned workers take this environment (a fork server started earlier would not).
    from grader.verbs.batch import batch
    monkeypatch.setenv("GRADE_LANDLOCK", "0")
    folder = make_class(tmp_path / "class", {"alice": CORRECT, "bob": KILLS_ITS_WORKER, "carol": BUGGY,
                                             "dave": CORRECT})
    summary = batch(directory=folder, workers=2, gradebook=tmp_path / "g.sqlite", progress=False,
                    start_method="spawn")
    code, stdout = summary.exit_code, summary.render()
    assert code == 1, stdout
    assert "3 graded, 0 skipped (already graded by this grader version), 1 failed" in stdout
    assert "bob (linear_regression), linear_regression.py: the grading process died" in stdout
    grades = by_student(tmp_path / "g.sqlite")
    assert grades["bob"].status == "failed"
    assert [grades[s].score for s in ("alice", "dave")] == [MAX, MAX] and grades["carol"].status == "graded"
    assert sorted(r[0] for r in runs(tmp_path / "g.sqlite")) == ["alice", "bob", "carol", "dave"]


class FailingPool:
    """A pool whose every grading fails: the batch records the reason and goes on."""

    def __init__(self, *args):
        pass

    def results(self, tasks):
        for task in tasks:
            yield task, Outcome(error="the grader failed: RuntimeError: boom", started_at="t0", finished_at="t1")

    def close(self, kill=False):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def test_a_submission_that_fails_to_grade_is_recorded_and_graded_next_time(tmp_path, monkeypatch):
    import grader.verbs.batch as verb
    folder = make_class(tmp_path / "class", {"alice": CORRECT, "bob": BUGGY})
    gradebook = tmp_path / "g.sqlite"
    monkeypatch.setattr(verb, "LocalPool", FailingPool)
    code, stdout, _ = cli("batch", folder, "--gradebook", gradebook, "-q")
    assert code == 1 and "0 graded, 0 skipped (already graded by this grader version), 2 failed" in stdout
    assert "alice (linear_regression), linear_regression.py: the grader failed: RuntimeError: boom" in stdout
    assert [(r[0], r[2]) for r in runs(gradebook)] == [("alice", "failed"), ("bob", "failed")]
    monkeypatch.undo()
    code, stdout, _ = cli("batch", folder, "--workers", 2, "--gradebook", gradebook, "-q")
    assert code == 0 and stdout.startswith("2 submissions found: 2 graded, 0 skipped"), stdout
    assert {g.student: g.status for g in by_student(gradebook).values()} == {"alice": "graded", "bob": "graded"}


def test_a_gradebook_commit_that_fails_is_tried_again_then_the_batch_stops_with_every_row_kept(tmp_path, monkeypatch):
    """A full disk for a moment costs nothing; one that stays full stops the batch, and says why."""
    import grader.verbs.batch as verb
    folder = make_class(tmp_path / "class", {"alice": BUGGY, "bob": BUGGY, "carol": BUGGY, "dave": BUGGY})
    gradebook = tmp_path / "g.sqlite"
    monkeypatch.setattr(verb, "LocalPool", FailingPool)
    monkeypatch.setattr(verb, "COMMIT_WAITS", (0, 0))
    real, calls = Gradebook.record, []

    def record(self, task, **fields):
        calls.append(task.student)
        if task.student == "bob" and calls.count("bob") < 3 or task.student == "carol":
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, task, **fields)

    monkeypatch.setattr(Gradebook, "record", record)
    code, stdout, stderr = cli("batch", folder, "--gradebook", gradebook, "-q")
    assert code == 2, (stdout, stderr)
    assert "could not be written (database or disk is full), 3 times" in stderr and "2 gradings" in stderr, stderr
    assert calls.count("bob") == 3 and calls.count("carol") == 3 and "dave" not in calls
    assert [r[0] for r in runs(gradebook)] == ["alice", "bob"]


def test_one_batch_at_a_time_per_gradebook(tmp_path):
    from grader.verbs.batch import _lock
    folder = make_class(tmp_path / "class", {"alice": CORRECT})
    held = _lock(tmp_path / "g.sqlite")
    try:
        code, _, output = cli("batch", folder, "--gradebook", tmp_path / "g.sqlite", "-q")
    finally:
        held.close()
    assert code == 2 and "another `grade batch` is writing to this gradebook" in output


@pytest.mark.parametrize("args, message", [
    (["missing-folder"], "no such folder"),
    (["{class}", "-a", "no_such"], "unknown assignment"),
    (["{class}", "--workers", "0"], "at least 1"),
])
def test_bad_arguments_exit_2(tmp_path, args, message):
    folder = make_class(tmp_path / "class", {"alice": CORRECT})
    args = [a.replace("{class}", str(folder)) for a in args]
    code, _, output = cli("batch", *args, "--gradebook", tmp_path / "g.sqlite")
    assert code == 2 and message in output


def test_the_batch_imports_dask_only_for_a_cluster():
    code = ("import sys, grader.cli, grader.verbs.batch, grader.classroom.batch; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_kill_descendants_kills_the_whole_tree():
    parent = subprocess.Popen([sys.executable, "-c", (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(parent.stdout.readline())
        kill_descendants(parent.pid)
        deadline = time.monotonic() + 5
        while not zombie(grandchild) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert zombie(grandchild)
    finally:
        parent.kill()
        parent.wait()


# -- slow: an endless loop, SIGKILL and resume, a Dask cluster --------------------------------


@pytest.mark.slow
def test_an_endless_loop_costs_only_its_own_checks(tmp_path):
    folder = make_class(tmp_path / "class", {
        "alice": CORRECT, "bob": BUGGY, "carol": HOSTILE / "loop_at_import.py",
        "dave": HOSTILE / "allocates_4gb.py", "erin": HOSTILE / "os_exit_in_add_bias.py", "frank": CORRECT})
    started = time.monotonic()
    code, stdout, output = cli("batch", folder, "--workers", 2, "--gradebook", tmp_path / "g.sqlite", "-q")
    assert code == 0, output
    scores = {student: g.score for student, g in by_student(tmp_path / "g.sqlite").items()}
    assert scores["carol"] == 0 and scores["alice"] == scores["frank"] == MAX
    assert 0 < scores["dave"] < MAX and 0 < scores["erin"] < MAX
    assert time.monotonic() - started < 40
    carol = by_student(tmp_path / "g.sqlite")["carol"].report
    assert "did not finish within" in carol.results[0].message


SPAWNS_AND_HANGS = """
import os, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])  # carries the sandbox's mark
if os.fork() == 0:  # a fork in a session of its own
    os.setsid()
    time.sleep(300)
    os._exit(0)
while True:
    pass
"""


def _tree(root):
    """Pids below ``root`` and the sandbox marks they carry."""
    from grader.sandbox.reaper import descendants as _descendants
    pids = _descendants(root)
    marks = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                marks |= {i for i in handle.read().split(b"\0") if i.startswith(b"GRADE_SANDBOX=")}
        except OSError:
            pass
    return pids, marks


def _carrying(marks):
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if marks & set(handle.read().split(b"\0")) and not zombie(int(entry)):
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.slow
def test_sigkill_in_the_middle_then_resume_grades_each_submission_exactly_once(tmp_path):
    students = {"s0": SPAWNS_AND_HANGS}
    variants = [CORRECT, BUGGY, BUGGY_FIT, CORRECT_NOTEBOOK, HOSTILE / "os_exit_in_add_bias.py",
                HOSTILE / "background_process.py", CORRECT]
    students.update({f"s{i}": path for i, path in enumerate(variants, start=1)})
    folder = make_class(tmp_path / "class", students)
    gradebook = tmp_path / "g.sqlite"
    command = [*GRADE, "batch", str(folder), "--workers", "2", "--gradebook", str(gradebook), "-q"]

    batch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if gradebook.exists() and _count(gradebook) >= 1:
            break
        time.sleep(0.05)
    pids, marks = _tree(batch.pid)
    os.kill(batch.pid, signal.SIGKILL)
    batch.wait()
    committed = _count(gradebook)
    assert 1 <= committed < len(students), "kill it in the middle"
    assert marks, "s0 was being graded: its sandbox's processes carry marks"

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        left = [p for p in pids if not zombie(p)] + _carrying(marks)
        if not left:
            break
        time.sleep(0.1)
    assert not left, f"processes left behind: {left}"

    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{committed} skipped" in done.stdout
    graded = runs(gradebook)
    assert sorted(r[0] for r in graded) == sorted(students)  # each exactly once
    assert all(r[2] == "graded" for r in graded)
    scores = {r[0]: r[3] for r in graded}
    assert scores["s0"] == 0 and scores["s1"] == scores["s4"] == scores["s7"] == MAX
    time.sleep(0.5)
    assert not _sleepers(), "the second run left s0's processes behind"


def _sleepers():
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if b"time.sleep(300)" in handle.read() and not zombie(int(entry)):
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def _count(gradebook):
    try:
        with sqlite3.connect(gradebook, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_a_dask_cluster_gives_the_local_pools_grades(tmp_path, processes):
    distributed = pytest.importorskip("distributed")
    folder = make_class(tmp_path / "class", {
        "alice": CORRECT, "bob": BUGGY, "carol": CORRECT_NOTEBOOK, "dave": BUGGY_FIT,
        "erin": HOSTILE / "os_exit_in_add_bias.py"})
    code, _, output = cli("batch", folder, "--workers", 2, "--gradebook", tmp_path / "local.sqlite", "-q")
    assert code == 0, output
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=processes,
                                  dashboard_address=None) as cluster:
        code, stdout, output = cli("batch", folder, "--scheduler", cluster.scheduler_address,
                                   "--gradebook", tmp_path / "dask.sqlite")
    assert code == 0, output
    assert "Dask cluster at" in stdout and "5 graded" in stdout
    assert "5/5" in output  # the progress lines, as results came in

    def grades(gradebook):
        return {s: (g.score, [(r["check_id"], r["points"], r["message"]) for r in g.results])
                for s, g in by_student(gradebook).items()}

    assert grades(tmp_path / "dask.sqlite") == grades(tmp_path / "local.sqlite")
    with Gradebook(tmp_path / "dask.sqlite") as book:
        workers = {r["worker"] for s in grades(tmp_path / "dask.sqlite") for r in book.runs(s, NAME)}
    here = {w for w in workers if w.endswith(f":{os.getpid()}")}
    assert here == (set() if processes else workers)  # graded in the cluster's worker processes or threads
