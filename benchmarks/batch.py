"""Benchmark `grade batch`: throughput, speed-up from 1 to 2 workers, gradebook overhead.

    python benchmarks/batch.py [--students 40] [--small 20] [--workers 1 2]
                               [--start-methods fork plain] [--repeat N]

Builds two classes of ``--students`` linear-regression submissions in a
scratch folder, each the correct and buggy test variants, cycled, and hostile
ones, in a shuffled order:

- "mixed": five hostile submissions that end quickly (os._exit at import and
  inside a function, a huge allocation at import and inside a function, a
  process spawned at import and left running);
- "endless": the same, and one more that loops forever at import instead of
  a correct one. It costs its 10 s import budget on one worker whatever the
  others do, so it bounds the speed-up (Amdahl): 2 workers cannot finish
  before it does.

Then, each in a fresh Python process with a fresh gradebook:

1. each class with each ``--workers`` count (spawned workers): wall time,
   submissions per second, speed-up over the first count, and the time spent
   committing each submission's results to the gradebook;
2. the mixed class with each of ``--start-methods`` at the last worker count:
   ``fork`` (workers are forks of the batch's process instead of fresh
   interpreters) and ``plain`` (no zygote: each sandbox child is a fresh
   interpreter that imports numpy, as `grade submit` does);
3. ``--small`` correct and buggy submissions (no hostile ones), every check of
   the assignment, through the `grade batch` command line end to end (the
   interpreter's start included), at the last worker count: the figure to
   compare with nbgrader's `autograde`, 16.9 s for 20 small notebooks here.

With ``--repeat N`` each measurement is taken N times, the configurations
taking turns, and the best (and the median) is printed: the figures are wall
times, and whatever else runs on the machine only ever adds to them.
"""

import argparse
import json
import os
import random
import statistics
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = ROOT / "tests" / "submissions" / "linear_regression"
ASSIGNMENT = "linear_regression"
sys.path.insert(0, str(ROOT / "tests"))
from bugs import bug_text, load_bugs  # noqa: E402  the buggy variants: rows applied to the reference
NBGRADER_20 = 16.9

ENDLESS = {"loop_at_import": "while True:\n    pass\n"}
HOSTILE = {
    "exit_at_import": "import os\nos._exit(3)\n",
    "huge_allocation_at_import": "blob = bytearray(64 * 1024 ** 3)\n",
    "exit_in_predict": "{correct}\n\ndef predict(X_b, theta):\n    import os\n    os._exit(1)\n",
    "huge_allocation_in_mse_loss": ("{correct}\n\ndef mse_loss(X_b, y, theta):\n    import numpy as np\n"
                                    "    return float(np.ones((10 ** 6, 10 ** 6)).sum())\n"),
    "spawns_a_sleeper": ("{correct}\n\nimport subprocess, sys\n"
                         "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"),
}

RUN = r"""
import json, sys, time
from grader.verbs.batch import batch
args = json.loads(sys.argv[1])
started = time.perf_counter()
summary = batch(progress=False, **args)
print(json.dumps({"seconds": time.perf_counter() - started, "graded": summary.graded,
                  "failed": len(summary.failed), "record_seconds": summary.record_seconds,
                  "scores": {g.student: g.score for g in summary.current}}))
"""


def build_class(folder, students, hostile=(), seed=0):
    correct = sorted((VARIANTS / "correct").glob("*.py"))
    plain = [p.read_text() for p in correct] + [bug_text(ASSIGNMENT, b["name"]) for b in load_bugs(ASSIGNMENT)]
    base = correct[0].read_text()
    sources = [text.replace("{correct}", base) for text in hostile]
    i = 0
    while len(sources) < students:
        sources.append(plain[i % len(plain)])
        i += 1
    random.Random(seed).shuffle(sources)  # hostile ones anywhere in the class, as in a real one
    for number, source in enumerate(sources):
        student = folder / f"s{number:03d}"
        student.mkdir(parents=True)
        (student / f"{ASSIGNMENT}.py").write_text(source)
    return folder


def run_verb(directory, gradebook, workers, start_method):
    """``start_method`` "plain": spawned workers, without the zygote (GRADE_ZYGOTE=0)."""
    plain = start_method == "plain"
    args = {"directory": str(directory), "gradebook": str(gradebook), "workers": workers,
            "start_method": "spawn" if plain else start_method}
    env = {**os.environ, "GRADE_ZYGOTE": "0"} if plain else None
    out = subprocess.run([sys.executable, "-c", RUN, json.dumps(args)], capture_output=True, text=True,
                         check=True, cwd=ROOT, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_cli(directory, gradebook, workers):
    command = [sys.executable, "-c", "from grader.cli import main; main()", "batch", str(directory),
               "--workers", str(workers), "--gradebook", str(gradebook), "--quiet"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stdout + done.stderr)
    return seconds, done.stdout.splitlines()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--start-methods", nargs="*", default=["fork", "plain"],
                        help="compared with spawned workers and zygote at the last worker count: fork "
                             "(workers are forks of the batch), plain (no zygote: each sandbox child "
                             "is a fresh interpreter)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="take each measurement N times; print the best and the median")
    options = parser.parse_args()
    print(f"{os.cpu_count()} cores; classes of {options.students} {ASSIGNMENT} submissions: mixed "
          f"({len(HOSTILE)} hostile: {', '.join(HOSTILE)}), endless (also {', '.join(ENDLESS)})")
    scratch = Path(tempfile.mkdtemp(prefix="grade-bench-"))
    try:
        classes = {"mixed": build_class(scratch / "mixed", options.students, HOSTILE.values()),
                   "endless": build_class(scratch / "endless", options.students,
                                          [*HOSTILE.values(), *ENDLESS.values()])}
        small = build_class(scratch / "small", options.small)
        configs = [(name, "spawn", w) for name in classes for w in options.workers]
        configs += [("mixed", method, options.workers[-1]) for method in options.start_methods]
        measured = {config: [] for config in configs}
        cli_runs, line = [], ""
        for round_ in range(options.repeat):
            for config in configs:
                name, method, workers = config
                gradebook = scratch / f"{name}-{method}-{workers}-{round_}.sqlite"
                measured[config].append(run_verb(classes[name], gradebook, workers, method))
            seconds, line = run_cli(small, scratch / f"small-{round_}.sqlite", options.workers[-1])
            cli_runs.append(seconds)

        for config in configs:
            name, method, workers = config
            results = measured[config]
            seconds = min(r["seconds"] for r in results)
            middle = statistics.median(r["seconds"] for r in results)
            base = min(r["seconds"] for r in measured[name, "spawn", options.workers[0]])
            per_submission = statistics.median(
                r["record_seconds"] / max(r["graded"] + r["failed"], 1) for r in results)
            reference = measured[name, "spawn", options.workers[0]][0]["scores"]
            same = all(r["scores"] == reference for r in results)
            label = {"spawn": "spawn, zygote", "fork": "fork, zygote",
                     "plain": "spawn, no zygote"}.get(method, method)
            print(f"{name:>7}, --workers {workers} ({label}): {seconds:6.2f} s (median {middle:.2f}), "
                  f"{options.students / seconds:5.2f} submissions/s, speed-up {base / seconds:.2f}x; "
                  f"graded {results[0]['graded']}, failed to grade {results[0]['failed']}; gradebook "
                  f"{1000 * per_submission:.2f} ms per submission"
                  f"{'' if same else '; WARNING: the grades differ from the first run'}")
        seconds, middle = min(cli_runs), statistics.median(cli_runs)
        limit = NBGRADER_20 / 4 * options.small / 20
        print(f"{options.small} submissions, every check, `grade batch --workers {options.workers[-1]}` "
              f"end to end: {seconds:.2f} s (median {middle:.2f}; {seconds / options.small:.3f} s each), "
              f"{'under' if seconds < limit else 'NOT under'} a quarter of nbgrader's {NBGRADER_20} s "
              f"for 20 ({limit:.2f} s)")
        print(f"  {line}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
