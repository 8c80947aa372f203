"""Helpers of assignment 04's checks: running a scenario of ``probes`` in the submission's
process, its expected answer from the reference, and the verdicts on gradient blocks.
"""

from grader.checks import CheckFailure, CheckSet
from grader.compare import low_precision
from grader.gradcheck import assert_blocks

from . import probes, training_probes

checks = CheckSet()
AGAINST_OWN = "the numerical derivative of your forward (loss = sum(out * dout), random-signed dout)"


# ------------------------------------------------------------------ helpers

def _unwrap(result, what):
    if isinstance(result, dict) and probes.PROBLEM in result:
        raise CheckFailure(f"{what}: {result[probes.PROBLEM]}")
    return result


def _module(scenario):
    return probes if hasattr(probes, scenario) else training_probes


def run(ctx, scenario, *args, what):
    """Run the scenario (of ``probes`` or ``training_probes``) on the submission, in its process."""
    function = f"{_module(scenario).__name__}:{scenario}"
    return _unwrap(ctx.student.helper(function, *args, what=what), what)


def expect(ctx, key, scenario, *args):
    """The same scenario on the reference: the expected answer (kept in the fixtures)."""
    function = getattr(_module(scenario), scenario)
    return ctx.expect(key, lambda ref: _unwrap(function(ref, *args), "the reference"))


def assert_like_reference(ctx, got, want, what):
    """Each gradient block against the reference's, norm-relative; a float32 submission gets the
    float32 tolerance and floor (its rounding noise in a block whose true gradient is 0, such as a
    bias just before a batch norm, reaches a few 1e-5 of the largest block)."""
    low = low_precision(*got.values())
    assert_blocks(got, want, what=what, against="the reference", hidden=ctx.hidden,
                  tol=ctx.spec["reference_rel_error_float32" if low else "reference_rel_error"],
                  floor=ctx.spec["block_floor_float32" if low else "block_floor"])


def assert_like_own(ctx, got, numerical, want, what, against=AGAINST_OWN):
    """Gradient blocks against central differences of the submission's own forward; a float32
    forward is compared with the reference instead, since its differences would be noise."""
    if numerical["low"]:
        return assert_like_reference(ctx, got, want, f"{what} (float32: compared with the reference)")
    assert_blocks(got, numerical["blocks"], what=what, against=against, tol=ctx.spec["gradient_rel_error"],
                  floor=ctx.spec["block_floor"])


def gradient_blocks(result, spec, what):
    """``{"dX": ..., "dW": ..., "db": ...}`` from a layer pass; grads must have params' keys, in order."""
    grads = result.get("grads")
    if not isinstance(grads, dict) or list(grads) != list(spec["params"]):
        raise CheckFailure(f"{what}: grads has keys {list(grads) if isinstance(grads, dict) else grads}, "
                           f"expected {list(spec['params'])} (the keys of params, in the same order)")
    return {"dX": result["dX"], **{f"d{key}": value for key, value in grads.items()}}


def describe_case(case):
    mode = "" if case.get("training", True) else ", training=False"
    warm = f" after {len(case['warmup'])} training batches" if case.get("warmup") else ""
    return f"{probes.label(case['layer'])} with X of shape {case['X'].shape}{mode}{warm}"


def declare(name, tags, title, function):
    """Declare a check made by a factory, with ``title`` as its title."""
    function.__doc__ = title
    checks.check(name, tags=tags)(function)
