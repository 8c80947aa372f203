"""Grading chosen checks of one submission for many students, and which checks a change can reach.

``grade_checks`` runs checks through the engine's ``run_check`` in one sandbox,
as official grading does: each check once per student (once in all where a
check draws per course, or runs on the public fixtures), requirements applied.
``reached_checks`` says which checks can see a change of the reference: those whose tags (the student functions a check calls) reach,
through the names the reference's definitions use, a definition the change
touches. The others see the reference itself, which scores full marks for
every student, so a bug's total over students is fixed by the checks it reaches.
"""

import ast
import functools

from grader.checking.checks import Context
from grader.checking.grading import apply_requirements, check_mode, run_check, seed_parts
from grader.sandbox.parent import Sandbox
from grader.checking.seeds import DEFAULT_STUDENT

STUDENTS = tuple(f"student{i:02d}" for i in range(20))


def grade_checks(source, assignment, *, ids=None, students=(DEFAULT_STUDENT,), official=True):
    """``{check id: [CheckResult, ...]}`` for the checks whose ``Check.id`` is in ``ids`` (every
    check where None): one result for a check on the public fixtures or one drawn per course, one
    per student for the others. ``official``: public checks draw their inputs, as ``grade submit``'s do."""
    reference, fixtures, spec = assignment.reference(), assignment.fixtures(), assignment.spec
    results = {}
    with Sandbox(source, spec.limits) as sandbox:
        for check in assignment.checks:
            if ids is not None and check.id not in ids:
                continue
            mode = check_mode(check, official)
            for student in students if mode == "hidden" and check.per_student else students[:1]:
                context = Context(check, student=sandbox.student, spec=spec, mode=mode, fixtures=fixtures,
                                  reference=reference, seed_parts=seed_parts(check, assignment.name, student, official))
                results.setdefault(check.id, []).append(run_check(check, context, sandbox, source.problem))
    return _with_requirements(assignment, results, len(students))


def _with_requirements(assignment, results, count):
    """``results`` with the engine's ``apply_requirements``, student by student (a check run once
    stands for every student)."""
    checks = [c for c in assignment.checks if c.id in results]
    for i in range(count):
        row = [results[c.id][min(i, len(results[c.id]) - 1)] for c in checks]
        for check, result in zip(checks, apply_requirements(checks, row)):
            if i < len(results[check.id]):
                results[check.id][i] = result
    return results


@functools.lru_cache
def _definitions(text):
    return {node.name: node for node in ast.parse(text).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


@functools.lru_cache
def _uses(text):
    definitions = _definitions(text)
    return {name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & definitions.keys()
            for name, node in definitions.items()}


def reach(text, names):
    """The top-level definitions of the module ``text`` that ``names`` reach: themselves, and what
    their bodies name, transitively (a layer's ``Dense`` reaches ``he_init``)."""
    definitions, uses = _definitions(text), _uses(text)
    found, todo = set(), [n for n in names if n in definitions]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(uses[name])
    return found


def touched(text, start, end):
    """The top-level definitions that the characters ``text[start:end]`` lie in; None where the
    span touches code outside any definition (which every check may see), blank lines and
    comments between definitions aside."""
    first, last = text.count("\n", 0, start) + 1, text.count("\n", 0, end) + 1
    hit, covered = set(), set()
    for name, node in _definitions(text).items():
        lines = range(min([node.lineno] + [d.lineno for d in node.decorator_list]), node.end_lineno + 1)
        covered.update(lines)
        if first <= lines[-1] and lines[0] <= last:
            hit.add(name)
    source = text.splitlines()
    outside = [n for n in range(first, last + 1) if n not in covered and source[n - 1].strip()
               and not source[n - 1].lstrip().startswith("#")]
    return None if outside else hit


def reached_checks(assignment, text, start, end):
    """The ids (``Check.id``) of ``assignment``'s checks that can see a change of ``text[start:end]``."""
    changed = touched(text, start, end)
    return {check.id for check in assignment.checks
            if changed is None or reach(text, check.tags) & changed}


def ids_of(assignment, entries):
    """Check ids from names (``fit``: its public and hidden variants) and ids (``fit.hidden``)."""
    return {check.id for check in assignment.checks for entry in entries if entry in (check.name, check.id)}


def without(text, keep):
    """``text`` with every top-level definition not in ``keep`` deleted."""
    lines = text.splitlines(keepends=True)
    for name, node in sorted(_definitions(text).items(), key=lambda item: -item[1].lineno):
        if name not in keep:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            del lines[start - 1:node.end_lineno]
    return "".join(lines)
