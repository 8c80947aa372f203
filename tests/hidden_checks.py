"""Running one hidden check by hand, keeping the expected values it computed.

The assignment tests use it to show that a failing hidden check's message
gives none of the expected values away.
"""

import re

import numpy as np

from grader.checking.catalog import get_assignment
from grader.checking.checks import Context
from grader.checking.grading import run_check
from grader.sandbox.parent import Sandbox
from grader.checking.seeds import DEFAULT_STUDENT, course_secret
from grader.checking.submission import Source, load_source

# "expected 0.25", "expected -3": a number right after "expected" (shapes and bounds say more words).
SHOWS_EXPECTED_NUMBER = re.compile(r"expected -?\d")


class _Spy(Context):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = []

    def expect(self, key, compute):
        value = super().expect(key, compute)
        self.expected.append(value)
        return value


def run_hidden_check(assignment_name, path, check_name):
    """The result of ``check_name``'s hidden check on ``path`` (a file or a ``Source``), and the
    expected values it used."""
    assignment = get_assignment(assignment_name)
    check = next(c for c in assignment.checks if c.name == check_name and c.hidden)
    source = path if isinstance(path, Source) else load_source(path)
    with Sandbox(source, assignment.spec.limits) as sandbox:
        context = _Spy(check, student=sandbox.student, spec=assignment.spec, mode="hidden",
                       reference=assignment.reference(),
                       seed_parts=(course_secret(), assignment.name, DEFAULT_STUDENT))
        return run_check(check, context, sandbox), context.expected


def numbers_given_away(message, expected_values):
    """The expected numbers that ``message`` shows, as a public message would print them."""
    shown = []
    for value in expected_values:
        parts = value if isinstance(value, (tuple, list)) else [value]
        for part in parts:
            for number in np.asarray(part, dtype=np.float64).ravel():
                text = f"{number:.8g}"
                if len(text.lstrip("-").replace(".", "")) >= 4 and text in message:
                    shown.append(text)
    return shown
