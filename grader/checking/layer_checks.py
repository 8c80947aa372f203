"""Verdicts on a submission's layers, in the grader's process: the parent's side of the
scenarios of ``grader.checking.layers``.

A check runs a scenario in the submission's process (``run``), the same scenario
on the reference for the expected answer (``expect``, kept in the fixtures), and
judges the gradient blocks that come back. The tolerances come from the spec's
``[values]``: ``gradient_rel_error``, ``directional_rel_error``,
``reference_rel_error`` and ``reference_rel_error_float32``, ``block_floor`` and
``block_floor_float32``.
"""

import numpy as np

from grader.checking.checks import CheckFailure
from grader.checking.compare import as_numeric, low_precision
from grader.checking.gradcheck import assert_blocks
from grader.checking.layers import PROBLEM, label

AGAINST_OWN = "the numerical derivative of your forward (loss = sum(out * dout), random-signed dout)"


def unwrap(result, what):
    """A scenario's result, or the failure it reports (``{PROBLEM: message}``)."""
    if isinstance(result, dict) and PROBLEM in result:
        raise CheckFailure(f"{what}: {result[PROBLEM]}")
    return result


def run(ctx, module, scenario, *args, what):
    """Run ``module.scenario`` (a module of scenarios) on the submission, in its process."""
    return unwrap(ctx.student.helper(f"{module.__name__}:{scenario}", *args, what=what), what)


def expect(ctx, key, module, scenario, *args):
    """The same scenario on the reference: the expected answer named ``key`` (kept in the fixtures)."""
    function = getattr(module, scenario)
    return ctx.expect(key, lambda ref: unwrap(function(ref, *args), "the reference"))


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
                  floor=ctx.spec["block_floor"], hidden=ctx.hidden)


def assert_along_directions(ctx, blocks, directional, directions, *, what, against):
    """``<gradient, v>`` of each block against ``directional``, the derivative of the submission's
    own forward along the same unit directions ``v`` (``directions[name]``: one per row)."""
    analytic = {}
    for name, block in blocks.items():
        array = as_numeric(block, f"{what}: {name}")
        shape = directions[name].shape[1:]
        if array.shape != shape:
            raise CheckFailure(f"{what}: {name} has shape {array.shape}, expected {shape}")
        analytic[name] = np.array([np.sum(array * v) for v in directions[name]])
    count = len(next(iter(directions.values())))
    assert_blocks(analytic, directional, what=f"{what}: <gradient, v> for {count} random unit v per block "
                  "(entry k: direction k)", against=against,
                  tol=ctx.spec["directional_rel_error"], floor=ctx.spec["block_floor"], hidden=ctx.hidden)


def gradient_blocks(result, spec, what):
    """``{"dX": ..., "dW": ..., "db": ...}`` from a layer pass; grads must have params' keys, in order."""
    grads = result.get("grads")
    if not isinstance(grads, dict) or list(grads) != list(spec["params"]):
        raise CheckFailure(f"{what}: grads has keys {list(grads) if isinstance(grads, dict) else grads}, "
                           f"expected {list(spec['params'])} (the keys of params, in the same order)")
    return {"dX": result["dX"], **{f"d{key}": value for key, value in grads.items()}}


def describe_case(case):
    """``Dense(5, 4) with X of shape (7, 5)``, and the training flag and warm-up batches where set."""
    mode = "" if case.get("training", True) else ", training=False"
    n = len(case.get("warmup", []))
    warm = f" after {n} training batches" if n else ""
    if n and case.get("warmup_backward"):
        warm = f" after {n} forward and backward pass{'es' if n > 1 else ''} on another batch"
    return f"{label(case['layer'])} with X of shape {case['X'].shape}{mode}{warm}"


def declare(checks, name, tags, title, function):
    """Declare in ``checks`` (a ``CheckSet``) a check made by a factory, with ``title`` as its title."""
    function.__doc__ = title
    checks.check(name, tags=tags)(function)
