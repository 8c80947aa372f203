"""Benchmark and calibrate `grade similar`.

    python benchmarks/similar.py [--students 200] [--assignment neural_network] [--repeat 3]

1. Calibration, for each NumPy assignment: the highest score of a pair of
   independently written correct submissions (the test variants that are
   not edited copies of another, and the reference), the lowest score of a
   pair of disguised copies of one correct submission (each disguise of
   tests/disguise.py alone, and all at once), the lowest score of a copy
   with one function changed (each buggy variant against the reference, from
   which they were made), and copies with a third and with half of their
   functions taken from another student. The gap is the lowest copy's score
   less the highest independent pair's; `THRESHOLD` must lie in it.
2. Speed: a class of ``--students`` submissions of one assignment (the
   correct and buggy variants, cycled, each renamed, recommented, reformatted
   and reordered with its own seed, every third one as a notebook), compared
   by the `grade similar` command line end to end (the interpreter's start
   included) with --json and --out; the best of ``--repeat`` wall times.
"""

import argparse
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import disguise  # noqa: E402  (tests/disguise.py)
from similar_cases import ASSIGNMENTS, ORIGINAL, code, independent, reference, write  # noqa: E402

from grader.classroom.fingerprints import fingerprint_text, stub_fingerprint  # noqa: E402
from grader.verbs.similar import THRESHOLD  # noqa: E402


def dice(a, b):
    return 2 * len(a.hashes & b.hashes) / (len(a.hashes) + len(b.hashes))


def calibrate(scratch):
    print(f"{'assignment':<20} {'independent max':>15} {'disguised min':>13} {'one changed min':>15} "
          f"{'a third':>8} {'half':>6} {'gap':>6}")
    lowest_copy, highest_independent = 1.0, 0.0
    for name in ASSIGNMENTS:
        stub = stub_fingerprint((ROOT / "assignments" / name / "stub.py").read_text())
        others = {p.stem: fingerprint_text(code(p), stub) for p in independent(name)}
        best_independent = max(dice(a, b) for a, b in itertools.combinations(others.values(), 2))
        original = ORIGINAL[name].read_text()
        copies = [original] + [code(write(scratch, f"{name}_{d}", f(original, stub.api, seed=7), name,
                                          notebook=d in disguise.NOTEBOOKS))
                               for d, f in disguise.DISGUISES.items()]
        prints = [fingerprint_text(c, stub) for c in copies]
        disguised = min(dice(a, b) for a, b in itertools.combinations(prints, 2))
        reference_print = fingerprint_text(reference(name).read_text(), stub)
        buggy = sorted((ROOT / "tests" / "submissions" / name / "buggy").glob("*.py"))
        changed = min(dice(fingerprint_text(p.read_text(), stub), reference_print) for p in buggy)
        donor = next(p for p in independent(name) if p.suffix == ".py" and p != ORIGINAL[name])
        shares = [_partial(original, donor.read_text(), stub, share) for share in (1 / 3, 1 / 2)]
        gap = min(disguised, changed) - best_independent
        lowest_copy, highest_independent = min(lowest_copy, disguised, changed), max(highest_independent,
                                                                                      best_independent)
        print(f"{name:<20} {best_independent:>15.3f} {disguised:>13.3f} {changed:>15.3f} "
              f"{shares[0]:>8.3f} {shares[1]:>6.3f} {gap:>6.3f}")
    print(f"overall: independent pairs at most {highest_independent:.3f}, copies (disguised, or one function "
          f"changed) at least {lowest_copy:.3f}: gap {lowest_copy - highest_independent:.3f}; "
          f"THRESHOLD = {THRESHOLD:.2f}")


def _partial(original, donor, stub, share):
    """The score of ``original`` against itself with ``share`` of its functions taken from ``donor``."""
    import ast
    ours = [n.name for n in ast.parse(original).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    theirs = {n.name for n in ast.parse(donor).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    shared = [n for n in ours if n in theirs]
    taken = shared[:max(1, round(share * len(shared)))]
    mixed = disguise.partial(original, donor, taken)
    return dice(fingerprint_text(original, stub), fingerprint_text(mixed, stub))


def make_class(folder, assignment, students):
    stub = stub_fingerprint((ROOT / "assignments" / assignment / "stub.py").read_text())
    bases = [p for kind in ("correct", "buggy")
             for p in sorted((ROOT / "tests" / "submissions" / assignment / kind).glob("*.py"))]
    for i in range(students):
        text = bases[i % len(bases)].read_text()
        text = disguise.reorder(disguise.reformat(disguise.recomment(disguise.rename(text, stub.api, i), i)), i)
        suffix = ".py"
        if i % 3 == 2:
            text, suffix = disguise.notebook(text, i), ".ipynb"
        target = folder / f"student{i:03d}" / f"{assignment}{suffix}"
        target.parent.mkdir(parents=True)
        target.write_text(text)


def speed(assignment, students, repeat):
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "class"
        make_class(folder, assignment, students)
        command = [sys.executable, "-c", "from grader.cli import main; main()", "similar", str(folder),
                   "--assignment", assignment, "--json", f"{scratch}/pairs.json", "--out", f"{scratch}/report.html"]
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            times.append(time.perf_counter() - started)
            if result.returncode not in (0, 1):
                sys.exit(f"grade similar failed:\n{result.stdout}\n{result.stderr}")
        pairs = students * (students - 1) // 2
        print(f"{students} {assignment} submissions, {pairs} pairs: best {min(times):.2f} s, "
              f"median {statistics.median(times):.2f} s of {repeat} (grade similar end to end, "
              f"with --json and --out)")
        print(result.stdout.splitlines()[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--assignment", default="neural_network")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-calibration", action="store_true")
    args = parser.parse_args()
    if not args.skip_calibration:
        with tempfile.TemporaryDirectory() as scratch:
            calibrate(scratch)
    speed(args.assignment, args.students, args.repeat)


if __name__ == "__main__":
    main()
