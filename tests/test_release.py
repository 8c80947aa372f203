"""`grade release`: the student bundle works on its own and leaks nothing.

The bundle is pip-installed (no dependencies, no network) into a fresh
environment that sees the test environment's third-party packages but not
this project: there, `grade check` works and `grade submit` says the
reference is not installed.
"""

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.checking import catalog
from grader.sandbox import wire
from grader.checking.checks import Context
from grader.cli import main
from grader.checking.grading import grade_file
from grader.verbs.release import verify_bundle

from conftest import link_third_party

NAME = "linear_regression"
PROJECT = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t-for-the-release-test-4f1d"
ASSIGNMENTS = catalog.all_assignments()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "bundle"
    saved = os.environ.get("GRADE_SECRET")
    os.environ["GRADE_SECRET"] = SECRET  # the course secret is set where the instructor releases
    try:
        result = CliRunner().invoke(main, ["release", str(out)])
    finally:
        if saved is None:
            os.environ.pop("GRADE_SECRET")
        else:
            os.environ["GRADE_SECRET"] = saved
    assert result.exit_code == 0, result.output
    return out


def _bundle_files(bundle):
    return [p for p in bundle.rglob("*") if p.is_file()]


@pytest.fixture(scope="module")
def student_python(bundle, tmp_path_factory):
    """A Python where the bundle is pip-installed and this project is not importable."""
    home = tmp_path_factory.mktemp("student")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home / "venv")], check=True)
    python = home / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    link_third_party(home / "deps", site)
    source = home / "source"
    shutil.copytree(bundle, source)  # pip builds in the tree: keep the bundle itself clean
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                              "--no-build-isolation", "--target", str(site), str(source)],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    return python


def _grade(python, *args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADE_SECRET")}
    return subprocess.run([str(python), "-c", "from grader.cli import main; main(prog_name='grade')",
                           *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_bundle_holds_the_package_and_every_assignment_but_no_reference(bundle):
    assert not (bundle / "reference").exists()
    assert (bundle / "pyproject.toml").is_file() and (bundle / "README.md").is_file()
    assert (bundle / "grader" / "cli.py").is_file()
    for assignment in ASSIGNMENTS:
        folder = bundle / "assignments" / assignment.name
        for name in ("stub.py", "README.md", "spec.toml", "checks.py", "__init__.py"):
            assert (folder / name).is_file(), folder / name
        if assignment.fixtures_path.exists():
            assert (folder / "fixtures" / "public.json").read_bytes() == assignment.fixtures_path.read_bytes()
    names = {p.name for p in bundle.rglob("*")}
    assert "__pycache__" not in names and not any(n.endswith(".pyc") for n in names)
    assert verify_bundle(bundle) == []


def test_no_reference_code_in_the_bundle(bundle):
    texts = {p: _flat(p.read_text(errors="replace")) for p in _bundle_files(bundle)}
    reference_files = sorted((PROJECT / "reference").glob("*.py"))
    assert reference_files
    # The stubs set up what the contract fixes (an __init__ making params); that is given anyway.
    stubs = [_flat(p.read_text()) for p in (PROJECT / "assignments").glob("*/stub.py")]
    checked = 0
    for path in reference_files:
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef):
                continue
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            text = _flat("\n".join(ast.get_source_segment(source, s) for s in body))
            if len(text) < 30 or any(text in stub for stub in stubs):  # `return X_b @ theta` is not distinctive
                continue
            checked += 1
            for bundle_path, bundle_text in texts.items():
                assert text not in bundle_text, (path.name, node.name, bundle_path)
    assert checked >= 5
    assert not any("Reference solution" in t for t in texts.values())


def _flat(text):
    """Code without indentation or blank lines: a body matches wherever it is nested."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _hidden_expected_values(monkeypatch, assignment):
    """The expected values the checks on drawn inputs compute from the reference, for the default
    student (the contract's signature defaults aside: the stub itself states them)."""
    seen = []
    original = Context.expect

    def expect(self, key, compute):
        value = original(self, key, compute)
        if self.hidden and not key.startswith("defaults/"):
            seen.append((key, value))
        return value

    monkeypatch.setattr(Context, "expect", expect)
    grade_file(Path(assignment.reference().__file__), assignment=assignment.name, hidden=True)
    monkeypatch.undo()
    return seen


def _arrays(value):
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _arrays(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _arrays(item)
    elif isinstance(value, (np.ndarray, np.generic, float, int)) and not isinstance(value, bool):
        yield np.asarray(value, dtype=np.float64)


def test_no_hidden_expected_value_in_the_bundle(bundle, monkeypatch):
    assignment = catalog.get_assignment(NAME)
    hidden = [a for _, value in _hidden_expected_values(monkeypatch, assignment) for a in _arrays(value)]
    assert len(hidden) >= 10
    # Stored expected data is the public fixtures only, and all of it belongs to public checks.
    public = {c.name for c in assignment.checks if not c.hidden}
    stored = json.loads((bundle / "assignments" / NAME / "fixtures" / "public.json").read_text())
    assert {k.split("/")[0] for k in stored} <= public
    fixture_arrays = [a for v in stored.values() for a in _arrays(wire.decode(v))]
    raw = b"".join(p.read_bytes() for p in _bundle_files(bundle))
    for value in hidden:
        if value.size < 2 and abs(float(value.ravel()[0] if value.size else 0.0)) in (0.0, 1.0):
            continue  # a 0 or a 1 is everywhere
        assert not any(f.shape == value.shape and np.allclose(f, value) for f in fixture_arrays)
        for text in _strings(wire.encode(value)):  # the array as the fixtures would store it
            if len(text) >= 16:
                assert text.encode() not in raw
        printed = [repr(float(v)) for v in value.ravel()]  # and as printed numbers, where distinctive
        for text in [t for t in printed if len(t) >= 10][:3]:
            assert text.encode() not in raw


def _strings(encoded):
    if isinstance(encoded, str):
        yield encoded
    elif isinstance(encoded, (list, tuple)):
        for item in encoded:
            yield from _strings(item)
    elif isinstance(encoded, dict):
        for item in encoded.values():
            yield from _strings(item)


def test_no_course_secret_in_the_bundle(bundle):
    for path in _bundle_files(bundle):
        data = path.read_bytes()
        assert SECRET.encode() not in data, path
    assert verify_bundle(bundle) == []


def test_verify_bundle_catches_planted_leaks(bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    body = (PROJECT / "reference" / f"{NAME}.py").read_text()
    fit = ast.get_source_segment(body, next(n for n in ast.parse(body).body if getattr(n, "name", "") == "fit"))
    with open(copy / "assignments" / NAME / "checks.py", "a") as handle:
        handle.write("\n\n" + fit.replace("def fit(", "def _solution(") + "\n")
    (copy / "grader" / "settings.toml").write_text('GRADE_SECRET = "hunter22"\n')
    fixtures = copy / "assignments" / NAME / "fixtures" / "public.json"
    data = json.loads(fixtures.read_text())
    data["only_hidden_check/expect/x"] = wire.encode(np.arange(3.0))
    fixtures.write_text(json.dumps(data))
    (copy / "reference").mkdir()
    problems = "\n".join(verify_bundle(copy))
    assert "checks.py: _solution has the body of reference/linear_regression.py: fit" in problems
    assert "settings.toml gives GRADE_SECRET a value" in problems
    assert "only_hidden_check/expect/x" in problems
    assert "reference/ is in the bundle" in problems


def test_release_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["release", str(tmp_path)])
    assert result.exit_code == 2 and "not an empty folder" in result.output
    assert (tmp_path / "old.txt").read_text() == "keep me"


def test_check_works_from_the_installed_bundle(student_python, tmp_path):
    where = _grade(student_python, "list", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert "not installed" in where.stdout and NAME in where.stdout
    probe = subprocess.run([str(student_python), "-c",
                            "import grader, importlib.util as u; print(grader.__file__); "
                            "print(u.find_spec('reference'))"], capture_output=True, text=True, cwd=tmp_path)
    installed, reference = probe.stdout.split()
    assert not Path(installed).is_relative_to(PROJECT) and reference == "None"

    shutil.copy(PROJECT / "reference" / f"{NAME}.py", tmp_path / f"{NAME}.py")
    result = _grade(student_python, "check", f"{NAME}.py", "--json", "results.json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((tmp_path / "results.json").read_text())
    public = sum(c.points for c in catalog.get_assignment(NAME).checks if not c.hidden)
    assert data["score"] == data["max_score"] == public
    assert all(t["visibility"] == "visible" for t in data["tests"])


def test_submit_from_the_bundle_says_the_reference_is_not_installed(student_python, tmp_path):
    shutil.copy(PROJECT / "reference" / f"{NAME}.py", tmp_path / f"{NAME}.py")
    result = _grade(student_python, "submit", f"{NAME}.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "reference solution of linear_regression is not installed" in result.stderr
    assert "Traceback" not in result.stderr
