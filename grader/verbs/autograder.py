"""`grade autograder NAME --out ZIP`: the zip Gradescope takes to grade assignment NAME.

At the zip's root, as Gradescope requires:

- ``setup.sh``: run once when Gradescope builds the image; installs this
  package, with only the extras NAME's spec asks for (``[autograder]
  extras``: keras_mnist's TensorFlow), in a virtual environment, and for
  keras_mnist puts MNIST in place (from the zip, or downloaded by Keras then,
  as grading has no network);
- ``run_autograder``: run for each submission; ``python -m grader.classroom.gradescope``;
- ``autograder.json``: the assignment, where its data lies, the grader's version;
- ``secret``: the course secret, from ``GRADE_SECRET`` (the practice secret only
  with ``practice``);
- ``grade/``: the package to install: ``pyproject.toml``, ``grader/``,
  ``assignments/`` and ``reference/`` with NAME's folder and solution only;
- ``data/``: keras_mnist's MNIST, where ``data`` names it.

The zip holds the reference and the secret: keep it where only staff can read
it (Gradescope shows it to instructors only). Its bytes depend only on its
contents: every entry has the same fixed time.
"""

import importlib.util
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.checking import catalog
from grader.errors import GradeError
from grader.classroom.gradebook import grader_version
from grader.checking.seeds import course_secret, practice_secret
from grader.checking.spec import tomllib
from grader.verbs.release import PROJECT, _require_source_tree, _skipped

TEMPLATES = Path(__file__).resolve().parent.parent / "classroom" / "gradescope_files"
_TIME = (2020, 1, 1, 0, 0, 0)  # every entry's time: the same inputs make the same zip
_PACKAGE_FILES = ("pyproject.toml", "README.md", "LICENSE", "LICENSE.txt", "LICENSE.md")


@dataclass(frozen=True)
class Autograder:
    path: Path
    assignment: str
    extras: tuple
    data: str  # how MNIST gets there: "" (none needed), "in the zip" or "downloaded by setup.sh"
    practice: bool
    files: tuple

    def describe(self):
        needs = f"installs {'the extras ' + ', '.join(self.extras) if self.extras else 'no extras'}"
        data = f"; MNIST {self.data}" if self.data else ""
        secret = ("the PRACTICE secret (hidden inputs anyone with the grader can draw)" if self.practice
                  else "the course secret from GRADE_SECRET")
        return (f"Wrote {self.path}: Gradescope's autograder for {self.assignment} ({len(self.files)} files; "
                f"{needs}{data}; {secret}). It holds the reference and the secret: share it with staff only.")


def autograder(*, name, out, practice=False, data=None):
    """Write the autograder zip for assignment ``name`` to ``out``; returns an ``Autograder``."""
    _require_source_tree()
    assignment = catalog.get_assignment(name)
    if not assignment.has_reference():
        assignment.reference()  # its GradeError says so
    if practice_secret() and not practice:
        raise GradeError("GRADE_SECRET is not set (or holds the practice secret): the autograder would draw "
                         "every student's hidden inputs from the practice secret, which anyone with the grader "
                         "knows. Set GRADE_SECRET to the course secret, or pass --practice to try it out")
    settings = assignment.spec.autograder
    extras = tuple(settings.get("extras", ()))
    _check_extras(extras)
    needs_mnist = settings.get("data") == "mnist"
    if data and not needs_mnist:
        raise GradeError(f"--data is for an assignment that grades on a data set; {name} needs none")
    entries = _package_entries(assignment)
    config = {"assignment": assignment.name, "grader_version": grader_version(assignment.name),
              "extras": list(extras), "data": None}
    if needs_mnist:
        config["data"] = _data_entries(Path(data), entries) if data else "data/mnist.npz"
    entries["autograder.json"] = (json.dumps(config, indent=2) + "\n").encode()
    entries["secret"] = (course_secret() + "\n").encode()  # the practice secret only with --practice
    entries["setup.sh"] = _fill(TEMPLATES / "setup.sh", ASSIGNMENT=assignment.name,
                                EXTRAS=f"[{','.join(extras)}]" if extras else "",
                                FETCH_MNIST="1" if needs_mnist and not data else "0")
    entries["run_autograder"] = (TEMPLATES / "run_autograder").read_bytes()
    path = _write_zip(Path(out), entries)
    how = "" if not needs_mnist else "in the zip" if data else "downloaded by setup.sh"
    return Autograder(path, assignment.name, extras, how, practice_secret(), tuple(sorted(entries)))


def _check_extras(extras):
    """Every extra the spec names must be one of the package's own."""
    with open(PROJECT / "pyproject.toml", "rb") as handle:
        known = tomllib.load(handle)["project"].get("optional-dependencies", {})
    unknown = [e for e in extras if e not in known]
    if unknown:
        raise GradeError(f"the spec's [autograder] extras name {', '.join(unknown)}, which pyproject.toml "
                         f"does not define (it has: {', '.join(known)})")


def _package_entries(assignment):
    """``{zip path: bytes}`` of the package: the grader, and this one assignment and its reference."""
    entries = {}

    def add_tree(folder, prefix):
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not any(_skipped(part) for part in relative.parts):
                entries[f"{prefix}/{relative.as_posix()}"] = path.read_bytes()

    add_tree(PROJECT / "grader", "grade/grader")
    add_tree(assignment.folder, f"grade/assignments/{assignment.name}")
    reference = Path(importlib.util.find_spec(f"reference.{assignment.name}").origin)  # not imported: keras
    for path in (PROJECT / "assignments" / "__init__.py", PROJECT / "reference" / "__init__.py", reference):
        entries[f"grade/{path.relative_to(PROJECT).as_posix()}"] = path.read_bytes()
    for name in _PACKAGE_FILES:
        if (PROJECT / name).is_file():
            entries[f"grade/{name}"] = (PROJECT / name).read_bytes()
    return entries


def _data_entries(data, entries):
    """Put MNIST (an ``mnist.npz`` or a folder of the four IDX files) in the zip; its path there."""
    from grader.checking import mnist
    try:
        found = mnist.read_path(data)  # the whole set is checked before it is shipped
    except mnist.DataError as exc:
        raise GradeError(f"--data: {exc}") from None
    npz = Path(found.source)
    if npz.is_file():  # an mnist.npz, named or in the folder named
        entries["data/mnist.npz"] = npz.read_bytes()
        return "data/mnist.npz"
    for name in mnist.IDX_FILES.values():
        entries[f"data/mnist/{name}"] = (data / name).read_bytes()
    return "data/mnist"


def _fill(template, **values):
    """The template's text with each ``@NAME@`` replaced."""
    text = template.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise AssertionError(f"{template.name}: no value for {', '.join(left)}")
    return text.encode()


def _write_zip(out, entries):
    """The zip at ``out``, written beside it and renamed into place; scripts executable, the secret private."""
    if out.suffix != ".zip":
        raise GradeError(f"{out}: the autograder is a .zip file (Gradescope takes nothing else)")
    if out.is_dir():
        raise GradeError(f"{out} is a folder; give the path of the .zip file to write")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                mode = 0o755 if name in ("setup.sh", "run_autograder") else 0o600 if name == "secret" else 0o644
                info.external_attr = (0o100000 | mode) << 16  # a regular file with these permissions
                archive.writestr(info, entries[name])
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return out.resolve()
