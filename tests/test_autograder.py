"""`grade autograder`: the zip, and Gradescope's container simulated in a temporary root.

The quick tests check the zip and run the grader's side (``grader.classroom.gradescope``)
in this process. The slow ones do what Gradescope does: unzip into
``ROOT/source``, copy ``run_autograder`` to ``ROOT``, run ``setup.sh`` as root
(into a fresh virtual environment that borrows this one's third-party packages,
``GRADE_SETUP_OFFLINE``: no index here), then for each submission lay out
``ROOT/submission`` and ``ROOT/submission_metadata.json``, run
``ROOT/run_autograder`` and read ``ROOT/results/results.json``.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.checking import catalog
from grader.sandbox import confinement
from grader.classroom import gradescope
from grader.cli import main
from grader.classroom.gradescope import NotGraded, pick, student_of

from conftest import SUBMISSIONS, link_third_party

NAME = "linear_regression"
MAX = catalog.get_assignment(NAME).spec.max_score
SECRET = "course-secret-of-the-autograder-test-5b1e9c"
CORRECT = SUBMISSIONS / NAME / "correct" / "loops.py"
NOTEBOOK = SUBMISSIONS / NAME / "correct" / "notebook_with_magics.ipynb"
STUB = catalog.get_assignment(NAME).stub_path
DEADLINE = '\n[deadline]\ndeadline = 2026-12-01T23:59:00+00:00\nlate_penalty_per_day = 0.1\n'
ON_TIME = "2026-11-20T10:00:00.123456-08:00"
# A correct submission that prints a digest of each new X_b its mse_loss receives: the hidden inputs, seen.
# Right on some inputs, wrong on others, by a hash of the inputs: which checks it passes tells which
# inputs were drawn (what it prints during the checks is the instructor's, so that channel is closed).
PRINTS_INPUTS = CORRECT.read_text() + '''
import hashlib as _hashlib
_mse_loss = mse_loss


def mse_loss(X_b, y, theta):
    digest = _hashlib.sha256(np.asarray(X_b, dtype=float).tobytes()).hexdigest()
    return _mse_loss(X_b, y, theta) * (1.0 if int(digest[:8], 16) % 3 else 2.0)
'''


def build(out, *args, secret=SECRET):
    env = {"GRADE_SECRET": secret} if secret else {"GRADE_SECRET": ""}
    return CliRunner().invoke(main, ["autograder", *map(str, args), "--out", str(out)], env=env)


def unpack(archive, folder):
    """Unzip as Gradescope does, keeping each file's permissions."""
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            path = Path(opened.extract(info, folder))
            path.chmod(stat.S_IMODE(info.external_attr >> 16))


def lay_out(root, files, users=(("1001", "Ann"),), created_at=ON_TIME):
    """``ROOT/submission`` holding ``files`` ({name: text or path}) and the metadata Gradescope writes."""
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    (root / "submission").mkdir(parents=True)
    for name, content in files.items():
        target = root / "submission" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_text(content)
    metadata = {"id": 123456, "created_at": created_at, "assignment": {"title": "Linear regression"},
                "users": [{"id": uid, "name": name, "email": f"{name.lower()}@example.edu"} for uid, name in users]}
    (root / "submission_metadata.json").write_text(json.dumps(metadata))


# -- the zip -------------------------------------------------------------------------------


def test_without_the_course_secret_the_build_is_refused_unless_practice(tmp_path):
    result = build(tmp_path / "a.zip", NAME, secret=None)
    assert result.exit_code == 2 and "GRADE_SECRET is not set" in result.output and "--practice" in result.output
    assert not (tmp_path / "a.zip").exists()
    result = build(tmp_path / "a.zip", NAME, "--practice", secret=None)
    assert result.exit_code == 0, result.output
    assert "PRACTICE secret" in result.output
    with zipfile.ZipFile(tmp_path / "a.zip") as opened:
        assert opened.read("secret").decode().strip() == "local-practice-secret"


def test_the_zip_has_the_scripts_at_its_root_and_only_this_assignment(tmp_path):
    result = build(tmp_path / "lr.zip", NAME)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "lr.zip") as opened:
        names = opened.namelist()
        modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in opened.infolist()}
        setup = opened.read("setup.sh").decode()
        assert opened.read("secret").decode().strip() == SECRET
        assert json.loads(opened.read("autograder.json"))["assignment"] == NAME
    assert {"setup.sh", "run_autograder", "autograder.json", "secret"} <= set(names)
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755 and modes["secret"] == 0o600
    assert {n.split("/")[2] for n in names if n.startswith("grade/assignments/")} == {"__init__.py", NAME}
    assert sorted(n for n in names if n.startswith("grade/reference/")) == [
        "grade/reference/__init__.py", f"grade/reference/{NAME}.py"]
    assert "grade/pyproject.toml" in names and "grade/grader/classroom/gradescope.py" in names
    assert not any("__pycache__" in n for n in names)
    assert 'EXTRAS=""' in setup and 'FETCH_MNIST="0"' in setup  # numpy only: no TensorFlow
    assert "@" not in "".join(line for line in setup.splitlines() if line.startswith(("ASSIGNMENT", "EXTRAS")))
    build(tmp_path / "again.zip", NAME)
    assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "lr.zip").read_bytes()


def test_keras_mnist_installs_tensorflow_and_ships_or_fetches_mnist(tmp_path):
    assert build(tmp_path / "fetch.zip", "keras_mnist").exit_code == 0
    with zipfile.ZipFile(tmp_path / "fetch.zip") as opened:
        setup = opened.read("setup.sh").decode()
        assert json.loads(opened.read("autograder.json"))["data"] == "data/mnist.npz"
        assert not any(n.startswith("data/") for n in opened.namelist())
    assert 'EXTRAS="[keras]"' in setup and 'FETCH_MNIST="1"' in setup
    data = SUBMISSIONS.parent / "data" / "mnist_small"
    assert build(tmp_path / "ship.zip", "keras_mnist", "--data", data).exit_code == 0
    with zipfile.ZipFile(tmp_path / "ship.zip") as opened:
        assert 'FETCH_MNIST="0"' in opened.read("setup.sh").decode()
        assert json.loads(opened.read("autograder.json"))["data"] == "data/mnist"
        assert opened.read("data/mnist/t10k-labels-idx1-ubyte.gz") == (data / "t10k-labels-idx1-ubyte.gz").read_bytes()


def test_bad_arguments_say_what_is_wrong(tmp_path):
    result = build(tmp_path / "x.zip", NAME, "--data", tmp_path)
    assert result.exit_code == 2 and "needs none" in result.output
    result = build(tmp_path / "x.zip", "keras_mnist", "--data", tmp_path)
    assert result.exit_code == 2 and "--data:" in result.output and "missing" in result.output
    result = build(tmp_path / "x.tar", NAME)
    assert result.exit_code == 2 and "is a .zip file" in result.output
    result = build(tmp_path / "x.zip", "no_such_assignment")
    assert result.exit_code == 2 and "unknown assignment" in result.output
    assert not list(tmp_path.glob("*.zip")) and not list(tmp_path.glob(".*partial"))


# -- which file, which student ---------------------------------------------------------------


def files(folder, *names):
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x = 1\n")
    return folder


def test_the_only_file_is_graded_whatever_its_name_with_a_note(tmp_path):
    path, notes = pick(files(tmp_path, "hw1.py", "notes.txt", ".hidden.py"), NAME)
    assert path.name == "hw1.py" and "Graded hw1.py as linear_regression" in notes[0]
    path, notes = pick(files(tmp_path / "b", f"{NAME}.ipynb"), NAME)
    assert path.name == f"{NAME}.ipynb" and notes == []


def test_among_several_files_the_one_named_after_the_assignment_is_graded(tmp_path):
    folder = files(tmp_path, "helpers.py", "sub/Linear-Regression.py", "__MACOSX/._linear_regression.py",
                   ".ipynb_checkpoints/linear_regression-checkpoint.ipynb")
    path, notes = pick(folder, NAME)
    assert path == folder / "sub" / "Linear-Regression.py"
    assert "chosen by its name among the 2 files" in notes[0] and "helpers.py" in notes[0]
    path, _ = pick(files(tmp_path / "c", "my_linear_regression_v2.py", "utils.py"), NAME)
    assert path.name == "my_linear_regression_v2.py"


@pytest.mark.parametrize("names, reason", [
    (("hw1.py", "hw2.py"), "none is named after the assignment: hw1.py, hw2.py"),
    ((f"{NAME}.py", f"{NAME}.ipynb"), "their names do not tell which"),
    (("report.pdf",), "no .py or .ipynb file was submitted (found: report.pdf)"),
    ((), "the submission is empty"),
])
def test_no_file_or_several_alike_is_a_reason_not_a_guess(tmp_path, names, reason):
    with pytest.raises(NotGraded, match=reason.replace("(", r"\(").replace(")", r"\)")):
        pick(files(tmp_path, *names), NAME)


def test_a_symbolic_link_is_never_graded(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / f"{NAME}.py").symlink_to(secret)
    with pytest.raises(NotGraded, match=r"found: linear_regression.py \(a symbolic link\)"):
        pick(tmp_path / "submission", NAME)


def test_the_student_is_the_uploader_or_the_whole_group():
    assert student_of({"users": [{"id": 1234, "name": "Ann"}]}) == ("1234", "")
    group, note = student_of({"users": [{"id": 77}, {"id": 1234}, {"id": 5}]})
    assert group == "1234+5+77" and "group of 3" in note
    assert student_of({"users": [{"id": 5}, {"id": 1234}, {"id": 77}]})[0] == group  # whoever uploads
    for bad in ({}, {"users": []}, {"users": [{"name": "no id"}]}, []):
        with pytest.raises(NotGraded):
            student_of(bad)


# -- the grader's side, in this process -----------------------------------------------------


@pytest.fixture
def root(tmp_path, monkeypatch):
    """An autograder folder as setup.sh leaves it, graded by this installation."""
    monkeypatch.delenv("GRADE_SECRET", raising=False)  # the runner sets it: undone after the test
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "autograder.json").write_text(json.dumps({"assignment": NAME, "data": None}))
    (tmp_path / "source" / "secret").write_text(SECRET + "\n")
    return tmp_path


def results(root):
    return json.loads((root / "results" / "results.json").read_text())


def test_the_runner_grades_a_misnamed_file_as_the_assignment(root):
    lay_out(root, {"hw1.py": CORRECT})
    data = gradescope.run(root=root)
    assert data == results(root)
    assert data["score"] == data["max_score"] == MAX
    assert "Graded hw1.py as linear_regression" in data["output"]
    assert os.environ["GRADE_SECRET"] == SECRET and "practice" not in data["output"]
    assert data["output_format"] == "text" and data["stdout_visibility"] == "hidden"
    assert all(t["output_format"] == "text" for t in data["tests"])
    hidden = [t for t in data["tests"] if t["visibility"] == "after_due_date"]
    assert hidden and data["output"].startswith(f"Total: {MAX:.2f} / {MAX:.2f}; public checks")


def test_a_file_named_like_a_module_it_imports_is_still_graded(root):
    lay_out(root, {"numpy.py": CORRECT})  # as module "numpy", its own `import numpy` would find itself
    data = gradescope.run(root=root)
    assert data["score"] == MAX, data["output"]


def test_the_runner_writes_a_zero_with_the_reason_for_whatever_stops_it(root):
    lay_out(root, {"hw1.py": CORRECT, "hw2.py": CORRECT})
    data = gradescope.run(root=root)
    assert data["score"] == 0 and data["max_score"] == MAX and data["tests"] == []
    assert data["output"].startswith("Not graded: 2 files could be the submission")
    (root / "submission_metadata.json").unlink()
    assert "cannot read Gradescope's submission_metadata.json" in gradescope.run(root=root)["output"]
    (root / "source" / "autograder.json").write_text("{not json")
    data = gradescope.run(root=root)
    assert data["score"] == 0 and "internal error: JSONDecodeError" in data["output"]
    assert data == results(root)


def test_the_runner_refuses_to_grade_unconfined(root, monkeypatch):
    monkeypatch.setattr(confinement, "missing", lambda blocked=("reference",): "no Landlock, no nobody")
    lay_out(root, {f"{NAME}.py": CORRECT})
    data = gradescope.run(root=root)
    assert data["score"] == 0 and data["max_score"] == MAX
    assert "could not grade this submission: refusing to grade" in data["output"]
    assert "no Landlock, no nobody" in data["output"] and "tell your instructor" in data["output"]


# -- Gradescope simulated: setup.sh, then run_autograder per submission -----------------------


def install(archive, home, python=sys.executable, edit=None):
    """Gradescope's image build in ``home``: ``(root, env, setup.sh's output)``.

    The zip goes to ``ROOT/source`` (``edit`` may change it first), ``run_autograder``
    to ``ROOT``; setup.sh installs into a new environment of ``python`` that borrows
    this one's third-party packages.
    """
    root = home / "autograder"
    unpack(archive, root / "source")
    if edit:
        edit(root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    venv = home / "venv"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)  # pip: linked
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    link_third_party(home / "deps", site)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADE_", "PYTHON"))}
    env |= {"GRADE_AUTOGRADER_ROOT": str(root), "KERAS_HOME": str(home / "no-keras-cache")}
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True,
                           timeout=900, env={**env, "GRADE_SETUP_VENV": str(venv), "GRADE_SETUP_OFFLINE": "1"})
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "setup.sh: ready to grade" in setup.stdout
    return root, env, setup


def runner(root, env):
    """``run(files, ...)``: lay out one upload, run ``ROOT/run_autograder``; ``(results.json, stdout)``."""
    def run(files, users=(("1001", "Ann"),), created_at=ON_TIME, extra_env=None, timeout=300):
        lay_out(root, files, users, created_at)
        done = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True, text=True,
                              timeout=timeout, env={**env, **(extra_env or {})})
        assert done.returncode == 0, done.stdout + done.stderr
        data = json.loads((root / "results" / "results.json").read_text())
        assert SECRET not in json.dumps(data) and SECRET not in done.stdout + done.stderr
        return data, done.stdout
    return run


def _add_deadline(source):
    with open(source / "grade" / "assignments" / NAME / "spec.toml", "a") as spec:
        spec.write(DEADLINE)  # a deadline, to see Gradescope's submission time applied


@pytest.fixture(scope="module")
def container(tmp_path_factory):
    """An /autograder folder after setup.sh ran: ``(root, run, setup)``; ``run(files, ...)`` grades one upload."""
    home = tmp_path_factory.mktemp("gradescope")
    assert build(home / "autograder.zip", NAME).exit_code == 0
    root, env, setup = install(home / "autograder.zip", home, edit=_add_deadline)
    return root, runner(root, env), setup


@pytest.mark.slow
def test_setup_installs_the_zips_grader_and_locks_up_the_secret_and_the_reference(container):
    root, _, setup = container
    python = Path((root / "source" / "grade-python").read_text().strip())
    assert "grade 0.1.0 (mlcourse-grade)" in setup.stdout and "confinement available" in setup.stdout
    where = subprocess.run([str(python), "-I", "-c", "import grader, reference, assignments; "
                            "print(grader.__file__, reference.__file__, assignments.__path__[0])"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert all(str(python.parent.parent) in w for w in where)  # the zip's copy, installed, not this project
    assert sorted(p.name for p in Path(where[2]).iterdir() if not p.name.startswith("_")) == [NAME]
    assert stat.S_IMODE((root / "source").stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "source" / "secret").stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(where[1]).parent.stat().st_mode) & 0o077 == 0


@pytest.mark.slow
def test_a_correct_file_gets_full_marks_confined_and_on_time(container):
    _, run, _ = container
    data, stdout = run({f"{NAME}.py": CORRECT})
    assert data["score"] == data["max_score"] == MAX, data["output"]
    assert data["extra_data"]["confinement"].startswith("landlock")
    assert data["extra_data"]["late"]["seconds_late"] == 0 and "On time" in data["output"]
    assert "practice" not in data["output"].lower() and "Grading" in stdout


@pytest.mark.slow
def test_the_stub_gets_zero(container):
    data, _ = container[1]({f"{NAME}.py": STUB})
    assert data["score"] == 0 and data["max_score"] == MAX
    assert all("not implemented yet" in t["output"] for t in data["tests"])


@pytest.mark.slow
@pytest.mark.parametrize("name, content", [("hw1.py", CORRECT), ("My Homework.ipynb", NOTEBOOK)])
def test_a_correct_file_under_another_name_gets_full_marks_and_a_note(container, name, content):
    data, _ = container[1]({name: content})
    assert data["score"] == MAX, data["output"]
    assert f"Graded {name} as linear_regression" in data["output"]


@pytest.mark.slow
def test_two_candidate_files_the_named_one_or_zero_and_why(container):
    data, _ = container[1]({f"{NAME}.py": CORRECT, "helpers.py": STUB})
    assert data["score"] == MAX and f"Graded {NAME}.py, chosen by its name" in data["output"]
    data, _ = container[1]({"hw1.py": CORRECT, "hw2.py": CORRECT})
    assert data["score"] == 0 and data["max_score"] == MAX
    assert "2 files could be the submission and none is named after the assignment" in data["output"]


def _inputs_seen(data):
    """Which checks passed: with PRINTS_INPUTS, a trace of the inputs drawn."""
    return [(t["name"], t["status"]) for t in data["tests"]]


@pytest.mark.slow
def test_two_students_draw_different_hidden_inputs_from_the_zips_secret(container, tmp_path):
    _, run, _ = container
    seen = {}
    for key, users in {"ann": [("1001", "Ann")], "bob": [("1002", "Bob")], "ann again": [("1001", "Ann")],
                       "group": [("1002", "Bob"), ("1001", "Ann")], "group again": [("1001", "Ann"), ("1002", "Bob")]
                       }.items():
        data, _ = run({f"{NAME}.py": PRINTS_INPUTS}, users=users)
        seen[key] = _inputs_seen(data), data["score"]
    assert seen["ann"] == seen["ann again"] and seen["group"] == seen["group again"]
    seen = {key: inputs for key, (inputs, _) in seen.items()}
    assert len({tuple(seen[k]) for k in ("ann", "bob", "group")}) == 3
    assert "Graded as a group of 2" in data["output"]

    # The same hidden inputs as `grade submit` with the course secret: the zip's secret drew them.
    (tmp_path / f"{NAME}.py").write_text(PRINTS_INPUTS)
    for secret, same in ((SECRET, True), ("", False)):
        local = CliRunner().invoke(main, ["submit", str(tmp_path / f"{NAME}.py"), "--student", "1001",
                                          "--json", str(tmp_path / "r.json")], env={"GRADE_SECRET": secret})
        assert local.exit_code in (0, 1), local.output
        assert (_inputs_seen(json.loads((tmp_path / "r.json").read_text())) == seen["ann"]) is same


@pytest.mark.slow
def test_the_submission_time_comes_from_gradescopes_metadata(container):
    data, _ = container[1]({f"{NAME}.py": CORRECT}, created_at="2026-12-03T08:00:00Z")
    late = data["extra_data"]["late"]
    assert late["days_late"] == 2 and late["source"] == "Gradescope's submission metadata"
    assert data["score"] == MAX * 0.8 and "Late by 1 day 8 h 1 min" in data["output"]


@pytest.mark.slow
def test_an_internal_error_still_writes_results_json(container):
    root, run, _ = container
    solution = installed_reference(root)
    kept = solution.read_bytes()
    try:  # a broken install: the reference raises when the grader imports it
        solution.write_text('raise RuntimeError("the reference is broken")\n')
        data, stdout = run({f"{NAME}.py": CORRECT})
    finally:
        solution.write_bytes(kept)
    assert data["score"] == 0 and data["max_score"] == MAX
    assert "internal error: RuntimeError: the reference is broken" in data["output"]
    assert "Traceback" in stdout and "Traceback" not in data["output"]  # the details are for the instructor

    recorded = (root / "source" / "grade-python").read_text()
    try:  # the grader cannot even start
        (root / "source" / "grade-python").write_text(str(root / "no" / "python") + "\n")
        data, _ = run({f"{NAME}.py": CORRECT})
    finally:
        (root / "source" / "grade-python").write_text(recorded)
    assert data["score"] == 0 and "the autograder failed before it could grade (exit status 127)" in data["output"]


FORGER = '''
import json, os, time
FORGED = json.dumps({{"score": 1000, "max_score": 30, "output": "forged", "tests": []}})
TARGET = {target!r}
for attempt in (TARGET, TARGET + ".tmp"):
    try:
        with open(attempt, "w") as handle:
            handle.write(FORGED)
        if attempt != TARGET:
            os.replace(attempt, TARGET)
    except OSError as exc:
        print("forging failed:", type(exc).__name__)
for what, path in (("the secret", {secret!r}), ("the reference", {reference!r})):
    try:
        print(what, open(path).read()[:40])
    except OSError as exc:
        print(f"reading {{what}} failed:", type(exc).__name__)
if os.fork() == 0:  # a detached forger, for after the grader has written
    os.setsid()
    time.sleep(1.5)
    try:
        with open(TARGET, "w") as handle:
            handle.write(FORGED)
    finally:
        os._exit(0)
'''


def installed_reference(root):
    python = Path((root / "source" / "grade-python").read_text().strip())
    return Path(subprocess.run([str(python), "-I", "-c", f"import importlib.util as u; "
                                f"print(u.find_spec('reference.{NAME}').origin)"],
                               capture_output=True, text=True, check=True).stdout.strip())


def assert_forger_lost(root, run, **env):
    forger = FORGER.format(target=str(root / "results" / "results.json"), secret=str(root / "source" / "secret"),
                           reference=str(installed_reference(root)))
    data, _ = run({f"{NAME}.py": forger + STUB.read_text()}, extra_env=env)
    assert data["score"] == 0 and "forged" not in data["output"]
    for failed in ("forging failed: PermissionError", "reading the secret failed: PermissionError",
                   "reading the reference failed: PermissionError"):
        assert failed in data["output"], data["output"]
    time.sleep(2.5)  # what the detached forger would have needed
    assert json.loads((root / "results" / "results.json").read_text()) == data
    return data


@pytest.mark.slow
def test_a_submission_that_forges_results_json_does_not_win(container):
    root, run, _ = container
    assert assert_forger_lost(root, run)["extra_data"]["confinement"].startswith("landlock")


def _python_nobody_can_run():
    """This Python's version as the system installs it, where the user nobody can run it; or None."""
    candidate = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    return candidate if candidate.is_file() and confinement._others_may_read(str(candidate)) else None


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="Gradescope runs the autograder as root")
def test_without_landlock_as_root_the_submission_runs_as_nobody_and_still_cannot_forge(tmp_path):
    python = _python_nobody_can_run()
    if python is None:
        pytest.skip(f"no Python {sys.version_info.major}.{sys.version_info.minor} that nobody can run")
    home = Path(tempfile.mkdtemp(prefix="autograder-"))  # pytest's folders are root's alone; this one is not
    try:
        home.chmod(0o755)
        assert build(home / "autograder.zip", NAME).exit_code == 0
        root, env, _ = install(home / "autograder.zip", home, python=python)
        run = runner(root, env)
        data, _ = run({f"{NAME}.py": CORRECT}, extra_env={"GRADE_LANDLOCK": "0"})
        assert data["score"] == MAX, data["output"]
        assert "user nobody" in data["extra_data"]["confinement"]
        assert "user nobody" in assert_forger_lost(root, run, GRADE_LANDLOCK="0")["extra_data"]["confinement"]
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
def test_without_landlock_the_submission_runs_as_nobody_or_is_not_graded(container):
    data, _ = container[1]({f"{NAME}.py": CORRECT}, extra_env={"GRADE_LANDLOCK": "0"})
    if data["score"] == MAX:
        assert "user nobody" in data["extra_data"]["confinement"]
    else:
        assert data["score"] == 0 and "refusing to grade: the submission would run unconfined" in data["output"]


@pytest.mark.slow
def test_keras_mnist_on_gradescope_grades_offline_with_a_leaderboard(tmp_path):
    pytest.importorskip("tensorflow")
    assert build(tmp_path / "k.zip", "keras_mnist", "--data", SUBMISSIONS.parent / "data" / "mnist_small").exit_code == 0
    root, env, _ = install(tmp_path / "k.zip", tmp_path)
    solution = Path(catalog.get_assignment("keras_mnist").reference().__file__)
    data, stdout = runner(root, env)({"keras.py": solution}, timeout=1200)  # keras.py: the name of a module it imports
    assert data["score"] == data["max_score"], data["output"] + stdout
    (entry,) = data["leaderboard"]
    assert entry["name"] == "Test accuracy" and entry["order"] == "desc" and 0.84 <= entry["value"] <= 1
