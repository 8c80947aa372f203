"""The checks of assignment 04 on whole models: Sequential, the optimisers, the gradient of a
network along random directions, fit, the training runs, and inputs left unchanged."""

import numpy as np

from grader.checking import inference
from grader.checking.checks import CheckFailure, CheckSet, Partial
from grader.checking.compare import Tolerance, as_numeric, assert_close, compare_defaults, describe, low_precision
from grader.checking.gradcheck import assert_blocks
from grader.checking.layer_checks import (assert_along_directions, assert_values_like_reference, declare, describe_case,
                                          drive_network, network_derivatives)

from . import cases, training_probes
from .judge import assert_like_reference, expect, run

checks = CheckSet()

LAYER_CLASSES = ["Dense", "ReLU", "Sigmoid", "ELU", "BatchNorm"]
NETWORK_TAGS = ["Sequential", *LAYER_CLASSES, "he_init"]  # what a network of cases.network_case calls


# ------------------------------------------------------------------ Sequential

@checks.check("sequential_calls", tags=["Sequential"])
def sequential_calls(ctx):
    """Sequential runs forward in order and backward in reverse, passing training on"""
    X, dout = ctx.case("inputs", lambda rng: (rng.normal(size=(7, 5)), rng.normal(size=(7, 5))))
    what = "Sequential([three grader layers: x * 2 + 1, x * -0.5 + 1, x * 3 + 1])"
    got = run(ctx, "sequential_calls", X, dout, what=what)
    names = ["first", "second", "third"]
    calls = [["forward", n, False] for n in names] + [["forward", n, True] for n in names]
    calls += [["backward", n] for n in reversed(names)]
    log = [list(entry) for entry in got["log"]]
    for i, (want, entry) in enumerate(zip(calls, log + [None] * len(calls))):
        if entry != want:
            raise CheckFailure(f"{what}: call {i + 1} was {entry}, expected {want} (the calls: forward(X, "
                               "training=False), forward(X), backward(dout); every layer gets the same "
                               "training flag, and backward runs from the last layer to the first)")
    if len(log) > len(calls):
        raise CheckFailure(f"{what}: {len(log) - len(calls)} calls more than expected: {log[len(calls):]}")
    out = ((X * 2 + 1) * -0.5 + 1) * 3 + 1
    for key, want, call in (("eval", out, "forward(X, training=False)"), ("train", out, "forward(X)"),
                            ("dX", dout * 2 * -0.5 * 3, "backward(dout)")):
        assert_close(got[key], want, what=f"{what}.{call}", tol=ctx.spec.tolerance, hidden=ctx.hidden)


@checks.check("sequential_params", tags=NETWORK_TAGS)
def sequential_params(ctx):
    """Sequential.params() and grads() list each layer's own arrays, in order"""
    inputs = ctx.case("inputs", lambda rng: (rng.normal(size=(7, 5)), rng.normal(size=(7, 5))))
    network = ctx.case("network", cases.network_case)
    yours = "Sequential of your Dense, BatchNorm, ReLU, ELU, Sigmoid layers"
    for scenario, what, args in (
            ("sequential_calls", "Sequential([grader layers with params {'w', 'b'}, {}, {'z', 'a'}])", inputs),
            ("sequential_params", yours, (network,))):
        got = run(ctx, scenario, *args, what=what)
        for part in ("params", "grads"):
            if got[part] != "ok":
                raise CheckFailure(f"{what}.{part}(): {got[part]}; expected the layers' {part} arrays "
                                   f"themselves, layer by layer, each in its dict's key order")
    # Whether the arrays are the layers' own only the child can see: the point needs the values right too.
    _, _, got = drive_network(ctx.student, network)
    want = expect(ctx, "pass", "network_pass", network)
    assert_close(got["out"], want["out"], what=f"{yours}: forward", tol=ctx.spec.tolerance, hidden=ctx.hidden)
    assert_like_reference(ctx, network_blocks(got, network, yours), network_blocks(want, network, yours),
                          f"{yours}: backward")


# ------------------------------------------------------------------ optimisers

def _optimizer_case(rng):
    params = [rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=3)]
    steps = [[scale * rng.normal(size=p.shape) for p in params] for scale in (1.0, 0.1, 3.0, 0.01, 0.5)]
    return {"params": params, "steps": steps}


def _steep_optimizer_case(rng):
    """Gradients of 0.5 to 2 in every entry, for the default hyperparameters: Adam's eps = 1e-8 then
    never shows in a step, where a gradient near 0 in some draws would show it in those draws only."""
    params = [rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=3)]
    steps = [[rng.choice([-1.0, 1.0], size=p.shape) * rng.uniform(0.5, 2.0, size=p.shape) for p in params]
             for _ in range(5)]
    return {"params": params, "steps": steps}


def _compare_steps(ctx, got, want, initial, what):
    """Each step's change of each array against the reference's, norm-relative: float32
    arithmetic inside an optimiser passes, a wrong update rule does not."""
    snapshots = got["snapshots"]
    if snapshots and all(np.array_equal(np.asarray(a), b) for a, b in zip(snapshots[0], initial)):
        raise CheckFailure(f"{what}: the first step left the arrays it was given unchanged; update each "
                           "array of params in place (p -= ..., p += ...), do not rebind it")
    before_got = before_want = initial
    for t, (got_step, want_step) in enumerate(zip(snapshots, want["snapshots"]), start=1):
        got_step = [as_numeric(a, f"{what}: params[{i}] after step {t}").astype(np.float64)
                    for i, a in enumerate(got_step)]
        for i, (a, b) in enumerate(zip(got_step, want_step)):
            if a.shape != b.shape:
                raise CheckFailure(f"{what}: params[{i}] has shape {a.shape} after step {t}, "
                                   f"expected {b.shape}")
        changes = {f"the change of params[{i}]": a - b for i, (a, b) in enumerate(zip(got_step, before_got))}
        expected = {f"the change of params[{i}]": a - b for i, (a, b) in enumerate(zip(want_step, before_want))}
        assert_blocks(changes, expected, what=f"{what}, step {t}", against="the reference",
                      tol=ctx.spec["optimizer_rel_error"], floor=ctx.spec["block_floor"], hidden=ctx.hidden)
        before_got, before_want = got_step, want_step


def _optimizer_check(name, settings):
    def check(ctx):
        cases = {"case": ctx.case("case", _optimizer_case), "defaults": ctx.case("steep case", _steep_optimizer_case)}
        for key, kwargs in settings(ctx).items():
            case = cases["defaults" if key == "defaults" else "case"]
            shown = {k: "<drawn>" if ctx.hidden else format(v, ".4g") for k, v in kwargs.items()}
            what = f"{name}({', '.join(f'{k}={v}' for k, v in shown.items())}).step over 5 steps"
            got = run(ctx, "optimizer_steps", name, kwargs, case["params"], case["steps"], what=what)
            want = expect(ctx, key, "optimizer_steps", name, kwargs, case["params"], case["steps"])
            _compare_steps(ctx, got, want, case["params"], what)
        compare_defaults(ctx, [name])  # Adam's eps = 1e-8 barely shows in a step
    return check


def _vary(ctx, public, low, high):
    """A hyperparameter: ``public`` in public checks, drawn from [low, high] in hidden ones."""
    return float(ctx.rng.uniform(low, high)) if ctx.hidden else public


declare(checks, "sgd", ["SGD"], "SGD with and without momentum, and with its defaults, follows the reference over 5 steps",
        _optimizer_check("SGD", lambda ctx: {
            "momentum": {"learning_rate": _vary(ctx, 0.05, 0.02, 0.2), "momentum": _vary(ctx, 0.8, 0.5, 0.9)},
            "plain": {"learning_rate": _vary(ctx, 0.1, 0.02, 0.2), "momentum": 0.0}, "defaults": {}}))
declare(checks, "adam", ["Adam"], "Adam with bias correction, and with its defaults, follows the reference over 5 steps",
        _optimizer_check("Adam", lambda ctx: {
            "adam": {"learning_rate": _vary(ctx, 0.01, 0.005, 0.05), "beta1": _vary(ctx, 0.8, 0.7, 0.85),
                     "beta2": _vary(ctx, 0.888, 0.85, 0.95), "eps": _vary(ctx, 1e-2, 1e-3, 3e-2)},
            "defaults": {}}))


@checks.check("optimizer_on_model", tags=["SGD", "Adam", "Sequential", "Dense", "ReLU", "he_init"])
def optimizer_on_model(ctx):
    """SGD and Adam update a model's own parameter arrays in place"""
    case = ctx.case("case", cases.small_model_case)
    for name, kwargs in (("SGD", {"learning_rate": 0.05, "momentum": 0.8}),
                         ("Adam", {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.888, "eps": 1e-3})):
        what = (f"{name}.step(model.params(), model.grads()) on Sequential([Dense(5, 6), ReLU()]), "
                "each layer's params read back through the layer")
        got = run(ctx, "optimizer_on_model", name, kwargs, case, 3, what=what)
        want = expect(ctx, name, "optimizer_on_model", name, kwargs, case, 3)
        _compare_steps(ctx, got, want, list(case["layers"][0]["params"].values()), what)


# ------------------------------------------------------- the whole network

def network_blocks(result, case, what):
    """The gradient of each block of a network pass: ``dX``, then ``layer i dW`` ... after backward."""
    blocks = {"dX": result["dX"]}
    for i, (grads, spec) in enumerate(zip(result["grads"], case["layers"])):
        if not isinstance(grads, dict) or list(grads) != list(spec["params"]):
            keys = list(grads) if isinstance(grads, dict) else grads
            raise CheckFailure(f"{what}: layer {i} ({spec['layer']}) has grads keys {keys}, "
                               f"expected {list(spec['params'])}")
        blocks.update({f"layer {i} d{key}": value for key, value in grads.items()})
    return blocks


@checks.check("network_gradient", tags=NETWORK_TAGS)
def network_gradient(ctx):
    """A network of your layers: its backward is the derivative of its forward along random directions"""
    case = ctx.case("network", lambda rng: cases.network_case(rng, vary=ctx.hidden))
    count, eps = ctx.spec["directions"], ctx.spec["directional_eps"]
    directions = ctx.case("directions", lambda rng: cases.directions(rng, case, count))
    what = ("Sequential([Dense(5, 11), BatchNorm(11), ReLU(), Dense(11, 9), ELU(), Dense(9, 6), Sigmoid(), "
            "Dense(6, 4)]), m=7")
    layers, model, got = drive_network(ctx.student, case)  # driven from here; the differences computed here
    want = expect(ctx, "pass", "network_pass", case)
    assert_close(got["out"], want["out"], what=f"{what}: forward", tol=ctx.spec.tolerance, hidden=ctx.hidden)
    blocks = network_blocks(got, case, what)
    if low_precision(as_numeric(got["out"], f"{what}: forward")):
        return assert_like_reference(ctx, blocks, network_blocks(want, case, what),
                                     f"{what}: backward (float32: compared with the reference)")
    directional, _ = network_derivatives(layers, model, case, eps, directions)
    assert_along_directions(ctx, blocks, directional, directions, what=what,
                            against="the derivative of your network's forward along v (loss = sum(out * dout))")


# ------------------------------------------------------------------------ fit

def _steps(log, what):
    """The log of a fit as (forward, backward, step) triples; inference forwards are skipped."""
    steps, current = [], []
    for entry in log:
        op = entry["op"]
        if op == "forward" and not entry["training"]:
            continue
        expected = ["forward", "backward", "step"][len(current)]
        if op != expected:
            raise CheckFailure(f"{what}: after {[e['op'] for e in current] or 'a step'} came {op}; each "
                               "mini-batch is model.forward (training=True), model.backward, optimizer.step")
        current.append(entry)
        if op == "step":
            steps.append(current)
            current = []
    return steps


def _judge_fit(ctx, got, data, n_epochs, batch_size, seed, what):
    """``seed``: of the rng fit was given (None: it was given none, so np.random.default_rng(0))."""
    y = data["y"]
    m = len(y)
    size = batch_size or m
    sizes = [min(size, m - start) for start in range(0, m, size)]
    steps = _steps(got["log"], what)
    if len(steps) != n_epochs * len(sizes):
        raise CheckFailure(f"{what}: {len(steps)} steps, expected {n_epochs * len(sizes)}: {n_epochs} epochs of "
                           f"mini-batches of {sizes} rows")
    history, orders = [], []
    for e in range(n_epochs):
        epoch = steps[e * len(sizes):(e + 1) * len(sizes)]
        rows = [np.asarray(forward["rows"]) for forward, _, _ in epoch]
        if [len(r) for r in rows] != sizes or sorted(np.concatenate(rows)) != list(range(m)):
            raise CheckFailure(f"{what}: epoch {e} used batches of {[len(r) for r in rows]} rows that do not "
                               f"take every row once (expected consecutive slices of sizes {sizes})")
        orders.append(np.concatenate(rows))
        total = 0.0
        for (forward, backward, step), r in zip(epoch, rows):
            logits, dout = forward["logits"], np.asarray(backward["dout"])
            loss, grad = training_probes.softmax_loss(logits, y[r])
            rtol, atol = ctx.spec.tolerance.float32_rtol, ctx.spec.tolerance.float32_atol
            if dout.shape != logits.shape or not np.allclose(dout, grad, rtol=rtol, atol=atol):
                raise CheckFailure(f"{what}: model.backward received {describe(dout)}, not the gradient of the "
                                   "loss of the batch's logits against the batch's labels, "
                                   "(P - Y) / m_batch (keep X[idx] and y[idx] together)")
            if step["params"] != "ok" or step["grads"] != "ok":
                raise CheckFailure(f"{what}: optimizer.step was not given model.params() and model.grads() "
                                   f"(params: {step['params']}; grads: {step['grads']})")
            total += loss * len(r)
        history.append(total / m)
    for e, order in enumerate(orders if batch_size is not None else []):
        same = ("their original order" if np.array_equal(order, np.arange(m)) else
                "the order of the epoch before" if e and np.array_equal(order, orders[e - 1]) else None)
        if same:
            raise CheckFailure(f"{what}: epoch {e} takes the rows in {same}; draw order = rng.permutation(m) "
                               "at the start of each epoch")
    rng = np.random.default_rng(0 if seed is None else seed)
    for e, order in enumerate(orders if batch_size is not None else []):
        if not np.array_equal(order, rng.permutation(m)):
            given = "np.random.default_rng(0), as rng=None means" if seed is None else "the rng it was given"
            raise CheckFailure(f"{what}: epoch {e} takes the rows in another order than rng.permutation(m) "
                               f"drawn from {given} (one permutation per epoch, nothing else drawn from it)")
    received = as_numeric(got["history"], f"{what}: the returned history")
    tol = Tolerance(*ctx.spec["fit_history_tolerance"], *ctx.spec["fit_history_tolerance_float32"])
    assert_close(received, np.array(history), tol=tol, hidden=ctx.hidden,
                 what=f"{what}: the returned history (each epoch's batch losses weighted by batch size, over m)")


@checks.check("fit", tags=["fit", "SoftmaxCrossEntropy"])
def fit(ctx):
    """fit takes shuffled mini-batches, steps after each backward, and returns weighted epoch losses"""
    data = ctx.case("data", lambda rng: cases.fit_data(rng, ctx.spec["fit_rows"]))
    seed = 5  # of the grader model; the rng given to fit is seeded with seed + 1
    for options in ({"n_epochs": 3, "batch_size": ctx.spec["fit_batch_size"], "rng": seed + 1},
                    {"n_epochs": 2, "batch_size": None, "rng": seed + 1}, {}):
        shown = ", ".join(f"{k}={'rng' if k == 'rng' else v}" for k, v in options.items()) or "no options"
        what = (f"fit(model, X, y, optimizer{', ' if options else ''}{shown if options else ''}) with "
                f"m={len(data['y'])}, on a grader model that logs its calls"
                + ("" if options else ": the defaults n_epochs=10, batch_size=64 (more than m: one batch), rng=None"))
        got = run(ctx, "fit_trace", data["X"], data["y"], data["n_classes"], options, seed, what=what)
        _judge_fit(ctx, got, data, options.get("n_epochs", 10), options.get("batch_size", 64), options.get("rng"),
                   what)
    compare_defaults(ctx, ["fit"])


# ------------------------------------------------------------------ training

def _spirals(ctx):
    def make(rng):
        per_class = ctx.spec["train_per_class"]
        (X, y), (X_test, y_test) = cases.spirals(rng, per_class), cases.spirals(rng, ctx.spec["test_per_class"])
        return {"X": X, "y": y, "X_test": X_test, "y_test": y_test, "seed": int(rng.integers(2**31))}
    return ctx.case("data", make)


def _score(ctx, trained, data, what, specs=None):
    """Full points where a copy of the model from the last epochs reaches ``accuracy`` on the test set,
    by the grader's own forward pass over the layers' states (the test set never enters the
    submission's process); ``specs``: the grader's network of the submission's layers."""
    history = as_numeric(trained["history"], f"{what}: the loss history fit returned")
    if not np.all(np.isfinite(history)):
        raise CheckFailure(f"{what}: the training loss became nan or inf")
    accuracy, epochs = inference.best_accuracy(trained, data["X_test"], data["y_test"], probe=data["X"][:64],
                                               what=what, tol=ctx.spec["inference_rel_error"], specs=specs)
    full, partial = ctx.spec["accuracy"], ctx.spec["accuracy_partial"]
    said = (f"{what}: best test accuracy of the model after epochs {', '.join(map(str, epochs))}: "
            f"{accuracy:.1%} on held-out spirals, {trained['seconds']:.1f} s of training (full points from "
            f"{full:.0%}; a linear model reaches about 50 %)")
    if accuracy >= full:
        return None
    if accuracy >= partial:
        return Partial(0.5, f"{said}; half points from {partial:.0%}")
    raise CheckFailure(said)


@checks.check("training_own", tags=["build_model", "fit", "Adam", "Sequential", "SoftmaxCrossEntropy"],
              per_student=False)
def training_own(ctx):
    """Your build_model trained by your fit and Adam reaches the spec's test accuracy"""
    data, settings = _spirals(ctx), ctx.spec["training"]
    config = {**settings, "n_classes": 3, "seed": data["seed"]}
    what = (f"build_model(2, 3, rng) trained on {len(data['y'])} points by fit(model, X, y, "
            f"Adam({settings['learning_rate']}), n_epochs, batch_size={settings['batch_size']}), called to reach "
            f"epochs {', '.join(map(str, settings['snapshots']))} in turn")
    trained = inference.training_result(run(ctx, "train_own", data["X"], data["y"], config, what=what), what)
    if not ctx.hidden:
        reference = ctx.expect("history", lambda ref: training_probes.train_own(ref, data["X"], data["y"],
                                                                                config)["history"])
        ctx.record_curve("training loss", trained["history"], reference)
    return _score(ctx, trained, data, what)


def grader_network(seed, width):
    """The grader's network of the submission's layers, initialised by its own Dense."""
    seeds = [int(s) for s in np.random.default_rng(seed).integers(2**31, size=4)]
    return [{"layer": "Dense", "args": [2, width], "rng": seeds[0]},
            {"layer": "BatchNorm", "args": [width]}, {"layer": "ReLU"},
            {"layer": "Dense", "args": [width, width], "kwargs": {"init": "xavier"}, "rng": seeds[1]},
            {"layer": "ELU", "args": [0.7]}, {"layer": "Dropout", "args": [0.1], "rng": seeds[2]},
            {"layer": "Dense", "args": [width, 3], "rng": seeds[3]}]


@checks.check("training_layers", tags=["Dense", "BatchNorm", "ReLU", "ELU", "Dropout", "he_init", "xavier_init"],
              per_student=False)
def training_layers(ctx):
    """A network of your layers trained by the grader's own loop reaches the spec's test accuracy"""
    data, settings = _spirals(ctx), ctx.spec["grader_training"]
    specs = grader_network(data["seed"], settings["width"])
    what = (f"Dense(2, {settings['width']}), BatchNorm, ReLU, Dense(xavier), ELU(0.7), Dropout(0.1), Dense(3), "
            f"trained by the grader's loop ({settings['snapshots'][-1]} epochs, batches of "
            f"{settings['batch_size']})")
    config = {**settings, "seed": data["seed"]}
    trained = inference.training_result(run(ctx, "train_layers", specs, data["X"], data["y"], config, what=what), what)
    return _score(ctx, trained, data, what, specs)


# ------------------------------------------------------------ inputs unchanged

@checks.check("inputs_unchanged", tags=[*LAYER_CLASSES, "Dropout", "SoftmaxCrossEntropy", "fit", "he_init", "Sequential",
                                        "SGD", "Adam"])
def inputs_unchanged(ctx):
    """No forward, backward, step or fit modifies its input arrays"""
    def make(rng):
        layers = [cases.layer_case(rng, name, 7) for name in LAYER_CLASSES]
        dropout = {"layer": "Dropout", "args": [0.3], "rng": 3}
        layers.append({**cases.layer_case(rng, "ReLU", 7), "layer": dropout})
        return {"layers": layers, "logits": rng.normal(size=(7, 4)), "y": rng.integers(0, 4, size=7)}
    data = ctx.case("data", make)
    changed = run(ctx, "inputs_kept", data["layers"], data["logits"], data["y"],
                  what="the layers, Sequential, the loss, the optimisers and fit")
    if changed:
        raise CheckFailure(f"{'; '.join(changed)}: work on new arrays (the contract: inputs are never modified)")
    # The child's word on the inputs earns the point only where the layers' values are right too.
    for i, case in enumerate(data["layers"][:len(LAYER_CLASSES)]):
        assert_values_like_reference(ctx, case, expect(ctx, f"layer {i}", "layer_pass", case), describe_case(case))
