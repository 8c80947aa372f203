"""Verdicts on a submission's layers, in the grader's process: the parent's side of the
scenarios of ``grader.checking.layers``, and the gradient checks driven from here.

A check runs a scenario in the submission's process (``run``), the same scenario
on the reference for the expected answer (``expect``, kept in the fixtures), and
judges the gradient blocks that come back. A gradient check against the
submission's own forward drives its layers from here instead, one call at a
time (``drive_layer``, ``drive_network``): the grader picks every point, the
child returns the forward's output there, and the loss and the differences
are computed here (``derivatives``), so no grader code that the submission
could replace in its process computes them. The tolerances come from the spec's
``[values]``: ``gradient_rel_error``, ``directional_rel_error``,
``reference_rel_error`` and ``reference_rel_error_float32``, ``block_floor`` and
``block_floor_float32``.
"""

import numpy as np

from grader.checking.checks import CheckFailure
from grader.checking.compare import as_numeric, assert_close, describe, low_precision
from grader.checking.gradcheck import assert_blocks
from grader.checking.layers import PROBLEM, label, params_mismatch
from grader.sandbox import wire
from grader.sandbox.parent import Remote

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


# ------------------------------------------ the submission's layers, driven from here

def build_layer(student, spec):
    """``spec``'s layer made in the submission's process (a ``Remote``), its params set to
    ``spec["params"]`` in place; ``student`` is the submission's module as the parent sees it."""
    kwargs = dict(spec.get("kwargs", {}))
    if "rng" in spec:
        kwargs["rng"] = wire.rng(spec["rng"])
    layer = getattr(student, spec["layer"])(*spec.get("args", []), **kwargs)
    if not isinstance(layer, Remote):
        raise CheckFailure(f"{label(spec)} made {describe(layer)}, not a layer object")
    wanted = spec.get("params")
    if wanted is not None:
        mismatch = params_mismatch(spec, layer.attr("params"))
        if mismatch:
            raise CheckFailure(mismatch)
        for key, value in wanted.items():
            layer.assign("params", key, value)
    return layer


def drive_layer(student, case):
    """``case["layer"]`` built, its warm-up batches (each followed by a backward of ones where
    ``case["warmup_backward"]``), then ``forward(X, training)`` and ``backward(dout)``, each a call
    from here: ``(layer, {"out", "dX", "grads"})``."""
    layer = build_layer(student, case["layer"])
    for batch in case.get("warmup", []):
        warm = layer.forward(batch, training=True)
        if case.get("warmup_backward"):
            layer.backward(np.ones(np.shape(warm)))
    out = layer.forward(case["X"], training=case.get("training", True))
    dX = layer.backward(case["dout"])
    return layer, {"out": out, "dX": dX, "grads": layer.attr("grads")}


def drive_network(student, case):
    """A ``Sequential`` of ``case["layers"]`` built from here, one forward (training) and one backward:
    ``(layers, model, {"out", "dX", "grads"})``, ``grads`` a list of each layer's dict."""
    layers = [build_layer(student, spec) for spec in case["layers"]]
    model = student.Sequential(layers)
    out = model.forward(case["X"], training=True)
    dX = model.backward(case["dout"])
    return layers, model, {"out": out, "dX": dX, "grads": [layer.attr("grads") for layer in layers]}


def derivatives(forward, X, dout, params, eps, directions=None):
    """The derivative of ``sum(forward(X) * dout)`` in ``X`` (block ``dX``) and in each of ``params``
    (``{block: (layer, key, value)}``: ``layer.params[key]``, now ``value``), per entry by central
    differences, or along each of ``directions[block]``. ``forward(points)`` returns the submission's
    outputs at a list of inputs (one round trip for all the points of ``X``); a parameter is moved in
    place, point by point, then restored. The sums and differences are computed here. Returns
    ``(blocks, forwards)``, the number of forward passes."""
    calls = [0]

    def losses(points):
        calls[0] += len(points)
        outputs = forward(points)
        if not isinstance(outputs, list) or len(outputs) != len(points):
            raise CheckFailure(f"forward at {len(points)} points returned {describe(outputs)}")
        return [float(np.sum(as_numeric(out, "forward").astype(np.float64) * dout)) for out in outputs]

    def differences(evaluate, x, block):
        steps = [eps * v for v in directions[block]] if directions is not None else \
            [np.where(np.arange(x.size).reshape(x.shape) == i, eps, 0.0) for i in range(x.size)]
        values = np.array(evaluate([x + sign * step for step in steps for sign in (1.0, -1.0)]))
        slopes = (values[0::2] - values[1::2]) / (2 * eps)
        return slopes if directions is not None else slopes.reshape(x.shape)

    blocks = {"dX": differences(losses, np.asarray(X, dtype=np.float64), "dX")}
    for block, (layer, key, value) in params.items():
        def moved(points, layer=layer, key=key):
            found = []
            for point in points:
                layer.assign("params", key, point)
                found += losses([X])
            return found
        blocks[block] = differences(moved, value, block)
        layer.assign("params", key, value)
    return blocks, calls[0]


def network_derivatives(layers, model, case, eps, directions=None):
    """``derivatives`` of a network of ``drive_network``: in ``dX`` and each ``layer i dW``."""
    params = {f"layer {i} {block}": moved for i, (layer, spec) in enumerate(zip(layers, case["layers"]))
              for block, moved in layer_params(layer, spec).items()}
    return derivatives(lambda points: model.calls("forward", [[p] for p in points], training=True), case["X"],
                       case["dout"], params, eps, directions)


def layer_params(layer, spec):
    """``{"dW": (layer, "W", value)}``: the blocks of one layer, its params as the spec set them."""
    values = spec.get("params")
    if values is None:
        values = layer.attr("params")
    return {f"d{key}": (layer, key, np.asarray(value, dtype=np.float64)) for key, value in values.items()}


def own_gradient(ctx, case, eps, what, directions=None):
    """One layer driven from here: ``(blocks, numerical, low)``, its gradient blocks (``dX``, ``dW``, ...),
    the derivative of its own forward (per entry, or along ``directions``; None where ``low``), and
    whether its forward returns float32, whose differences would be noise."""
    layer, got = drive_layer(ctx.student, case)
    blocks = gradient_blocks(got, case["layer"], what)
    low = low_precision(as_numeric(got["out"], f"{what}: forward"))
    if low:
        return blocks, None, True
    training = case.get("training", True)
    numerical, _ = derivatives(lambda points: layer.calls("forward", [[p] for p in points], training=training),
                               case["X"], case["dout"], layer_params(layer, case["layer"]), eps, directions)
    return blocks, numerical, False


def assert_values_like_reference(ctx, case, want, what):
    """The layer of ``case``, driven from here, returns the reference's output and gradients ``want``:
    what a check that rests on the child's word alone (inputs left unchanged) needs besides."""
    _, got = drive_layer(ctx.student, case)
    assert_close(got["out"], want["out"], what=f"{what}: forward", tol=ctx.spec.tolerance, hidden=ctx.hidden)
    assert_like_reference(ctx, gradient_blocks(got, case["layer"], what), gradient_blocks(want, case["layer"], what),
                          f"{what}: backward")


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
