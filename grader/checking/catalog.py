"""The assignments the grader knows: each a folder of the ``assignments`` package."""

import functools
import importlib
import importlib.util
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import assignments as _package

from grader.sandbox import wire
from grader.errors import GradeError
from grader.checking.spec import load_spec

ROOT = Path(_package.__file__).parent


@dataclass(frozen=True)
class Assignment:
    name: str

    @property
    def folder(self):
        return ROOT / self.name

    @property
    def stub_path(self):
        return self.folder / "stub.py"

    @property
    def fixtures_path(self):
        return self.folder / "fixtures" / "public.json"

    @cached_property
    def spec(self):
        return load_spec(self.folder / "spec.toml")

    @cached_property
    def check_set(self):
        return importlib.import_module(f"assignments.{self.name}.checks").checks

    @cached_property
    def checks(self):
        return self.check_set.bind(self.spec)

    def prepare(self, options=None):
        """What every grading needs first (see ``CheckSet.setup``); ``options`` come from the CLI."""
        return self.check_set.prepare(self.spec, dict(options or {}))

    def fixtures(self):
        if not self.fixtures_path.exists():
            return {}
        return {k: wire.decode(v) for k, v in json.loads(self.fixtures_path.read_text()).items()}

    def has_reference(self):
        return importlib.util.find_spec("reference") is not None and \
            importlib.util.find_spec(f"reference.{self.name}") is not None

    def reference(self):
        """The instructor's solution module; ``GradeError`` where it is not installed."""
        if not self.has_reference():
            raise GradeError(f"the reference solution of {self.name} is not installed here; "
                             "hidden checks need it (a student bundle has public checks only: "
                             "use `grade check`)")
        return importlib.import_module(f"reference.{self.name}")


def all_assignments():
    """Every assignment folder, by number; each loaded once per process (its spec, checks)."""
    folders = [p for p in ROOT.iterdir() if (p / "spec.toml").is_file()]
    return sorted((_loaded(p.name) for p in folders), key=lambda a: a.spec.number)


@functools.cache
def _loaded(name):
    return Assignment(name)


def get_assignment(name):
    known = {a.name: a for a in all_assignments()}
    if name not in known:
        raise GradeError(f"unknown assignment {name!r}; known: {', '.join(known)}")
    return known[name]


def infer_assignment(path):
    """The assignment whose name the file name contains (the longest such name)."""
    stem = Path(path).stem.lower().replace("-", "_")
    matches = [a for a in all_assignments() if a.name in stem]
    if not matches:
        names = ", ".join(a.name for a in all_assignments())
        raise GradeError(f"cannot tell the assignment from the file name {Path(path).name!r}; "
                         f"pass --assignment NAME (one of: {names})")
    return max(matches, key=lambda a: len(a.name))
