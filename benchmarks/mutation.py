"""Mutation testing of the references: first-order mutants, graded through the command line.

    python benchmarks/mutation.py [NAME ...] [--workers N] [--only TEXT] [--list]

A mutant of ``reference/NAME.py`` changes one thing: a binary, augmented,
unary, comparison or boolean operator; a number or a boolean (default
arguments included); a keyword argument left out of a call; or a statement
replaced by ``pass``. Docstrings and imports are left alone. Each mutant is
written as ``NAME.py`` and graded by ``grade submit FILE --assignment NAME
--json results.json`` (the command line, in this process's worker pool; sandbox
children are forked from a zygote as in ``grade batch``). A mutant is killed
when it loses a point.

Some mutants cannot lose a point because the contract does not tell them from
the reference (a branch at exactly 0 that gives the same value either way).
Those are listed, each with its reason, in ``mutation_equivalent.toml`` beside
this file, and reviewed there; the kill rate is over the others. Prints, per
assignment, the number of mutants, killed, equivalent, every other survivor
(its id: the line, the text replaced and the replacement), the kill rate and
the time taken. ``--only TEXT`` grades the mutants whose id contains TEXT;
``--list`` prints the ids without grading.
"""

import argparse
import ast
import copy
import json
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

from grader.checking.spec import tomllib  # the standard library from 3.11, tomli before

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = Path(__file__).with_name("mutation_equivalent.toml")

BINARY = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult,
          ast.FloorDiv: ast.Div, ast.MatMult: ast.Mult, ast.Mod: ast.FloorDiv}
COMPARE = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
           ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
BOOLEAN = {ast.And: ast.Or, ast.Or: ast.And}


def _number(value):
    """The mutated number: an int plus one, a float doubled (0.0 becomes 1.0)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return value * 2 if value else 1.0


def _changes(node):
    """Each first-order change of ``node`` (an expression, or an augmented assignment's operator)."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINARY:
        new = copy.deepcopy(node)
        new.op = BINARY[type(node.op)]()
        yield new
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        yield copy.deepcopy(node.operand)
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in COMPARE:
                new = copy.deepcopy(node)
                new.ops[i] = COMPARE[type(op)]()
                yield new
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = BOOLEAN[type(node.op)]()
        yield new
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        yield ast.Constant(_number(node.value))
    elif isinstance(node, ast.Call):
        for i in range(len(node.keywords)):
            new = copy.deepcopy(node)
            del new.keywords[i]
            yield new


def _is_docstring(node):
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _statements(function):
    """Every statement of ``function``'s body, nested ones included, docstrings aside."""
    todo = list(function.body)
    while todo:
        statement = todo.pop(0)
        if not _is_docstring(statement):
            yield statement
        for field in ("body", "orelse", "finalbody", "handlers"):
            todo.extend(getattr(statement, field, []))


def mutants(text):
    """``[(id, mutated text)]`` for every first-order mutant of the module ``text``; the id says
    where and what: ``46:37 'start + batch_size' -> '(start - batch_size)'`` (line:column)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def position(line, col):  # ast columns count UTF-8 bytes
        return starts[line - 1] + len(lines[line - 1].encode()[:col].decode())

    found, seen = [], {text}

    def add(node, replacement):
        start, end = position(node.lineno, node.col_offset), position(node.end_lineno, node.end_col_offset)
        mutated = text[:start] + replacement + text[end:]
        if mutated in seen:
            return
        seen.add(mutated)
        original = " ".join(text[start:end].split())
        original = original if len(original) <= 60 else original[:57] + "..."
        found.append((f"{node.lineno}:{node.col_offset} {original!r} -> {' '.join(replacement.split())!r}", mutated))

    for function in (n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.FunctionDef)):
        for default in function.args.defaults + [d for d in function.args.kw_defaults if d is not None]:
            for new in _changes(default):
                add(default, ast.unparse(new))
        for statement in _statements(function):
            if not isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
                add(statement, "pass")
            if isinstance(statement, ast.AugAssign):
                for new in _changes(statement):
                    add(statement, ast.unparse(new))
            for field, value in ast.iter_fields(statement):
                if field in ("body", "orelse", "finalbody", "handlers", "decorator_list"):
                    continue
                for child in value if isinstance(value, list) else [value]:
                    if isinstance(child, ast.AST):
                        for node in ast.walk(child):
                            if isinstance(node, ast.expr):
                                for new in _changes(node):
                                    add(node, f"({ast.unparse(new)})")
    return found


def load_equivalent():
    """``{(assignment, mutant id): reason}`` from the reviewed file."""
    if not EQUIVALENT.is_file():
        return {}
    with open(EQUIVALENT, "rb") as handle:
        rows = tomllib.load(handle).get("equivalent", [])
    return {(row["assignment"], row["mutant"]): row["reason"] for row in rows}


def _start_worker():
    os.environ.pop("GRADE_SECRET", None)  # the practice secret: the same figures on every machine
    from grader.sandbox import zygote
    zygote.install()


def grade(job):
    """``(mutant id, killed, score, max score, seconds)``: the mutant graded by `grade submit`."""
    from click.testing import CliRunner

    from grader.cli import main

    name, mutant_id, text = job
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / f"{name}.py", Path(folder) / "results.json"
        path.write_text(text)
        result = CliRunner().invoke(main, ["submit", str(path), "--assignment", name, "--json", str(out)])
        if result.exit_code not in (0, 1) or not out.exists():
            return mutant_id, None, None, None, time.perf_counter() - started
        data = json.loads(out.read_text())
    return mutant_id, data["score"] < data["max_score"], data["score"], data["max_score"], \
        time.perf_counter() - started


def run(name, workers, only, pool):
    text = (ROOT / "reference" / f"{name}.py").read_text()
    found = [(i, t) for i, t in mutants(text) if only is None or only in i]
    equivalent = load_equivalent()
    started = time.perf_counter()
    results = pool.map(grade, [(name, i, t) for i, t in found], chunksize=1)
    seconds = time.perf_counter() - started
    killed = [r for r in results if r[1]]
    errors = [r for r in results if r[1] is None]
    kept = [r for r in results if r[1] is False]
    known = [r for r in kept if (name, r[0]) in equivalent]
    survivors = [r for r in kept if (name, r[0]) not in equivalent]
    judged = len(results) - len(known)
    rate = len(killed) / judged if judged else 1.0
    print(f"{name}: {len(results)} mutants, {len(killed)} killed, {len(known)} equivalent (listed), "
          f"{len(survivors)} survivors, {len(errors)} not graded: {rate:.1%} of {judged} killed; "
          f"{seconds:.0f} s ({workers} workers)", flush=True)
    for mutant_id, *_ in sorted(survivors, key=lambda r: int(r[0].split(":")[0])):
        print(f"  survives: {mutant_id}")
    for mutant_id, *_ in errors:
        print(f"  not graded: {mutant_id}")
    unused = sorted(i for (a, i) in equivalent if a == name and i not in {r[0] for r in known} and only is None)
    for mutant_id in unused:
        print(f"  listed as equivalent but killed or gone: {mutant_id}")
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["gradient_descent", "linear_regression", "logistic_regression",
                                                     "softmax_regression", "neural_network"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", metavar="TEXT", help="grade only the mutants whose id contains TEXT")
    parser.add_argument("--list", action="store_true", help="print the mutants' ids without grading")
    args = parser.parse_args()
    if args.list:
        for name in args.names:
            for mutant_id, _ in mutants((ROOT / "reference" / f"{name}.py").read_text()):
                print(f"{name} {mutant_id}")
        return
    with multiprocessing.get_context("spawn").Pool(args.workers, initializer=_start_worker) as pool:
        for name in args.names:
            run(name, args.workers, args.only, pool)


if __name__ == "__main__":
    main()
