"""An assignment's spec file: points, tolerances, thresholds and budgets in one place."""

from dataclasses import dataclass, field

from grader.checking.compare import Tolerance
from grader.checking.deadlines import parse_deadline
from grader.sandbox.parent import Limits

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Ubuntu 22.04's): the same parser, as the tomli package
    import tomli as tomllib


@dataclass(frozen=True)
class Spec:
    title: str
    number: int
    checks: dict
    limits: Limits = Limits()
    tolerance: Tolerance = Tolerance()
    budget: float = 10.0
    values: dict = field(default_factory=dict)
    deadline: object = None  # a grader.checking.deadlines.Deadline, from the optional [deadline] table
    autograder: dict = field(default_factory=dict)  # [autograder]: extras, data (grader.verbs.autograder)

    def __getitem__(self, key):
        """An assignment-specific value from the spec's ``[values]`` table."""
        return self.values[key]

    @property
    def max_score(self):
        return sum(float(v) for entry in self.checks.values()
                   for k, v in entry.items() if k in ("public", "hidden"))


def load_spec(path):
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return Spec(title=data["title"], number=int(data["number"]), checks=data["checks"],
                limits=Limits(**data.get("sandbox", {})),
                tolerance=Tolerance(**data.get("tolerance", {})),
                budget=float(data.get("budget", 10.0)), values=data.get("values", {}),
                deadline=parse_deadline(data.get("deadline"), where=str(path)),
                autograder=data.get("autograder", {}))
