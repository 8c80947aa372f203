"""The checks of assignment 05, keras_mnist.

The grader loads MNIST in its own process (NumPy only), sends the images to the
submission's process, where ``trainer.train`` preprocesses, builds, trains and
predicts; the test labels stay here, and the accuracy is computed here. One
training run serves every check of a submission.
"""

import numpy as np

from grader.checking.checks import CheckFailure, CheckSet, Partial
from grader.errors import GradeError

from grader.checking import mnist as data

checks = CheckSet()


@checks.setup
def load_data(spec, options):
    """MNIST from --data, GRADE_MNIST, Keras's cache or a download; exit 2 where none works."""
    try:
        mnist = data.locate(options.get("data"))
    except data.DataError as exc:
        raise GradeError(str(exc)) from None
    tiers = spec["tiers"]
    name = max((n for n in tiers if len(mnist.x_train) >= tiers[n]["min_train"]),
               key=lambda n: tiers[n]["min_train"])
    return {"mnist": mnist, "tier_name": name, "tier": tiers[name]}


def training_run(ctx):
    """The submission's training run, once per submission; its failure is every check's."""
    if "run" not in ctx.shared:
        mnist, tier, s = ctx.setup["mnist"], ctx.setup["tier"], ctx.spec
        try:
            ctx.shared["run"] = ctx.student.helper(
                "assignments.keras_mnist.trainer:train", mnist.x_train, mnist.y_train, mnist.x_test,
                epochs_cap=s["epochs_cap"], time_budget_s=tier["time_budget_s"], seed=s["seed"],
                param_budget=s["param_budget"], what="training the model", on_event=ctx.on_event)
        except Exception as exc:
            ctx.shared["run"] = exc
    run = ctx.shared["run"]
    if isinstance(run, Exception):
        raise run
    return run


def _problems(run, *areas):
    found = [p for p in run["problems"] if p.split(":", 1)[0] in areas]
    if found:
        raise CheckFailure("\n".join(found))


@checks.check("preprocess", tags=["preprocess"])
def preprocess(ctx):
    """preprocess returns scaled floats, one row per image, and leaves its input alone"""
    _problems(training_run(ctx), "preprocess")


@checks.check("build_model", tags=["build_model"])
def build_model(ctx):
    """build_model returns a compiled model with 10 outputs, a fitting loss and an accuracy metric"""
    _problems(training_run(ctx), "build_model", "parameters")


@checks.check("constants", tags=["EPOCHS", "BATCH_SIZE"])
def constants(ctx):
    """EPOCHS and BATCH_SIZE are positive whole numbers"""
    _problems(training_run(ctx), "constants")


@checks.check("accuracy", tags=["preprocess", "build_model"])
def accuracy(ctx):
    """the trained model's test accuracy reaches the spec's tiers"""
    run = training_run(ctx)
    ctx.record_curve("training loss per epoch", run["history"]["loss"], [])
    if not run["trained"] or run["predictions"] is None:
        raise CheckFailure("the model was not trained, so it has no accuracy: "
                           + "; ".join(run["problems"]))
    y_test = ctx.setup["mnist"].y_test
    predictions = np.asarray(run["predictions"]).reshape(-1)
    if predictions.shape != y_test.shape:
        raise CheckFailure(f"the model gave {predictions.shape[0]} predictions for {len(y_test)} test images")
    reached = float(np.mean(predictions == y_test))
    ctx.record_leaderboard("Test accuracy", round(reached, 4))
    tier, name = ctx.setup["tier"], ctx.setup["tier_name"]
    stopped = (f"; training stopped by the time budget ({tier['time_budget_s']:g} s) after "
               f"{run['epochs_run']} epochs" if run["stop_reason"] == "time" else "")
    said = f"test accuracy {reached:.2%} on the {name} data set ({len(y_test)} images){stopped}"
    extra = [p for p in run["problems"] if p.startswith("training")]
    if reached >= tier["full"]:
        return Partial(1.0, f"{said}: full points from {tier['full']:.0%}")
    if reached >= tier["partial"]:
        return Partial(ctx.spec["partial_credit"], f"{said}: partial points from {tier['partial']:.0%}, "
                                                   f"full points from {tier['full']:.0%}")
    raise CheckFailure(f"{said}: below {tier['partial']:.0%}, the lowest tier" +
                       ("".join(f"\n{p}" for p in extra)))
