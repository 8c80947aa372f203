"""Assignment 04 (neural_network): the cost of the whole-network gradient check, and of `grade submit`.

    python benchmarks/neural_network.py [--runs N]

1. The check `network_gradient` differentiates a Sequential of the reference's
   layers along random directions, two per parameter block: its cost in forward
   passes does not depend on the number of parameters. It is run, as in grading,
   from the grader's process, one call to the child per forward pass (and per change of a
   parameter block), beside a full per-entry central-difference
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
from grader.checking.layer_checks import drive_network, network_derivatives
from grader.sandbox.parent import Sandbox
from grader.checking.submission import load_source

from submit_time import print_command_seconds

def gradient_checks(reference, spec):
    print("Whole-network gradient check (Dense-BatchNorm-ReLU-Dense-ELU-Dense-Sigmoid-Dense, m = 7), "
          "driven from the grader's process, each forward a call to the child, reference layers:")
    print(f"  {'widths':>14} {'params':>7} | {'directional: forwards':>21} {'time':>8} | "
          f"{'central differences: forwards':>29} {'time':>8} | {'ratio: forwards':>15} {'time':>6}")
    with Sandbox(load_source(reference), spec.limits, blocked=()) as sandbox:
        for widths in (cases.NETWORK_WIDTHS, (41, 35, 27)):
            rng = np.random.default_rng(0)
            case = cases.network_case(rng, widths)
            directions = cases.directions(rng, case, spec["directions"])
            layers, model, _ = drive_network(sandbox.student, case)

            def timed(eps, along):
                started = time.perf_counter()
                _, forwards = network_derivatives(layers, model, case, eps, along)
                return forwards, time.perf_counter() - started

            fast, fast_s = timed(spec["directional_eps"], directions)
            full, full_s = timed(spec["gradient_eps"], None)
            print(f"  {str(widths):>14} {cases.n_parameters(case):>7} | {fast:>21} "
                  f"{fast_s * 1e3:>6.1f} ms | {full:>29} {full_s * 1e3:>6.1f} ms | "
                  f"{full / fast:>14.1f}x {full_s / fast_s:>5.1f}x")


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
