"""Mutation testing of assignment 06's checks: how many first-order mutants of the reference lose points.

    python benchmarks/mutation_convolution.py [--jobs N] [--limit N]

Each mutant changes one thing of reference/convolution.py, found with the ast
module: an arithmetic, comparison or augmented-assignment operator swapped, a
unary minus dropped, a number moved by one (or doubled and halved, for floats),
a boolean flipped, a keyword argument removed, or a statement of a function
body deleted. Each is graded as a student's submission, through the CLI, in a
fresh process: `grade submit FILE --assignment convolution`. Exit status 1
(some check failed) kills it; 0 (full marks) lets it survive.

Survivors that are equivalent under the contract are listed, with the reason,
in benchmarks/mutation_convolution_equivalent.toml. Prints the kill rate over
all mutants and over those not listed there, and every survivor; exits 1 when a
survivor is not listed (or a listed one no longer occurs), 0 otherwise.
"""

import argparse
import ast
import copy
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader.checking.spec import tomllib  # the standard library from 3.11, tomli before

HERE = Path(__file__).parent
REFERENCE = HERE.parent / "reference" / "convolution.py"
EQUIVALENT = HERE / "mutation_convolution_equivalent.toml"
SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
         ast.MatMult: ast.Mult, ast.Pow: ast.Mult, ast.Mod: ast.FloorDiv,
         ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
         ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


def _numbers(value):
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1]
    if isinstance(value, float):
        return [value * 2, value / 2] if value else [1.0, -1.0]
    return []


def _sites(tree):
    """``(index of a node in ast.walk order, change)`` for every mutation of ``tree``."""
    for index, node in enumerate(ast.walk(tree)):
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in SWAPS:
            yield index, ("op", SWAPS[type(node.op)])
        elif isinstance(node, ast.Compare):
            for position, op in enumerate(node.ops):
                if type(op) in SWAPS:
                    yield index, ("compare", position, SWAPS[type(op)])
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield index, ("unary",)
        elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
            for value in _numbers(node.value):
                yield index, ("constant", value)
        elif isinstance(node, ast.Call):
            for position in range(len(node.keywords)):
                yield index, ("keyword", position)
        if isinstance(node, (ast.FunctionDef, ast.For, ast.If)):
            docstring = isinstance(node, ast.FunctionDef) and ast.get_docstring(node, clean=False) is not None
            first = 1 if docstring else 0
            for position in range(first, len(node.body)):
                yield index, ("delete", position)


def _statement(tree, index):
    """The innermost statement holding node ``index`` of ``tree`` (ast.walk order), and its line."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    node = list(ast.walk(tree))[index]
    while not isinstance(node, ast.stmt):
        node = parents[node]
    return node


def _first_line(node):
    return ast.unparse(node).splitlines()[0]


def _apply(tree, index, change):
    """A copy of ``tree`` with ``change`` made at node ``index``: ``(tree, before, after, line)``,
    before and after being the first line of the statement that holds the change."""
    mutated = copy.deepcopy(tree)
    node = list(ast.walk(mutated))[index]
    kind = change[0]
    if kind == "delete":
        statement = node.body[change[1]]
        node.body[change[1]] = ast.copy_location(ast.Pass(), statement)
        return mutated, _first_line(statement), "pass", statement.lineno
    if kind == "op":
        node.op = change[1]()
    elif kind == "compare":
        node.ops[change[1]] = change[2]()
    elif kind == "unary":
        node.op = ast.UAdd()
    elif kind == "constant":
        node.value = change[1]
    elif kind == "keyword":
        del node.keywords[change[1]]
    before = _statement(tree, index)
    return mutated, _first_line(before), _first_line(_statement(mutated, index)), before.lineno


def _owner(tree):
    """``{line: "Class.method"}``: the function each line of the reference belongs to."""
    owners = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if isinstance(child, ast.FunctionDef):
                    owners.update({line: name for line in range(child.lineno, child.end_lineno + 1)})
                visit(child, f"{name}.")
    visit(tree, "")
    return owners


def mutants(source):
    """``[(name, source)]``: each first-order mutant once, named by where and what it changes."""
    tree = ast.parse(source)
    owners, original = _owner(tree), ast.unparse(tree)
    found, seen, names = [], {original}, {}
    for index, change in _sites(tree):
        mutated, before, after, line = _apply(tree, index, change)
        try:
            text = ast.unparse(ast.fix_missing_locations(mutated))
            compile(text, "mutant", "exec")
        except (SyntaxError, ValueError, TypeError):
            continue
        if text in seen:
            continue
        seen.add(text)
        name = f"{owners.get(line, 'module')}: `{before}` -> `{after}`"
        names[name] = names.get(name, 0) + 1
        found.append((name if names[name] == 1 else f"{name} (#{names[name]})", text))
    return found


def grade(text, timeout):
    """The exit status of `grade submit` on ``text`` as a convolution.py (None if it ran out of time)."""
    folder = Path(tempfile.mkdtemp(prefix="mutant-"))
    try:
        path = folder / "convolution.py"
        path.write_text(text, encoding="utf-8")
        command = shutil.which("grade") or str(Path(sys.executable).parent / "grade")
        try:
            done = subprocess.run([command, "submit", str(path), "--assignment", "convolution"],
                                  capture_output=True, text=True, timeout=timeout, cwd=folder)
        except subprocess.TimeoutExpired:
            return None
        return done.returncode
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants graded at once (default 2)")
    parser.add_argument("--limit", type=int, help="grade only the first N mutants")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per mutant (default 900)")
    args = parser.parse_args()
    found = mutants(REFERENCE.read_text(encoding="utf-8"))[:args.limit]
    with open(EQUIVALENT, "rb") as handle:
        reviewed = {row["mutant"]: row["why"] for row in tomllib.load(handle).get("equivalent", [])}
    started = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        statuses = list(pool.map(lambda item: grade(item[1], args.timeout), found))
    survived = [name for (name, _), status in zip(found, statuses) if status == 0]
    errors = [(name, status) for (name, _), status in zip(found, statuses) if status not in (0, 1)]
    killed = len(found) - len(survived) - len(errors)
    listed = [name for name in survived if name in reviewed]
    unexplained = [name for name in survived if name not in reviewed]
    print(f"{len(found)} mutants of {REFERENCE.name}, graded in {time.perf_counter() - started:.0f} s "
          f"with {args.jobs} jobs: {killed} killed, {len(survived)} survived, {len(errors)} not graded")
    print(f"kill rate: {killed / len(found):.1%} of all mutants; "
          f"{killed / max(len(found) - len(listed), 1):.1%} of those not reviewed as equivalent "
          f"({len(listed)} equivalent)")
    for name in listed:
        print(f"  equivalent: {name}  ({reviewed[name]})")
    for name in unexplained:
        print(f"  SURVIVED:   {name}")
    for name, status in errors:
        print(f"  NOT GRADED: {name} (exit status {status})")
    stale = sorted(set(reviewed) - {name for name, _ in found}) if args.limit is None else []
    for name in stale:
        print(f"  listed as equivalent, but no longer a mutant: {name}")
    sys.exit(1 if unexplained or errors or stale else 0)


if __name__ == "__main__":
    main()
