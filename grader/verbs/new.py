"""`grade new NAME`: scaffold an assignment that passes its own tests, to be filled in.

It writes, in the project's source tree, a complete small assignment whose
contract is one example function (``scale``): the statement, the stub, the
spec, the checks, the public fixtures (recorded from the reference), the
reference, a test file, buggy variants as data and one correct variant. Each
file says what to replace; ``assignments/README.md`` ("Adding an assignment")
walks through it. Nothing is overwritten.
"""

import importlib
import keyword
import re
import string
from dataclasses import dataclass
from pathlib import Path

from grader.checking import catalog
from grader.errors import GradeError
from grader.checking.fixtures import write_fixtures

TEMPLATES = Path(__file__).parent / "scaffold"
# (template, where it goes in the project); NAME is the assignment's name.
FILES = (
    ("README.md.tmpl", "assignments/NAME/README.md"),
    ("stub.py.tmpl", "assignments/NAME/stub.py"),
    ("spec.toml.tmpl", "assignments/NAME/spec.toml"),
    ("checks.py.tmpl", "assignments/NAME/checks.py"),
    ("reference.py.tmpl", "reference/NAME.py"),
    ("test.py.tmpl", "tests/test_NAME.py"),
    ("bugs.toml.tmpl", "tests/submissions/NAME/bugs.toml"),
    ("correct.py.tmpl", "tests/submissions/NAME/correct/loops.py"),
)
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Scaffold:
    name: str
    number: int
    project: Path
    files: tuple  # paths relative to the project, in the order written


def new(*, name, number=None, title=None):
    """Write assignment ``name``'s folder, reference and tests; returns a ``Scaffold``.

    ``number`` defaults to one more than the highest in the course, ``title``
    to the name in words.
    """
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise GradeError(f"{name!r} cannot name an assignment: use lowercase letters, digits and "
                         "underscores, starting with a letter (it becomes a Python module name)")
    project = catalog.ROOT.parent
    if not (project / "pyproject.toml").is_file():
        raise GradeError(f"`grade new` writes into the project's source tree (an editable install); "
                         f"{project} has no pyproject.toml")
    known = catalog.all_assignments()
    numbers = {a.spec.number: a.name for a in known}
    if number is None:
        number = max(numbers, default=-1) + 1
    if number in numbers:
        raise GradeError(f"number {number} is taken by {numbers[number]}; pass another --number")
    targets = [(template, Path(where.replace("NAME", name))) for template, where in FILES]
    taken = [str(path) for _, path in targets if (project / path).exists()]
    if (project / "assignments" / name).exists():
        taken.insert(0, f"assignments/{name}/")
    if taken:
        raise GradeError(f"assignment {name!r} would overwrite {', '.join(taken)}; choose another name")
    values = {"name": name, "number": number, "nn": f"{number:02d}",
              "title": title or name.replace("_", " ").capitalize()}
    (project / "assignments" / name / "fixtures").mkdir(parents=True)
    (project / "assignments" / name / "__init__.py").write_text(
        f'"""Assignment {number:02d} `{name}`."""\n', encoding="utf-8")
    for template, path in targets:
        text = string.Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text, encoding="utf-8")
    importlib.invalidate_caches()  # the new modules must be importable in this process
    fixtures = write_fixtures(catalog.get_assignment(name))
    files = [Path("assignments") / name / "__init__.py", *(path for _, path in targets),
             fixtures.relative_to(project)]
    return Scaffold(name, number, project, tuple(files))
