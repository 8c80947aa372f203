"""`grade release OUT`: the bundle students receive, and the checks that it leaks nothing.

The bundle is a pip-installable copy of the project: ``grader/``,
``assignments/`` (for each assignment: stub, statement, spec, checks, public
fixtures and any data files beside them), ``pyproject.toml`` and a README
for students. It leaves out:

- ``reference/``, the instructor's solutions; without it ``grade submit``
  says the reference is not installed, and ``grade check`` works as usual.
- hidden checks' expected data: there is none to leave out, because none is
  stored. A hidden check draws its inputs from a seed derived from the course
  secret and the student, and computes its expected values by running the
  reference at grading time (``Context.expect`` in "hidden" mode). The only
  stored expected values are the public fixtures
  (``assignments/NAME/fixtures/public.json``), recorded on fixed public
  inputs; the release refuses a fixture key that belongs to no public check.
- the course secret: it lives in the environment variable ``GRADE_SECRET`` of
  the machines that grade officially and is never written to a file. The
  release refuses a bundle in which a file assigns ``GRADE_SECRET`` a value
  or holds the value of ``GRADE_SECRET`` set where the release runs.

Before the bundle is moved into place, it is scanned: no reference module, no
function whose body is a reference function's body, no stray fixture key, no
secret. Any finding stops the release and leaves nothing at ``OUT``.
"""

import ast
import fnmatch
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import grader

from grader.checking import catalog
from grader.errors import GradeError
from grader.checking.seeds import DEFAULT_SECRET

PROJECT = Path(grader.__file__).resolve().parent.parent
SKIPPED = ("__pycache__", "*.pyc", "*.pyo", ".*", "*.egg-info")
# Never copied from an assignment's folder, whatever the spec or checks say.
PRIVATE = ("reference*", "solution*", "hidden*", "private*", "secret*")
TOP_LEVEL_FILES = ("pyproject.toml", "LICENSE", "LICENSE.txt", "LICENSE.md")
# The name followed by `=` or `:` (shell, Python, TOML, YAML, JSON) and a value; a placeholder
# (starting with <, $, {, . or *) is not a value.
_SECRET_GIVEN = re.compile(r"""GRADE_SECRET["']?\s*[?:]?[=:]\s*["']?[^\s"'<>{}$.*]""")
MIN_BODY_CHARS = 30  # shorter reference bodies (`return X @ w`) are not distinctive enough


@dataclass(frozen=True)
class Bundle:
    path: Path
    files: tuple
    assignments: tuple


def release(*, out):
    """Write the student bundle to ``out`` (a new or empty folder); returns a ``Bundle``."""
    _require_source_tree()
    out = Path(out).resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise GradeError(f"{out} already exists and is not an empty folder; "
                         "give a new folder for the bundle")
    for inside in ("grader", "assignments", "reference"):
        if out.is_relative_to(PROJECT / inside):
            raise GradeError(f"{out} is inside the project's {inside}/; give a folder outside it")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        assignments = _copy_tree(staging)
        problems = verify_bundle(staging)
        if problems:
            raise GradeError("the bundle would leak what students must not receive; nothing written:\n"
                             + "\n".join(f"  - {p}" for p in problems))
        files = tuple(sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file()))
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Bundle(out, files, assignments)


def _require_source_tree():
    missing = [name for name in ("pyproject.toml", "grader", "assignments") if not (PROJECT / name).exists()]
    if missing:
        raise GradeError("`grade release` runs from the project's source tree (an editable install); "
                         f"{PROJECT} has no {', '.join(missing)}")


def _skipped(name, patterns=SKIPPED):
    return any(fnmatch.fnmatch(name.lower(), p) for p in patterns)


def _copy_tree(staging):
    """Copy what students receive into ``staging``; returns the assignments' names."""
    shutil.copytree(PROJECT / "grader", staging / "grader",
                    ignore=lambda folder, names: [n for n in names if _skipped(n)])
    (staging / "assignments").mkdir()
    shutil.copy2(PROJECT / "assignments" / "__init__.py", staging / "assignments" / "__init__.py")
    released = catalog.all_assignments()
    for assignment in released:
        shutil.copytree(assignment.folder, staging / "assignments" / assignment.name,
                        ignore=lambda folder, names: [n for n in names
                                                      if _skipped(n) or _skipped(n, PRIVATE)])
    for name in TOP_LEVEL_FILES:
        if (PROJECT / name).is_file():
            shutil.copy2(PROJECT / name, staging / name)
    (staging / "README.md").write_text(student_readme(released), encoding="utf-8")
    return tuple(a.name for a in released)


def student_readme(assignments):
    rows = "\n".join(f"| {a.spec.number:02d} | `{a.name}` | {a.spec.title} | {a.spec.max_score:g} |"
                     for a in assignments)
    return f"""# grade: the course's assignments and their self-checks

Install (Python 3.10 or newer), from this folder:

    pip install .             # or: pip install ".[plots]" for loss-curve plots in HTML feedback

Then:

    grade list                               # the assignments
    grade start linear_regression            # writes linear_regression.py to fill in
    grade start linear_regression --notebook # or a notebook, linear_regression.ipynb
    grade check linear_regression.py         # runs the public checks on your work

`grade check` runs the public checks, on fixed inputs. Your grade also counts
hidden checks, run on other inputs when you hand in: a function that only
passes the public checks by special-casing their inputs will lose those points.
Each assignment's statement is `assignments/NAME/README.md`.

| # | name | title | points |
|---|------|-------|--------|
{rows}
"""


# -- what the bundle must not hold ---------------------------------------------


def verify_bundle(bundle):
    """The leaks found in the folder ``bundle``: a list of sentences, empty when clean."""
    bundle = Path(bundle)
    problems = []
    if (bundle / "reference").exists():
        problems.append("reference/ is in the bundle")
    problems += _stray_fixture_keys(bundle)
    problems += _reference_code(bundle)
    problems += _secrets(bundle)
    return problems


def _stray_fixture_keys(bundle):
    """Fixture keys that belong to no public check: hidden expected data must never be stored."""
    problems = []
    for assignment in catalog.all_assignments():
        path = bundle / "assignments" / assignment.name / "fixtures" / "public.json"
        if not path.is_file():
            continue
        public = {c.name for c in assignment.checks if not c.hidden}
        keys = json.loads(path.read_text(encoding="utf-8"))
        stray = sorted(k for k in keys if k.split("/", 1)[0] not in public)
        if stray:
            problems.append(f"{path.relative_to(bundle)} holds keys of no public check: {', '.join(stray[:5])}")
    for path in (bundle / "assignments").rglob("*.json"):
        if path.parent.name == "fixtures" and path.name != "public.json":
            problems.append(f"{path.relative_to(bundle)}: fixtures other than public.json")
    return problems


def reference_bodies(folder=None):
    """``{ast dump of a body: "module.function"}`` for every function of the reference solutions."""
    folder = Path(folder or PROJECT / "reference")
    bodies = {}
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        for name, body in _function_bodies(path.read_text(encoding="utf-8")):
            if len(ast.unparse(body)) >= MIN_BODY_CHARS:
                bodies.setdefault(ast.dump(body), f"reference/{path.name}: {name}")
    return bodies


def _function_bodies(text):
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = list(node.body)
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                                      ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]  # the docstring is not the solution
            if body:
                yield node.name, ast.Module(body=body, type_ignores=[])


def _reference_code(bundle):
    bodies = reference_bodies()
    # What a stub already gives (e.g. an __init__ that sets up the contract's params) is no leak.
    for stub in (bundle / "assignments").glob("*/stub.py"):
        for _, body in _function_bodies(stub.read_text(encoding="utf-8", errors="replace")):
            bodies.pop(ast.dump(body), None)
    problems = []
    for path in sorted(bundle.rglob("*.py")):
        for name, body in _function_bodies(path.read_text(encoding="utf-8", errors="replace")):
            where = bodies.get(ast.dump(body))
            if where:
                problems.append(f"{path.relative_to(bundle)}: {name} has the body of {where}")
    return problems


def _secrets(bundle):
    value = os.environ.get("GRADE_SECRET", "")
    value = value if len(value) >= 4 and value != DEFAULT_SECRET else ""
    problems = []
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if value and value.encode("utf-8") in data:
            problems.append(f"{path.relative_to(bundle)} holds the value of GRADE_SECRET")
        text = data.decode("utf-8", errors="replace")
        if _SECRET_GIVEN.search(text):
            problems.append(f"{path.relative_to(bundle)} gives GRADE_SECRET a value")
    return problems
