"""Every assignment against its reference, its stub, its correct variants and its bugs, for 20 students.

Correct variants are files (``correct/``); bugs are rows of ``bugs.toml``, each
one change of the reference (see ``bugs.py``). The same code must earn the same
points for every student: each correct variant scores full marks for all 20
student ids, and each bug loses the same points for all 20. A bug is graded on
the checks that can see it (``sweeps.reached_checks``): the others run the
reference's own code, which scores full marks for every student (tested here
too). The hidden inputs come from the practice secret, whatever the environment
holds.
"""

from pathlib import Path

import pytest

from grader.sandbox import parent as sandbox, zygote
from grader.checking.catalog import all_assignments, get_assignment
from grader.checking.grading import grade_file
from grader.checking.submission import Source, load_source

from bugs import apply_bug, bug_source, load_bugs, reference_text
from conftest import variants
from sweeps import STUDENTS, grade_checks, ids_of, reach, reached_checks, without

NUMPY_ASSIGNMENTS = [a.name for a in all_assignments() if a.name != "keras_mnist"]
BUGS = [(name, bug) for name in NUMPY_ASSIGNMENTS for bug in load_bugs(name)]
CORRECT = [Path(get_assignment(n).reference().__file__) for n in NUMPY_ASSIGNMENTS] + \
          [p for n in NUMPY_ASSIGNMENTS for p in variants(n, "correct")]


@pytest.fixture(autouse=True)
def practice_secret(monkeypatch):
    monkeypatch.delenv("GRADE_SECRET", raising=False)


@pytest.fixture(scope="module", autouse=True)
def forked_children():
    """Sandbox children forked from a zygote: milliseconds each instead of 0.2 s."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandbox, "launcher", zygote.popen)
        yield


def _assignment_of(path):
    return path.stem if path.parent.name == "reference" else path.parent.parent.name


def _scores(results):
    return [r.score for r in results]


@pytest.mark.parametrize("name", NUMPY_ASSIGNMENTS)
def test_reference_scores_full_marks(name):
    assignment = get_assignment(name)
    report = grade_file(Path(assignment.reference().__file__), assignment=name, hidden=True)
    failed = [f"{r.title}: {r.message}" for r in report.results if not r.passed]
    assert not failed
    assert report.score == report.max_score == assignment.spec.max_score


@pytest.mark.parametrize("name", NUMPY_ASSIGNMENTS)
def test_stub_scores_zero_saying_not_implemented(name):
    assignment = get_assignment(name)
    report = grade_file(assignment.stub_path, assignment=name, hidden=True)
    assert report.score == 0
    for result in report.results:
        assert "not implemented yet" in result.message, result


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: f"{_assignment_of(p)}/{p.parent.name}/{p.name}")
def test_correct_variant_scores_full_marks_for_every_student(path):
    results = grade_checks(load_source(path), get_assignment(_assignment_of(path)), students=STUDENTS)
    failed = [f"{r.title} [{check_id}]: {r.message}" for check_id, runs in results.items()
              for r in runs if not r.passed]
    assert not failed


@pytest.mark.parametrize("name, bug", BUGS, ids=[f"{name}/{bug['name']}" for name, bug in BUGS])
def test_bug_loses_the_same_points_for_every_student(name, bug):
    """Graded on what can show it: the checks it reaches that draw per student (the others give the
    same points to every student by construction), and the checks it must lose."""
    assignment, text = get_assignment(name), reference_text(name)
    start = text.index(bug["find"])
    varying = {c.id for c in assignment.checks if c.hidden and c.per_student}
    reached = reached_checks(assignment, text, start, start + len(bug["find"])) & varying
    lost = ids_of(assignment, bug["loses"])
    results = grade_checks(bug_source(name, bug["name"]), assignment, ids=reached | lost, students=STUDENTS)
    differ = {check_id: _scores(runs) for check_id, runs in results.items() if len(set(_scores(runs))) > 1}
    assert not differ, f"points that differ between students: {differ}"
    kept = sorted(check_id for check_id in lost if any(r.passed for r in results[check_id]))
    assert not kept, f"full points in checks the bug must lose: {kept}"


@pytest.mark.parametrize("name", NUMPY_ASSIGNMENTS)
def test_bug_rows_change_the_reference_once_and_lose_checks_of_their_function(name):
    assignment, text = get_assignment(name), reference_text(name)
    checks = {c.name: c for c in assignment.checks}
    for bug in load_bugs(name):
        assert set(bug) == {"name", "why", "find", "replace", "loses"}, bug["name"]
        assert apply_bug(text, bug) != text and bug["why"] and bug["loses"], bug["name"]
        function = bug["name"].split("__")[0]
        lost = ids_of(assignment, bug["loses"])
        assert len(lost) >= len(bug["loses"]), (bug["name"], "names a check that does not exist")
        assert any(function in checks[i.split(".")[0]].tags for i in lost), (bug["name"], function)
        start = text.index(bug["find"])
        assert lost <= reached_checks(assignment, text, start, start + len(bug["find"])), bug["name"]


def test_apply_bug_replaces_exactly_one_occurrence():
    assert apply_bug("a = 1\nb = 2\n", {"find": "b = 2", "replace": "b = 3"}) == "a = 1\nb = 3\n"
    for text in ("a = 1\n", "b = 2\nb = 2\n"):
        with pytest.raises(ValueError, match="occurs (0|2) times"):
            apply_bug(text, {"name": "x", "find": "b = 2", "replace": "b = 3"})


@pytest.mark.parametrize("name", NUMPY_ASSIGNMENTS)
def test_checks_call_only_what_their_tags_reach(name):
    """What makes grading a bug on the checks it reaches sound: a check still passes on the
    reference with every definition its tags do not reach deleted."""
    assignment, text = get_assignment(name), reference_text(name)
    groups = {}
    for check in assignment.checks:
        groups.setdefault(frozenset(reach(text, check.tags)), set()).add(check.id)
    for kept, ids in groups.items():
        results = grade_checks(Source(Path(f"{name}.py"), without(text, kept)), assignment, ids=ids)
        failed = [f"{check_id}: {r.message}" for check_id, runs in results.items() for r in runs if not r.passed]
        assert not failed, f"keeping only {sorted(kept)}"
