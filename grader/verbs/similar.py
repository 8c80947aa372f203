"""`grade similar`: every pair of one assignment's submissions, ranked by how alike their code is.

Submissions come from a class folder, found as `grade batch` finds them
(``grader.classroom.batch.scan``), or from a gradebook (each student's file that
counts, read where the batch found it). Each is read as the grader reads it
(``grader.checking.submission``: a notebook's code cells in order) and fingerprinted
with the stub's code removed (``grader.classroom.fingerprints``). A pair's score is the
share of the two submissions' fingerprints they have in common (Dice:
2 |A & B| / (|A| + |B|)), from 0 to 1. Exact copies come first: the same
file (sha256), then the same code after normalising. ``THRESHOLD`` is the
score from which a pair is worth a look.
"""

import json
import time
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from grader.checking import catalog
from grader.classroom.batch import Unused, scan
from grader.errors import GradeError
from grader.classroom.fingerprints import TOP_LEVEL, fingerprint, stub_fingerprint
from grader.classroom.gradebook import Gradebook, file_sha256
from grader.checking.submission import load_source, not_readable, with_syntax_check
from grader.reporting.inert import terminal_line

# Calibrated on the test submissions of the five NumPy assignments (tests/test_similar.py,
# benchmarks/similar.py): pairs of independently written correct solutions score at most
# 0.42, a copy with one function changed (each buggy variant against the reference) at
# least 0.83, a copy with every disguise 1.
THRESHOLD = 0.6
MATCH = 0.5  # a function "matches" when this share of its fingerprints is in the other submission
IDENTICAL, SAME_CODE = "identical file", "same code after normalising"
_KINDS = {IDENTICAL: 0, SAME_CODE: 1, "": 2}


@dataclass
class Candidate:
    """One submission: who, where, and its code's fingerprint (None where it cannot be compared)."""

    student: str
    path: str
    sha256: str
    source: object = None          # grader.checking.submission.Source
    fingerprint: object = None     # grader.classroom.fingerprints.Fingerprint
    stub_only: bool = False        # it parses, and has nothing of its own beyond the stub


@dataclass
class Pair:
    a: Candidate
    b: Candidate
    score: float
    kind: str = ""      # IDENTICAL, SAME_CODE or ""

    def matches(self):
        """``[(unit of a, unit of b, share of a's unit found in b)]``: the functions that match, in a's order."""
        found = []
        if self.a.fingerprint is None or self.b.fingerprint is None:
            return found
        others = [u for u in self.b.fingerprint.units if u.name != TOP_LEVEL]
        for unit in self.a.fingerprint.units:
            if unit.name == TOP_LEVEL or not others:
                continue
            best = max(others, key=lambda other: len(unit.hashes.keys() & other.hashes.keys()))
            share = len(unit.hashes.keys() & best.hashes.keys()) / len(unit.hashes)
            if share >= MATCH:
                found.append((unit, best, share))
        return found

    def describe(self):
        """What makes the pair alike, in a line: the kind of exact copy, the matching functions."""
        names = self.function_names()
        total = sum(u.name != TOP_LEVEL for u in self.a.fingerprint.units) if self.a.fingerprint else 0
        what = (f"all {total} functions" if names and len(names) == total else
                ", ".join(names[:6]) + (f", +{len(names) - 6} more" if len(names) > 6 else ""))
        return f"{self.kind}: {what}" if self.kind and what else self.kind or what or "-"

    def function_names(self):
        """The matching functions as text: ``fit``, or ``_step=update`` where the names differ."""
        names = []
        for unit, other, _ in self.matches():
            name = unit.name if unit.name == other.name else f"{unit.name}={other.name}"
            if name not in names:
                names.append(name)
        return names


@dataclass
class SimilarityReport:
    assignment: str
    source: str                                     # the folder or gradebook read
    candidates: list
    pairs: list                                     # every pair, exact copies first, then by score
    threshold: float = THRESHOLD
    not_compared: list = field(default_factory=list)    # (student or path, why)
    unused: list = field(default_factory=list)          # grader.classroom.batch.Unused entries of the folder
    seconds: float = 0.0

    @property
    def flagged(self):
        return [p for p in self.pairs if p.kind or p.score >= self.threshold]

    @property
    def exit_code(self):
        """0: no pair to look at and every submission compared; 1: otherwise."""
        return 1 if self.flagged or self.not_compared or self.unused else 0

    def to_json(self):
        """Every pair, highest first; what was not compared, and what was skipped, each with why."""
        return {"pairs": [{"a": p.a.student, "b": p.b.student, "score": round(p.score, 4)} for p in self.pairs],
                "not_compared": [{"student": who, "reason": why} for who, why in self.not_compared],
                "skipped": [{"path": entry.path, "reason": entry.reason} for entry in self.unused]}

    def render(self, top=10):
        """The terminal table of the ``top`` pairs."""
        compared = sum(c.fingerprint is not None for c in self.candidates)
        flagged = len(self.flagged)
        lines = [f"{self.assignment}: {_count(compared, 'submission')} compared ({self.source}), "
                 f"{_count(len(self.pairs), 'pair')}; "
                 f"{flagged} at or above the threshold {self.threshold:.2f} (worth a look) [{self.seconds:.1f} s]"]
        shown = self.pairs[:top]
        if shown:
            width = max(len(terminal_line(s)) for p in shown for s in (p.a.student, p.b.student))
            lines.append(f"  {'#':>3}  score  {'student':<{width}}  {'student':<{width}}  matching functions")
            for rank, pair in enumerate(shown, start=1):
                if rank == flagged + 1 and flagged:
                    lines.append(f"  {'':-<3}  ----- below the threshold")
                lines.append(f"  {rank:>3}  {pair.score:.3f}  {terminal_line(pair.a.student):<{width}}  "
                             f"{terminal_line(pair.b.student):<{width}}  {terminal_line(pair.describe())}")
            if len(self.pairs) > len(shown):
                more = max(0, flagged - len(shown))
                lines.append(f"  ... {len(self.pairs) - len(shown)} more pairs"
                             + (f", {more} of them at or above the threshold" if more else "")
                             + " (--top N shows more, --json writes every pair)")
        for who, why in self.not_compared:
            lines.append(f"Not compared: {terminal_line(who)}: {terminal_line(why)}")
        for entry in self.unused:
            lines.append(f"Skipped: {terminal_line(entry.path)}: {terminal_line(entry.reason)}")
        return "\n".join(lines)


def similar(*, directory=None, gradebook=None, assignment=None, out=None, json_path=None, top=10,
            threshold=THRESHOLD):
    """Compare one assignment's submissions pairwise; returns a ``SimilarityReport``.

    From ``directory`` (laid out as for `grade batch`) or ``gradebook``, one of
    them. ``assignment``: needed where they hold several. ``out``: also write
    the HTML page of the ``top`` pairs side by side; ``json_path``: ``to_json``'s object.
    """
    started = time.monotonic()
    if (directory is None) == (gradebook is None):
        raise GradeError("give a class folder (DIR) or --gradebook PATH, one of them")
    if not 0 < threshold <= 1:
        raise GradeError(f"--threshold must be in (0, 1], not {threshold}")
    if assignment is not None:
        assignment = catalog.get_assignment(assignment).name
    if directory is not None:
        assignment, candidates, unused = _from_folder(directory, assignment, ignore=[p for p in (out, json_path) if p])
        where = str(directory)
    else:
        assignment, candidates, unused = _from_gradebook(gradebook, assignment)
        where = f"gradebook {gradebook}"
    stub = stub_fingerprint(catalog.get_assignment(assignment).stub_path.read_text(encoding="utf-8"))
    not_compared = []
    for candidate in candidates:
        why = _fingerprint(candidate, stub)
        if why:
            not_compared.append((candidate.student, why))
    report = SimilarityReport(assignment, where, candidates, rank(candidates), threshold, not_compared, unused)
    report.seconds = time.monotonic() - started
    if json_path:
        _write(json_path, json.dumps(report.to_json(), indent=1) + "\n")
    if out:
        from grader.reporting.similar_html import render_similarity_html
        _write(out, render_similarity_html(report, top=top))
    return report


def rank(candidates):
    """Every pair of ``candidates``: identical files, then the same normalised code, then by score."""
    pairs = []
    for a, b in combinations(sorted(candidates, key=lambda c: c.student), 2):
        fa, fb = a.fingerprint, b.fingerprint
        if a.sha256 == b.sha256 and not a.stub_only:
            pairs.append(Pair(a, b, 1.0, IDENTICAL))  # the same bytes, also where they do not parse
        elif fa is not None and fb is not None:
            score = 2 * len(fa.hashes & fb.hashes) / (len(fa.hashes) + len(fb.hashes))
            pairs.append(Pair(a, b, score, SAME_CODE if fa.key == fb.key else ""))
    pairs.sort(key=lambda p: (_KINDS[p.kind], -p.score, p.a.student, p.b.student))
    return pairs


def _fingerprint(candidate, stub):
    """Fill in the candidate's source and fingerprint; returns why it cannot be compared, or None.

    Whatever one file does to the fingerprinting (code deeper than the parser's
    limits, a grader bug) costs that file only: it is listed, the rest compared.
    """
    candidate.source = with_syntax_check(load_source(candidate.path))
    if candidate.source.problem:
        return f"{candidate.source.problem} (compared by its bytes only)"
    try:
        found = fingerprint(candidate.source, stub)
    except Exception as exc:  # RecursionError and MemoryError included
        return f"its code cannot be fingerprinted ({type(exc).__name__}: {exc})"
    if found.unseen:
        calls = ", ".join(f"{name} at line {line}" for name, line in found.unseen[:3])
        return f"it runs code the fingerprinting cannot see ({calls}); compared by its bytes only"
    if not found.hashes:
        candidate.stub_only = True
        return "nothing of its own beyond the stub"
    candidate.fingerprint = found
    return None


def _from_folder(directory, assignment, ignore):
    found = scan(directory, assignment, ignore=ignore)
    names = sorted({t.assignment for t in found.tasks})
    assignment = _one(assignment, names, f"{directory}")
    candidates = [Candidate(t.student, t.path, t.sha256) for t in found.tasks if t.assignment == assignment]
    return assignment, candidates, found.unused


def _from_gradebook(path, assignment):
    with Gradebook(path, create=False) as book:
        current = book.current(assignment=assignment)
    assignment = _one(assignment, sorted({g.assignment for g in current}), f"gradebook {path}")
    candidates, missing = [], []
    for graded in current:
        why = not_readable(graded.path, Path(graded.path).parent)
        if why:
            missing.append((graded.student, f"{graded.path}: not compared: {why}"))
            continue
        try:
            data = Path(graded.path).read_bytes()
        except OSError as exc:
            missing.append((graded.student, f"{graded.path}: cannot be read ({exc.strerror or exc})"))
            continue
        if file_sha256(data) != graded.sha256:
            missing.append((graded.student, f"{graded.path} changed since the gradebook recorded it"))
            continue
        candidates.append(Candidate(graded.student, graded.path, graded.sha256))
    return assignment, candidates, [Unused(who, why) for who, why in missing]


def _one(assignment, names, where):
    if assignment is not None:
        if assignment not in names:
            raise GradeError(f"{where}: no {assignment} submissions")
        return assignment
    if not names:
        raise GradeError(f"{where}: no submissions")
    if len(names) > 1:
        raise GradeError(f"{where} holds submissions of {', '.join(names)}: choose one with --assignment")
    return names[0]


def _count(n, thing):
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
