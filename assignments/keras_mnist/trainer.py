"""Train and score a Keras MNIST submission.

`train` runs inside the sandboxed child process that has the student's module
loaded. TensorFlow is imported inside it, never at the top of this module, so
the grader's own process can import this file without paying for TensorFlow.

What `train` returns is plain data. Known mistakes become entries of
``problems``: strings of the form ``"AREA: message"``, where AREA names what to
fix: ``preprocess``, ``build_model``, ``parameters``, ``constants`` or
``training``. Other exceptions raised by student code propagate.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import time
from typing import Any, Callable

import numpy as np

N_CLASSES = 10
DEFAULT_EPOCHS = 5
DEFAULT_BATCH_SIZE = 32
MAX_THREADS = 4  # more threads than this barely help a model of homework size
SCALED_RMS = 10.0  # root mean square of the inputs: raw pixels give ~85, /255 gives ~0.3
PROBE_ROWS = 256  # rows used to probe the model's outputs
STAT_ROWS = 2000  # rows used to judge the scale of preprocess's output
PREDICT_BATCH = 512


def train(submission, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, *,
          epochs_cap: int, time_budget_s: float, seed: int, param_budget: int,
          emit: Callable[[dict], Any], threads: int | None = None) -> dict:
    """Preprocess, build, train and evaluate the student's model.

    `submission` is the student's module (``preprocess``, ``build_model``,
    ``EPOCHS``, ``BATCH_SIZE``); images are uint8 ``(m, 28, 28)``, labels
    integers 0..9. Training runs ``min(EPOCHS, epochs_cap)`` epochs with
    ``BATCH_SIZE``, stopped when `time_budget_s` of training time has passed
    (an epoch that would end past the budget is not started). `emit` receives
    ``{"epoch", "epochs", "loss", "accuracy", "seconds"}`` after each epoch.
    `threads` caps TensorFlow's threads (default: the available cores, at
    most 4).

    Returns ``{"predictions", "epochs_run", "stopped_early", "stop_reason",
    "train_seconds", "n_params", "trained", "problems", "history"}``:
    ``predictions`` are the argmax of ``model.predict`` on the test images
    (None when the model was not trained), ``history`` holds
    the per-epoch training ``loss`` and ``accuracy`` (the student's metric).
    """
    keras = _setup_tensorflow(seed, threads)
    result = {"predictions": None, "epochs_run": 0, "stopped_early": False, "stop_reason": None,
              "train_seconds": 0.0, "n_params": None, "trained": False, "problems": [],
              "history": {"loss": [], "accuracy": []}}
    problems = result["problems"]

    epochs = _constant(submission, "EPOCHS", DEFAULT_EPOCHS, problems)
    batch_size = _constant(submission, "BATCH_SIZE", DEFAULT_BATCH_SIZE, problems)
    epochs = min(epochs, epochs_cap)

    xp_train = _preprocess(submission, x_train, "training", problems)
    if xp_train is None:
        return result
    xp_test = _preprocess(submission, x_test, "test", problems)
    if xp_test is None:
        return result
    if xp_train.shape[1:] != xp_test.shape[1:]:
        problems.append(f"preprocess: gives shape {xp_train.shape[1:]} per image for the "
                        f"training images but {xp_test.shape[1:]} for the test images")
        return result

    model = submission.build_model()
    if not _check_model(model, xp_train, param_budget, keras, result):
        return result

    clock = _budget_clock(keras, time_budget_s, epochs, emit)
    start = time.perf_counter()
    history = model.fit(xp_train, np.asarray(y_train, dtype=np.int64), epochs=epochs,
                        batch_size=batch_size, verbose=0, shuffle=True, callbacks=[clock])
    result["train_seconds"] = round(time.perf_counter() - start, 3)
    result["trained"] = True
    result["epochs_run"] = clock.epochs_done
    result["stop_reason"] = clock.stop_reason
    result["stopped_early"] = clock.epochs_done < epochs
    result["history"] = {"loss": clock.losses, "accuracy": clock.accuracies}
    if not any("acc" in key for key in history.history):
        problems.append("build_model: the model is compiled without an accuracy metric; "
                        "compile it with metrics=['accuracy']")
    if clock.stop_reason == "nan":
        problems.append(f"training: the loss became NaN or infinite in epoch {clock.epochs_done}; "
                        "check the scaling of the inputs and the learning rate")

    scores = model.predict(xp_test, batch_size=PREDICT_BATCH, verbose=0)
    # The test labels never enter this process: the grader scores the predictions.
    result["predictions"] = np.argmax(np.asarray(scores).reshape(len(xp_test), -1), axis=1).astype(np.int64)
    return result


def _setup_tensorflow(seed: int, threads: int | None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # only effective before TF's first import
    import tensorflow as tf
    import keras

    if threads is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        threads = min(cores or 1, MAX_THREADS)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # the student's module already ran TensorFlow ops at import
        pass
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return keras


def _constant(submission, name: str, default: int, problems: list[str]) -> int:
    value = getattr(submission, name, None)
    if value is None:
        problems.append(f"constants: {name} is missing; the grader used {default}")
        return default
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        problems.append(f"constants: {name} must be a positive whole number, got {value!r}; "
                        f"the grader used {default}")
        return default
    return int(value)


def _preprocess(submission, images: np.ndarray, which: str, problems: list[str]):
    """Call preprocess on a copy; return its output as an array, or None if unusable."""
    given = np.array(images, copy=True)
    out = submission.preprocess(given)
    if not np.array_equal(given, images) and which == "training":  # not twice
        problems.append("preprocess: changed the images it was given (in place); work on "
                        "a copy, e.g. x = images.astype('float32') / 255")
    if out is None:
        problems.append("preprocess: returned None; is its return statement missing?")
        return None
    try:
        out = np.asarray(out)
    except Exception as e:
        problems.append(f"preprocess: returned {type(out).__name__}, which is not an array ({e})")
        return None
    if out.ndim == 0 or out.dtype.kind not in "biuf":
        problems.append(f"preprocess: returned {type(out).__name__} of dtype {out.dtype} "
                        f"and shape {out.shape}; return a float32 array with one row per image")
        return None
    if out.shape[0] != len(images):
        problems.append(f"preprocess: returned {out.shape[0]} rows (shape {out.shape}) for "
                        f"{len(images)} {which} images; keep one row per image")
        return None
    if which == "test":  # the same mistakes would be reported twice
        return out
    if out.dtype.kind != "f":
        problems.append(f"preprocess: returned {out.dtype} values; return floats, "
                        "e.g. images.astype('float32') / 255")
    if not np.isfinite(out).all():
        problems.append("preprocess: returned NaN or infinite values (a division by a standard "
                        "deviation of 0, for pixels that are 0 in every image?)")
        return None
    sample = out[:STAT_ROWS].astype(np.float64)
    rms = float(np.sqrt(np.mean(np.square(sample))))
    if rms > SCALED_RMS:
        problems.append(f"preprocess: the pixels are not scaled (values up to {sample.max():g}, "
                        f"root mean square {rms:.1f}); scale the features before training, "
                        "e.g. divide by 255")
    return out


def _input_shape(model) -> str | None:
    try:
        return str(tuple(model.inputs[0].shape))
    except Exception:  # a subclassed or not yet built model has no declared input
        return None


def _error_line(error: Exception) -> str:
    """The informative line of a (multi-line, colour-coded) Keras error message."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(error).splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        if "Expected shape" in line:  # after a printout of the input array
            return line[line.index("Expected shape"):]
        if "incompatible" in line or "expected" in line:
            return line
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def _loss_identity(loss, keras) -> tuple[str | None, bool]:
    """(name, from_logits) of a Keras built-in loss; (None, False) for a custom one."""
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except Exception:
            return None, False
    if isinstance(loss, keras.losses.Loss):
        fn = getattr(loss, "fn", None)
        if fn is None or not getattr(fn, "__module__", "").startswith("keras."):
            return None, False
        try:
            from_logits = bool(loss.get_config().get("from_logits", False))
        except Exception:
            from_logits = False
        return fn.__name__, from_logits
    if callable(loss) and getattr(loss, "__module__", "").startswith("keras."):
        return getattr(loss, "__name__", None), False
    return None, False


def _check_model(model, xp_train, param_budget: int, keras, result: dict) -> bool:
    """Check what build_model returned; True if it can be trained."""
    problems = result["problems"]
    if not isinstance(model, keras.Model):
        problems.append(f"build_model: returned {type(model).__name__}, not a keras.Model")
        return False
    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        problems.append("build_model: the model is not compiled; call model.compile(optimizer="
                        "'adam', loss='sparse_categorical_crossentropy', metrics=['accuracy']) "
                        "before returning it")
        return False

    probe = xp_train[:PROBE_ROWS]
    try:
        out = model(probe, training=False)
    except Exception as e:
        expects = _input_shape(model)
        problems.append(f"build_model: the model does not accept what preprocess returns: "
                        f"preprocess gives shape {xp_train.shape} ({xp_train.dtype})"
                        f"{f', the model expects {expects}' if expects else ''}: "
                        f"{_error_line(e)}")
        return False
    try:
        out = np.asarray(out)
    except Exception:
        problems.append("build_model: the model must have one output, 10 values per image")
        return False
    if out.shape != (len(probe), N_CLASSES):
        per_image = out.shape[1:] if out.ndim else ()
        problems.append(f"build_model: the model gives {per_image} outputs per image; "
                        "it needs 10, one per digit (the last layer: Dense(10))")
        return False

    result["n_params"] = n_params = int(model.count_params())
    if n_params > param_budget:
        problems.append(f"parameters: the model has {n_params:,} parameters, over the budget "
                        f"of {param_budget:,}; it was not trained")
        return False

    name, from_logits = _loss_identity(model.loss, keras)
    if name in ("categorical_crossentropy", "categorical_focal_crossentropy"):
        problems.append(f"build_model: the loss is {name}, which expects one-hot labels of "
                        f"shape (m, 10), but the labels are integers 0..9 of shape (m,); "
                        "compile with loss='sparse_categorical_crossentropy'; "
                        "the model was not trained")
        return False
    if name is not None and name != "sparse_categorical_crossentropy":
        problems.append(f"build_model: the loss {name} does not fit integer labels 0..9 "
                        "with 10 outputs; compile with loss='sparse_categorical_crossentropy'; "
                        "the model was not trained")
        return False
    if name is not None:
        in_unit_range = out.min() >= -1e-6 and out.max() <= 1 + 1e-6
        sums_to_one = in_unit_range and np.abs(out.sum(axis=1) - 1).max() < 1e-3
        if from_logits and sums_to_one:
            problems.append("build_model: the last layer applies softmax, but the loss is "
                            "compiled with from_logits=True, so softmax is applied twice; "
                            "either drop the softmax activation or use from_logits=False")
        elif not from_logits and not in_unit_range:
            problems.append("build_model: the model outputs logits (some outputs are negative "
                            "or above 1), but the loss expects probabilities (from_logits="
                            "False); add activation='softmax' to the last layer, or compile "
                            "with keras.losses.SparseCategoricalCrossentropy(from_logits=True)")
    return True


def _finite_or_none(value) -> float | None:
    """A float for JSON: None for a missing, NaN or infinite value."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _budget_clock(keras, budget_s: float, epochs: int, emit):
    """A callback that stops training at the time budget and reports each epoch."""

    class BudgetClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs_done = 0
            self.stop_reason = None
            self.losses: list[float] = []
            self.accuracies: list[float | None] = []

        def on_train_begin(self, logs=None):
            self.start = self.epoch_start = time.perf_counter()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            # Only when one epoch alone runs past the budget: stop in mid-epoch.
            steps = self.params.get("steps")
            if (steps is None or batch + 1 < steps) and time.perf_counter() - self.start > budget_s:
                self.model.stop_training = True
                self.stop_reason = "time"

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            logs = logs or {}
            loss = _finite_or_none(logs.get("loss"))
            acc_key = next((k for k in logs if "acc" in k), None)
            accuracy = _finite_or_none(logs[acc_key]) if acc_key else None
            if self.stop_reason is None:  # the epoch ran to its end
                self.epochs_done = epoch + 1
                self.losses.append(loss)
                self.accuracies.append(accuracy)
            elapsed = now - self.start
            emit({"epoch": epoch + 1, "epochs": epochs, "loss": loss, "accuracy": accuracy,
                  "seconds": round(elapsed, 3)})
            if loss is None:
                self.model.stop_training = True
                self.stop_reason = "nan"
            elif epoch + 1 < epochs and elapsed + (now - self.epoch_start) > budget_s:
                # The next epoch, if as long as this one, would end past the budget.
                self.model.stop_training = True
                self.stop_reason = "time"

    return BudgetClock()
