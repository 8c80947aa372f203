"""`grade lint NAME`: what disagrees among an assignment's spec, checks, fixtures, stub and reference.

Compared without running anything: the checks declared and the spec's
``[checks]`` tables (each with points, no stray keys), the course numbers, the
``[values]`` the checks read and those the spec sets, the checks' tags and the
stub's names, the stub's and the reference's functions, classes, methods and
signatures, the fixture keys and the public checks. Then, unless ``run`` is
false and where the reference is installed, graded: the public checks recorded
afresh on the reference must reproduce the stored fixtures, the reference must
pass every check, public and hidden, and the stub must score 0, each check
saying "not implemented yet".
"""

import ast
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.checking import catalog
from grader.checking.fixtures import record
from grader.checking.grading import grade_file

CHECK_KEYS = {"public", "hidden", "budget", "requires"}


@dataclass(frozen=True)
class Finding:
    where: str
    message: str

    def __str__(self):
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class LintReport:
    name: str
    findings: tuple
    notes: tuple = field(default=())  # what was not compared, and why; never a failure

    @property
    def passed(self):
        return not self.findings

    def render(self):
        lines = [f"  - {finding}" for finding in self.findings] + [f"  note: {note}" for note in self.notes]
        verdict = (f"{self.name}: {len(self.findings)} disagreement{'s' if len(self.findings) != 1 else ''}"
                   if self.findings else f"{self.name}: spec, checks, fixtures, stub and reference agree")
        return "\n".join([verdict, *lines])


def lint(*, name, run=True):
    """Compare assignment ``name``'s parts; with ``run``, grade its reference and stub too."""
    if not (catalog.ROOT / name / "spec.toml").is_file():
        catalog.get_assignment(name)  # says it is unknown, and lists the known ones
    assignment = catalog.Assignment(name)  # not looked up by number: its spec may be what is wrong
    findings, notes = [], []
    try:
        spec, check_set = assignment.spec, assignment.check_set
    except Exception as exc:  # the spec or the checks module cannot be loaded: nothing else can be compared
        return LintReport(name, (Finding(assignment.name, f"cannot load: {type(exc).__name__}: {exc}"),))
    declared = [(d.name, d.tags) for d in check_set.declared]
    findings += spec_findings(spec.checks, [n for n, _ in declared])
    findings += number_findings(assignment, catalog.all_assignments())
    # Shared helpers (grader/) read spec values too: what they name counts as read.
    shared = sorted(Path(catalog.__file__).parent.rglob("*.py"))
    found, unset = value_findings(sorted(assignment.folder.glob("*.py")), spec.values, shared)
    findings += found
    notes += [f"spec.toml sets [values] {key}, which no code names (read by a key built at run time?)"
              for key in unset]
    stub = assignment.stub_path.read_text(encoding="utf-8")
    broken = _syntax_finding(stub, "stub.py")
    if broken:
        return LintReport(name, (*findings, broken), tuple(notes))
    findings += tag_findings(declared, stub)
    public = {n for n, e in spec.checks.items() if isinstance(e, dict) and e.get("public") is not None}
    stored = assignment.fixtures()
    findings += fixture_key_findings(stored, public)
    if not assignment.has_reference():
        notes.append("the reference is not installed: nothing compared with it, nothing graded")
        return LintReport(name, tuple(findings), tuple(notes))
    # Found, not imported: importing a reference may need what only its child has (TensorFlow).
    reference = Path(importlib.util.find_spec(f"reference.{name}").origin)
    broken = _syntax_finding(reference.read_text(encoding="utf-8"), "reference")
    if broken:
        return LintReport(name, (*findings, broken), tuple(notes))
    findings += contract_findings(stub, reference.read_text(encoding="utf-8"))
    if findings or not run:  # grading a mismatched assignment would only repeat what is found
        if not run:
            notes.append("not graded (--static): fixtures, reference and stub not run")
        return LintReport(name, tuple(findings), tuple(notes))
    findings += graded_findings(assignment, stored, reference)
    return LintReport(name, tuple(findings), tuple(notes))


# -- spec and checks -----------------------------------------------------------

def spec_findings(entries, declared):
    """The spec's ``[checks]`` tables against the names declared in checks.py."""
    found = [Finding("checks.py", f"check {n!r} is declared twice") for n in sorted(set(declared))
             if declared.count(n) > 1]
    found += [Finding("spec.toml", f"[checks.{n}] has no check of that name in checks.py")
              for n in sorted(set(entries) - set(declared))]
    found += [Finding("checks.py", f"check {n!r} has no [checks.{n}] table in spec.toml (its points)")
              for n in declared if n not in entries]
    for n, entry in entries.items():
        if not isinstance(entry, dict):
            found.append(Finding("spec.toml", f"checks.{n} is not a table"))
            continue
        found += [Finding("spec.toml", f"[checks.{n}] has the key {k!r}; known: public, hidden, budget, requires")
                  for k in sorted(set(entry) - CHECK_KEYS)]
        if entry.get("public") is None and entry.get("hidden") is None:
            found.append(Finding("spec.toml", f"[checks.{n}] gives no points: set public, hidden or both"))
        for k in ("public", "hidden", "budget"):
            v = entry.get(k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0
                                  or (k == "budget" and v == 0)):
                found.append(Finding("spec.toml", f"[checks.{n}] {k} = {v!r} is not a "
                                                  f"{'positive' if k == 'budget' else 'non-negative'} number"))
        requires = entry.get("requires", [])
        found += [Finding("spec.toml", f"[checks.{n}] requires {r!r}, which is not another check")
                  for r in (requires if isinstance(requires, list) else [requires])
                  if r not in entries or r == n]
    return found


def number_findings(assignment, others):
    return [Finding("spec.toml", f"number {assignment.spec.number} is also {other.name}'s")
            for other in others if other.name != assignment.name and other.spec.number == assignment.spec.number]


def value_findings(paths, values, shared=()):
    """``(findings, unset)``: keys the checks read as ``ctx.spec["key"]`` that ``[values]`` does not set,
    and keys it sets that no file of ``paths`` or ``shared`` names (notes: a key may be built at run time)."""
    read, mentioned = {}, set()
    for path in [*paths, *shared]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                mentioned.add(node.value)
            if path in paths and isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "spec":
                for key in _strings(node.slice):
                    read.setdefault(key, f"{path.name}, line {node.lineno}")
    found = [Finding(where, f"reads spec value {key!r}, which spec.toml's [values] does not set")
             for key, where in sorted(read.items()) if key not in values]
    return found, sorted(set(values) - mentioned)


def _strings(node):
    """The string constants a subscript may take: ``"a"``, or both sides of ``"a" if low else "b"``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def tag_findings(declared, stub):
    """Tags name the student functions a check calls: each must be a name the stub defines."""
    names = set(_definitions(stub)) | _constants(stub)
    return [Finding("checks.py", f"check {n!r} is tagged {tag!r}, which the stub does not define")
            for n, tags in declared for tag in tags if tag not in names]


# -- stub and reference --------------------------------------------------------

def _syntax_finding(text, where):
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return Finding(where, f"line {exc.lineno}: syntax error: {exc.msg}")
    return None


def _definitions(text):
    """``{name: signature}`` of the public top-level functions and classes, and ``{Class.method: ...}``."""
    found = {}
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            found[node.name] = f"{node.name}({ast.unparse(node.args)})"
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            found[node.name] = f"class {node.name}"
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and (item.name == "__init__" or not item.name.startswith("_")):
                    found[f"{node.name}.{item.name}"] = f"{node.name}.{item.name}({ast.unparse(item.args)})"
    return found


def _constants(text):
    """Public UPPERCASE names the module assigns (``EPOCHS = 5``)."""
    return {target.id for node in ast.parse(text).body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name) and target.id.isupper()}


def contract_findings(stub, reference):
    """The stub's and the reference's public names and signatures, which must be the same."""
    mine, theirs = _definitions(stub), _definitions(reference)
    found = [Finding("stub.py", f"defines {mine[n]}, the reference does not") for n in mine if n not in theirs]
    found += [Finding("reference", f"defines {theirs[n]}, the stub does not") for n in theirs if n not in mine]
    found += [Finding("stub.py", f"{mine[n]} differs from the reference's {theirs[n]}")
              for n in mine if n in theirs and mine[n] != theirs[n]]
    found += [Finding("stub.py", f"the constant {n} is not the reference's") for n in
              sorted(_constants(stub) ^ _constants(reference))]
    return found


# -- fixtures, and grading -----------------------------------------------------

def fixture_key_findings(stored, public):
    return [Finding("fixtures/public.json", f"key {key!r} belongs to no public check")
            for key in sorted(stored) if key.split("/", 1)[0] not in public]


def graded_findings(assignment, stored, reference):
    """Fixtures recorded afresh against the stored ones; the reference and the stub graded."""
    found = []
    fresh, report = record(assignment)
    found += [Finding("reference", f"fails the public check {r.name!r}: {r.message}")
              for r in report.results if not r.passed]
    stale = sorted(key for key in set(fresh) | set(stored)
                   if key not in fresh or key not in stored or not _same(fresh[key], stored[key],
                                                                        assignment.spec.tolerance))
    if stale:
        found.append(Finding("fixtures/public.json", f"{len(stale)} key(s) differ from what the reference and "
                             f"the checks record now ({', '.join(stale[:3])}{', ...' if len(stale) > 3 else ''}); "
                             f"run: python -m grader.checking.fixtures {assignment.name}"))
    report = grade_file(reference, assignment=assignment.name, hidden=True)
    found += [Finding("reference", f"fails the {'hidden' if r.hidden else 'public'} check {r.name!r}: "
                                   f"{r.message.splitlines()[0] if r.message else ''}")
              for r in report.results if not r.passed and r.hidden]
    report = grade_file(assignment.stub_path, assignment=assignment.name, hidden=True)
    for r in report.results:
        kind = "hidden" if r.hidden else "public"
        if r.score > 0:
            found.append(Finding("stub.py", f"scores {r.score:g} on the {kind} check {r.name!r}; "
                                            "a stub must score 0 (does the check fail on anything?)"))
        elif "not implemented yet" not in r.message:
            found.append(Finding("stub.py", f"fails the {kind} check {r.name!r} for another reason than "
                                            f"'not implemented yet': {r.message.splitlines()[0] if r.message else ''}"))
    return found


def _same(a, b, tol):
    """Equal fixture values: the same structure, numbers within the spec's tolerance."""
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and \
            all(_same(a[k], b[k], tol) for k in a)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b) and \
            all(_same(x, y, tol) for x, y in zip(a, b))
    try:
        x, y = np.asarray(a), np.asarray(b)
    except (TypeError, ValueError):
        return a == b
    if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        return bool(np.array_equal(x, y)) if x.shape == y.shape else False
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=tol.rtol, atol=tol.atol, equal_nan=True))
