"""Calibrate the training check of assignment 06 (convolution) over student seeds.

    python benchmarks/calibrate_convolution.py [--seeds N] [FILE ...]

For each seed, runs exactly what the check `training` runs for a student whose
hidden seed draws that value: the grader's network of the submission's layers
(`checks.network(seed)`), its training loop with the spec's settings
(`probes.train_network`), and the best test accuracy of the copies taken at the
spec's snapshots (`grader.checking.inference`, as the check scores them), here in this process. FILEs are
submissions (default: the reference); each is trained on the same seeds.

Prints, per file, the mean, standard deviation (population), minimum, maximum
and the lowest 0.1 % quantile of the accuracy, the time per training run, and
the spec's threshold in standard deviations below the mean, with the chance
that a normal variable of that mean and spread falls below it. The spec's
comments record the figures its thresholds come from.
"""

import argparse
import importlib.util
import math
import time
from pathlib import Path

import numpy as np

from assignments.convolution import checks, probes
from grader.checking import inference
from grader.checking.catalog import get_assignment
from grader.checking.submission import load_source


def load(path):
    """A submission (``.py`` or notebook) as a module, as the sandbox's child runs it."""
    source = load_source(Path(path))
    spec = importlib.util.spec_from_loader(Path(path).stem, loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source.text, str(path), "exec"), module.__dict__)
    return module


def accuracies(module, spec, seeds):
    data, settings = checks.digits(), spec["training"]
    found, seconds = [], []
    for seed in seeds:
        trained = probes.train_network(module, checks.network(seed), data["X"], data["y"],
                                       {**settings, "seed": seed + 1})
        found.append(inference.best_accuracy(trained, data["X_test"], data["y_test"], probe=data["X"][:64],
                                             what="training", tol=spec["inference_rel_error"],
                                             specs=checks.network(seed))[0])
        seconds.append(trained["seconds"])
    return np.array(found), np.array(seconds)


def normal_below(x, mean, sd):
    return 0.5 * math.erfc((mean - x) / (sd * math.sqrt(2)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--seeds", type=int, default=300)
    args = parser.parse_args()
    assignment = get_assignment("convolution")
    spec = assignment.spec
    files = args.files or [assignment.reference().__file__]
    threshold = spec["accuracy"]
    for path in files:
        started = time.perf_counter()
        a, seconds = accuracies(load(path), spec, range(args.seeds))
        mean, sd = a.mean(), a.std()
        print(f"{Path(path).name}: test accuracy over seeds 0-{args.seeds - 1}: {mean:.4f} +- {sd:.4f} "
              f"(min {a.min():.4f}, 0.1 % quantile {np.quantile(a, 0.001):.4f}, max {a.max():.4f}); "
              f"training {np.median(seconds):.2f} s per run (median), {time.perf_counter() - started:.0f} s in all")
        print(f"  full points from {threshold:.2f} = mean - {(mean - threshold) / sd:.1f} sd; a normal law of "
              f"this mean and sd falls below with probability {normal_below(threshold, mean, sd):.1e}; "
              f"seeds below: {int(np.sum(a < threshold))}")


if __name__ == "__main__":
    main()
