"""Calibrate the training-run thresholds of assignments 02 and 03 from the reference.

    python benchmarks/calibrate_training.py [--seeds N] [NAME ...]

For each seed, draws the training and held-out sets exactly as the check
`training_run` does (the generator of the assignment's checks, the sizes and
hyperparameters of its spec), trains the reference with mini-batches and the
rng seeded the same way, and measures its held-out accuracy; it also trains
once more with another shuffle (the ratio of final training losses shows how
much the loss depends on the order of the rows) and, on the first seeds, for
long in full batch (the accuracy a converged model reaches). Prints the mean,
standard deviation (population), minimum and maximum, and the spec's threshold
for comparison; the spec's comments record the figures its thresholds come from.
"""

import argparse
import importlib

import numpy as np

from grader.checking.catalog import get_assignment

DEFAULT = ["logistic_regression", "softmax_regression"]


def run(name, seeds):
    assignment = get_assignment(name)
    checks = importlib.import_module(f"assignments.{name}.checks")
    reference = assignment.reference()
    s = assignment.spec
    classes = (s["training_classes"],) if "training_classes" in s.values else ()

    def accuracy(params, X, y):
        scores = X @ params
        predicted = np.argmax(scores, axis=1) if scores.ndim == 2 else (scores >= 0).astype(int)
        return float(np.mean(predicted == y))

    accuracies, ratios, converged = [], [], []
    for seed in range(seeds):
        data_rng = np.random.default_rng(seed)
        X, y = checks.overlapping_classes(data_rng, s["training_m"], *classes)
        X_test, y_test = checks.overlapping_classes(data_rng, s["training_test_m"], *classes)
        options = (*classes, s["training_learning_rate"], s["training_epochs"], s["training_batch_size"])
        params, history = reference.fit(X, y, *options, np.random.default_rng(seed))
        accuracies.append(accuracy(params, X_test, y_test))
        _, other = reference.fit(X, y, *options, np.random.default_rng(seed + 10_000))
        ratios.append(other[-1] / history[-1])
        if seed < 50:
            long_params, _ = reference.fit(X, y, *classes, 0.5, 2000)
            converged.append(accuracy(long_params, X_test, y_test))
    a = np.array(accuracies)
    print(f"{name}: held-out accuracy over seeds 0-{seeds - 1}: {a.mean():.3f} +- {a.std():.3f} "
          f"(min {a.min():.3f}, max {a.max():.3f}); long full-batch run {np.mean(converged):.3f}; "
          f"threshold in the spec {s['training_accuracy']} = mean - {(a.mean() - s['training_accuracy']) / a.std():.1f} sd")
    print(f"{name}: final training loss with another shuffle / with the check's: "
          f"{min(ratios):.4f} to {max(ratios):.4f}; margin in the spec {s['training_loss_margin']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=DEFAULT)
    parser.add_argument("--seeds", type=int, default=200)
    args = parser.parse_args()
    for name in args.names:
        run(name, args.seeds)


if __name__ == "__main__":
    main()
