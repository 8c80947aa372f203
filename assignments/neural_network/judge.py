"""Helpers of assignment 04's checks: scenarios of ``probes`` or
``training_probes`` run on the submission and on the reference (``grader.checking.layer_checks``
judges what they return).
"""

from grader.checking import layer_checks
from grader.checking.layer_checks import assert_like_own, assert_like_reference, describe_case, gradient_blocks  # noqa: F401

from . import probes, training_probes

def _module(scenario):
    return probes if hasattr(probes, scenario) else training_probes


def run(ctx, scenario, *args, what):
    """Run the scenario (of ``probes`` or ``training_probes``) on the submission, in its process."""
    return layer_checks.run(ctx, _module(scenario), scenario, *args, what=what)


def expect(ctx, key, scenario, *args):
    """The same scenario on the reference: the expected answer (kept in the fixtures)."""
    return layer_checks.expect(ctx, key, _module(scenario), scenario, *args)

