"""Assignment 04 (neural_network): the cost of the whole-network gradient check, and of `grade submit`.

    python benchmarks/neural_network.py [--runs N]

1. The check `network_gradient` differentiates a Sequential of the reference's
   layers along random directions, two per parameter block: its cost in forward
   passes does not depend on the number of parameters. It is run, as in grading,
   inside the sandbox's child process, beside a full per-entry central-difference
   check of the same network (two forward passes per parameter and input entry),
   for the network the check uses and for one with about ten times the parameters.
2. The whole `grade submit` on the reference, in a fresh `grade` process as an
   autograder container runs it: the median of N runs.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from assignments.neural_network import cases
from grader.checking.catalog import get_assignment
from grader.sandbox.parent import Sandbox
from grader.checking.submission import load_source

from submit_time import print_command_seconds

PROBES = "assignments.neural_network.probes"


def gradient_checks(reference, spec):
    print("Whole-network gradient check (Dense-BatchNorm-ReLU-Dense-ELU-Dense-Sigmoid-Dense, m = 7), "
          "in the sandbox's child, reference layers:")
    print(f"  {'widths':>14} {'params':>7} | {'directional: forwards':>21} {'time':>8} | "
          f"{'central differences: forwards':>29} {'time':>8} | {'ratio: forwards':>15} {'time':>6}")
    with Sandbox(load_source(reference), spec.limits, blocked=()) as sandbox:
        for widths in (cases.NETWORK_WIDTHS, (41, 35, 27)):
            rng = np.random.default_rng(0)
            case = cases.network_case(rng, widths)
            directions = cases.directions(rng, case, spec["directions"])
            sandbox.student.helper(f"{PROBES}:network_directional", case, directions, spec["directional_eps"])
            started = time.perf_counter()
            fast = sandbox.student.helper(f"{PROBES}:network_directional", case, directions,
                                          spec["directional_eps"])
            fast_s = time.perf_counter() - started
            started = time.perf_counter()
            full = sandbox.student.helper(f"{PROBES}:network_central", case, spec["gradient_eps"])
            full_s = time.perf_counter() - started
            print(f"  {str(widths):>14} {cases.n_parameters(case):>7} | {fast['forwards']:>21} "
                  f"{fast_s * 1e3:>6.1f} ms | {full['forwards']:>29} {full_s * 1e3:>6.1f} ms | "
                  f"{full['forwards'] / fast['forwards']:>14.1f}x {full_s / fast_s:>5.1f}x")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="runs of grade submit (default 5)")
    args = parser.parse_args()
    assignment = get_assignment("neural_network")
    reference = Path(assignment.reference().__file__)
    gradient_checks(reference, assignment.spec)
    print_command_seconds(reference, args.runs, " (target: under 10 s)")


if __name__ == "__main__":
    main()
