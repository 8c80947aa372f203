"""Declaring checks: ``@checks.check(name, tags=...)`` records a ``Check``.

Points and time budgets come from the assignment's spec file, one entry per
check name; a name with both ``public`` and ``hidden`` points yields two
checks that run the same function, on fixture inputs and on hidden inputs.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from grader.checking.seeds import derive_seed
from grader.reporting.report import check_id
from grader.verdicts import CheckFailure  # noqa: F401  checks raise it: `from grader.checking.checks import CheckFailure`


@dataclass(frozen=True)
class Partial:
    """Part of a check's points, with the reason (e.g. an accuracy tier)."""

    fraction: float
    message: str


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    function: Callable
    points: float
    hidden: bool
    tags: tuple
    budget: float
    per_student: bool = True  # False: its hidden inputs are drawn once per course (see CheckSet.check)
    # Checks whose every variant must pass for this one to earn its points: a check that a submission
    # computing nothing passes by itself (its own gradient is the derivative of its own constant loss).
    requires: tuple = ()

    @property
    def id(self):
        return check_id(self.name, self.hidden)


@dataclass(frozen=True)
class _Declared:
    name: str
    title: str
    function: Callable
    tags: tuple
    per_student: bool


class CheckSet:
    """The checks of one assignment, in the order they are declared."""

    def __init__(self):
        self.declared = []
        self.setup_function = None

    @classmethod
    def joined(cls, *parts):
        """One set of the checks of ``parts``, in their order (an assignment's checks kept in several
        modules); at most one part may have a setup."""
        joined = cls()
        for part in parts:
            joined.declared += part.declared
            if part.setup_function is not None:
                if joined.setup_function is not None:
                    raise ValueError("two parts of one check set have a setup")
                joined.setup_function = part.setup_function
        return joined

    def setup(self, function):
        """Declare what every grading of this assignment needs first, such as a data set.

        ``function(spec, options)`` runs once per submission, in the grader's
        process, before the sandbox starts; checks see its result as
        ``ctx.setup``. It raises ``GradeError`` when the command cannot grade.
        """
        self.setup_function = function
        return function

    def prepare(self, spec, options):
        return self.setup_function(spec, options) if self.setup_function else None

    def check(self, name, *, tags, per_student=True):
        """Declare a check; the first line of the function's docstring is its title.

        ``per_student=False``: the hidden variant draws its inputs from the course
        secret alone, the same for every student. For training runs, whose
        accuracy and loss spread over data sets: a threshold that one student's
        draw puts a bug above and another's below would give the same code
        different points.
        """
        def decorate(function):
            title = (function.__doc__ or name).strip().splitlines()[0]
            self.declared.append(_Declared(name, title, function, tuple(tags), per_student))
            return function
        return decorate

    def bind(self, spec):
        """The ``Check`` objects, with points and budgets from ``spec``."""
        names = [d.name for d in self.declared]
        missing = sorted(set(names) - set(spec.checks))
        unused = sorted(set(spec.checks) - set(names))
        if missing or unused:
            raise ValueError(f"spec and checks disagree: no spec for {missing}, no check for {unused}")
        bound = []
        for declared in self.declared:
            entry = spec.checks[declared.name]
            requires = tuple(entry.get("requires", ()))
            if set(requires) - set(names) or declared.name in requires:
                raise ValueError(f"[checks.{declared.name}] requires {list(requires)}: each must be another check")
            for hidden in (False, True):
                points = entry.get("hidden" if hidden else "public")
                if points is not None:
                    bound.append(Check(declared.name, declared.title, declared.function, float(points),
                                       hidden, declared.tags, float(entry.get("budget", spec.budget)),
                                       declared.per_student, requires))
        return bound


class Context:
    """What a check function sees: the student's module, the spec, its inputs.

    ``mode`` is "public" (inputs and expected values from the fixtures),
    "hidden" (inputs drawn from the student's hidden seed, expected values from
    the reference: hidden checks, and in official grading public ones too) or
    "record" (public inputs drawn and the reference's answers kept, to build the
    fixtures). ``seed_parts`` are (secret, assignment, student) for drawn inputs
    and ("public", assignment) for the fixtures'; a check declared
    ``per_student=False`` leaves the student out. ``hidden`` says that the
    inputs are drawn, so messages show no expected values.
    """

    def __init__(self, check, *, student, spec, mode, fixtures=None, reference=None, seed_parts=(),
                 setup=None, shared=None, on_event=None):
        self.check = check
        self.student = student
        self.spec = spec
        self.mode = mode
        self.hidden = mode == "hidden"
        self.fixtures = fixtures if fixtures is not None else {}
        self.reference = reference
        parts = tuple(seed_parts) if check.per_student else tuple(seed_parts)[:2]
        # A public check graded officially draws apart from its hidden variant (by its id), and the
        # fixtures' draw stays the one they were recorded from (by its name).
        drawn_public = self.hidden and not check.hidden
        self.rng = np.random.default_rng(derive_seed(*parts, check.id if drawn_public else check.name))
        self.curves = {}
        self.leaderboard = []
        self.setup = setup  # what the assignment's setup function returned
        self.shared = shared if shared is not None else {}  # one submission's checks share this
        self.on_event = on_event  # progress of long runs, for a person watching
        self.withheld_message = ""  # a failure's whole message, where the student's report shows less

    def record_curve(self, name, submission, reference):
        """Keep a training curve (e.g. the loss per epoch) of the submission beside the reference's.

        The feedback page plots them. Kept by public checks only: on a hidden
        check's inputs the reference's curve is hidden expected data (in official
        grading public checks draw their inputs too, and the page is the
        instructor's). Values that are not a sequence of numbers are dropped; nan
        and inf become None.
        """
        if self.check.hidden:
            return
        curve = {"submission": _curve_values(submission), "reference": _curve_values(reference)}
        if curve["submission"] or curve["reference"]:
            self.curves[name] = curve

    def record_leaderboard(self, name, value, order="desc"):
        """A value for Gradescope's leaderboard (``order`` "desc": higher ranks first)."""
        self.leaderboard.append({"name": name, "value": value, "order": order})

    def case(self, key, make):
        """The inputs named ``key``: ``make(rng)`` draws them where they are not fixed."""
        return self._value(f"{self.check.name}/{key}", lambda: make(self.rng))

    def expect(self, key, compute):
        """The expected value named ``key``: ``compute(reference)`` where the reference runs."""
        return self._value(f"{self.check.name}/expect/{key}", lambda: compute(self.reference))

    def _value(self, key, produce):
        if self.mode == "public":
            if key not in self.fixtures:
                raise KeyError(f"the public fixtures have no {key!r}; rebuild them")
            return self.fixtures[key]
        value = produce()
        if self.mode == "record":
            self.fixtures[key] = value
        return value


CURVE_POINTS = 10_000  # a curve longer than this is cut


def _curve_values(values):
    """``values`` as a list of floats (None for nan and inf), or [] where it is not numbers."""
    try:
        array = np.asarray(values, dtype=np.float64).ravel()[:CURVE_POINTS]
    except (TypeError, ValueError):
        return []
    return [float(v) if np.isfinite(v) else None for v in array]
