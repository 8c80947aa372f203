"""Calibrate assignment 05 (keras_mnist): accuracy, training time and memory.

    python benchmarks/keras_mnist.py [--mnist DIR] [--subset DIR] [--seeds N]
                                     [--module PATH ...] [--budget S] [--threads N] [--submit]

Each run is one fresh Python process, as in grading: it imports TensorFlow,
trains a module through `assignments.keras_mnist.trainer.train` with one seed,
and reports its test accuracy, its training time, and its peak resident memory
(``ru_maxrss``, TensorFlow included) and peak virtual size (``VmPeak``,
what an address-space limit such as RLIMIT_AS counts). Runs go one after another, so timings do
not compete for the cores.

Data sets:
- the vendored subset (``--subset``, default tests/data/mnist_small);
- the 8,000 / 2,000 split (split seed 0) of the MNIST test set found at
  ``--mnist`` (a folder holding t10k-images-idx3-ubyte.gz and
  t10k-labels-idx1-ubyte.gz, or an mnist.npz); skipped when not given.

Modules: the reference and the plain 784-128-10 MLP of the test submissions,
unless ``--module`` names others. Prints one line per run and a mean ± std
(population std over the seeds) per module and data set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODULES = [ROOT / "reference" / "keras_mnist.py",
                   ROOT / "tests" / "submissions" / "keras_mnist" / "correct" / "mlp.py"]
SPLIT = (8000, 2000, 0)  # n_train, n_test, split seed

CHILD = r"""
import importlib.util, json, resource, sys, time
spec = json.loads(sys.argv[1])
sys.path.insert(0, spec["root"])
from assignments.keras_mnist import trainer
from grader.checking import mnist as data
if spec["kind"] == "subset":
    d = data.read_idx_folder(spec["path"])
else:
    from pathlib import Path
    p = Path(spec["path"])  # the test set is split: of t10k-* files, or of an mnist.npz
    test_set = data.read_test_idx(p) if p.is_dir() else data.read_npz(p)
    d = data.split_test_set(test_set, *spec["split"])
t0 = time.perf_counter()
import tensorflow
import_s = time.perf_counter() - t0
m = importlib.util.spec_from_file_location("submission", spec["module"])
module = importlib.util.module_from_spec(m)
m.loader.exec_module(module)
t0 = time.perf_counter()
r = trainer.train(module, d.x_train, d.y_train, d.x_test,
                  epochs_cap=spec["epochs_cap"], time_budget_s=spec["budget"], seed=spec["seed"],
                  param_budget=spec["param_budget"], emit=lambda e: None, threads=spec["threads"])
r["run_seconds"] = time.perf_counter() - t0
predictions = r.pop("predictions")
r["accuracy"] = float((predictions == d.y_test).mean()) if predictions is not None else float("nan")
r["import_seconds"] = import_s
r["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
r["vmpeak_mb"] = int(status["VmPeak"].split()[0]) / 1024 if "VmPeak" in status else float("nan")
print("RESULT " + json.dumps(r))
"""


def run_one(module: Path, kind: str, path: str, seed: int, args) -> dict:
    spec = {"root": str(ROOT), "module": str(module), "kind": kind, "path": path, "seed": seed,
            "split": SPLIT, "epochs_cap": args.epochs_cap, "budget": args.budget,
            "param_budget": args.param_budget, "threads": args.threads}
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], env=env,
                          capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"run failed ({module.name}, {kind}, seed {seed}):\n{done.stderr[-2000:]}")


def time_submit(kind: str, path: str) -> None:
    """The whole `grade submit` of the reference, as an autograder runs it, on one data set."""
    import tempfile
    import time

    import numpy as np

    sys.path.insert(0, str(ROOT))
    from grader.checking import mnist as data

    with tempfile.TemporaryDirectory() as tmp:
        if kind == "split":
            p = Path(path)
            d = data.split_test_set(data.read_test_idx(p) if p.is_dir() else data.read_npz(p), *SPLIT)
            path = str(Path(tmp) / "mnist.npz")
            np.savez(path, x_train=d.x_train, y_train=d.y_train, x_test=d.x_test, y_test=d.y_test)
        submission = Path(tmp) / "keras_mnist.py"
        submission.write_text((ROOT / "reference" / "keras_mnist.py").read_text())
        grade = str(Path(sys.executable).parent / "grade")
        started = time.perf_counter()
        done = subprocess.run([grade, "submit", str(submission), "--data", path, "--json",
                               str(Path(tmp) / "results.json")], capture_output=True, text=True)
        seconds = time.perf_counter() - started
        score = json.loads((Path(tmp) / "results.json").read_text())
        accuracy = next(t["output"] for t in score["tests"] if "test accuracy" in t["name"])
        print(f"grade submit reference {kind:<6}: {seconds:.1f} s, exit {done.returncode}, "
              f"{score['score']}/{score['max_score']}: {accuracy}", flush=True)


def mean_std(values: list[float]) -> str:
    return f"{statistics.fmean(values):.4g} ± {statistics.pstdev(values):.2g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist", help="MNIST test set: a folder of t10k-*.gz, or an mnist.npz")
    parser.add_argument("--subset", default=str(ROOT / "tests" / "data" / "mnist_small"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--module", type=Path, action="append", help="default: reference and MLP")
    parser.add_argument("--budget", type=float, default=120.0, help="training time budget, s")
    parser.add_argument("--epochs-cap", type=int, default=50)
    parser.add_argument("--param-budget", type=int, default=10**7)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--submit", action="store_true", help="also time the whole `grade submit`")
    args = parser.parse_args()

    sets = [("subset", args.subset)] + ([("split", args.mnist)] if args.mnist else [])
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, seeds 0..{args.seeds - 1}")
    for module in args.module or DEFAULT_MODULES:
        for kind, path in sets:
            runs = [run_one(module, kind, path, seed, args) for seed in range(args.seeds)]
            for seed, r in enumerate(runs):
                print(f"  {module.stem:<14} {kind:<6} seed {seed}: accuracy {r['accuracy']:.4f}, "
                      f"{r['epochs_run']} epochs in {r['train_seconds']:.1f} s "
                      f"(whole run {r['run_seconds']:.1f} s), import tensorflow "
                      f"{r['import_seconds']:.1f} s, peak RSS {r['maxrss_mb']:.0f} MB, "
                      f"peak virtual {r['vmpeak_mb']:.0f} MB, "
                      f"{r['n_params']} params, problems {r['problems'] or 'none'}")
            print(f"{module.stem:<14} {kind:<6} accuracy "
                  f"{mean_std([100 * r['accuracy'] for r in runs])} %, "
                  f"train {mean_std([r['train_seconds'] for r in runs])} s, "
                  f"peak RSS {mean_std([r['maxrss_mb'] for r in runs])} MB", flush=True)
    if args.submit:
        for kind, path in sets:
            time_submit(kind, path)


if __name__ == "__main__":
    main()
