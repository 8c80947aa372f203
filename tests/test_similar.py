"""`grade similar`: disguised copies rank above independently written solutions; exact copies first.

The copies are made by tests/disguise.py from one correct submission per
assignment; the independent solutions are the correct variants that are not
edits of the reference, and the reference (tests/similar_cases.py).
"""

import ast
import difflib
import itertools
import json

import pytest

from grader.classroom.fingerprints import fingerprint_text, stub_fingerprint
from grader.classroom.gradebook import FileSubmission, Gradebook, file_sha256
from grader.verbs.similar import IDENTICAL, SAME_CODE, THRESHOLD, similar

import disguise
from classes import cli
from conftest import variants
from similar_cases import ASSIGNMENTS, EDITED_REFERENCE, ORIGINAL, ROOT, code, independent, reference, write


def _stub(name):
    return stub_fingerprint((ROOT / "assignments" / name / "stub.py").read_text())


def _class_with_copies(folder, name):
    """A class: the independent solutions, and the original's copies in each disguise; returns the copies' students."""
    stub = _stub(name)
    for path in independent(name):
        target = write(folder, f"own_{path.stem}", path.read_text(), name, notebook=path.suffix == ".ipynb")
        assert code(target) == code(path)
    original = ORIGINAL[name].read_text()
    for kind, make in disguise.DISGUISES.items():
        write(folder, f"copy_{kind}", make(original, stub.api, seed=3), name, notebook=kind in disguise.NOTEBOOKS)
    return {f"own_{ORIGINAL[name].stem}"} | {f"copy_{kind}" for kind in disguise.DISGUISES}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_copy_pair_ranks_above_every_pair_of_independent_solutions(name, tmp_path):
    copies = _class_with_copies(tmp_path / "class", name)
    report = similar(directory=tmp_path / "class", assignment=name)
    assert not report.not_compared and not report.unused
    in_family = [p.a.student in copies and p.b.student in copies for p in report.pairs]
    assert sum(in_family) == len(copies) * (len(copies) - 1) // 2
    assert in_family == sorted(in_family, reverse=True), "a pair of non-copies ranks above a copy pair"
    lowest_copy = min(p.score for p, copied in zip(report.pairs, in_family) if copied)
    highest_other = max(p.score for p, copied in zip(report.pairs, in_family) if not copied)
    # The calibrated threshold lies in the gap: every copy pair is flagged, no other pair is.
    assert highest_other < THRESHOLD <= lowest_copy
    assert {p.kind for p, copied in zip(report.pairs, in_family) if copied} == {SAME_CODE}
    assert {p.kind for p, copied in zip(report.pairs, in_family) if not copied} == {""}


@pytest.mark.parametrize("kind", sorted(disguise.DISGUISES))
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_disguise_is_real_yet_leaves_the_normalised_code_as_it_was(name, kind):
    """Compared line by line as written (as diff does), a disguised copy no longer looks like its original."""
    original = ORIGINAL[name].read_text()
    stub = _stub(name)
    copied = disguise.DISGUISES[kind](original, stub.api, seed=3)
    text = copied
    if kind in disguise.NOTEBOOKS:
        import nbformat
        notebook = nbformat.reads(copied, as_version=4)
        assert sum(c.cell_type == "code" for c in notebook.cells) > 2
        text = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert text != original
    if kind != "reformatted":
        assert ast.dump(ast.parse(text)) != ast.dump(ast.parse(original))
    same_lines = difflib.SequenceMatcher(None, original.split("\n"), text.split("\n"), autojunk=False).ratio()
    assert same_lines < LINE_RATIO[kind], same_lines
    if kind in ("reordered", "notebook"):
        assert _definitions(text) != _definitions(original) and sorted(_definitions(text)) == sorted(
            _definitions(original))
    assert fingerprint_text(text, stub).key == fingerprint_text(original, stub).key


# How much of the original, line by line, each disguise leaves at most (SequenceMatcher's ratio).
LINE_RATIO = {"renamed": 0.7, "recommented": 0.95, "reformatted": 0.5, "reordered": 0.95, "notebook": 0.9,
              "all": 0.25}


def _definitions(text):
    return [n.name for n in ast.parse(text).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_a_copy_with_one_function_changed_is_flagged(name):
    """Each buggy variant is the reference with one function changed: a lightly edited copy."""
    stub = _stub(name)
    original = fingerprint_text(reference(name).read_text(), stub)
    for path in variants(name, "buggy"):
        edited = fingerprint_text(code(path), stub)
        score = 2 * len(edited.hashes & original.hashes) / (len(edited.hashes) + len(original.hashes))
        assert THRESHOLD <= score < 1, path.name
        assert edited.key != original.key


@pytest.mark.parametrize("name", sorted(EDITED_REFERENCE))
def test_correct_variants_made_from_the_reference_rank_first_against_it(name, tmp_path):
    for path in variants(name, "correct"):
        write(tmp_path, path.stem, path.read_text(), name, notebook=path.suffix == ".ipynb")
    write(tmp_path, "reference", reference(name).read_text(), name)
    report = similar(directory=tmp_path, assignment=name)
    for stem in EDITED_REFERENCE[name]:
        best = next(p for p in report.pairs if stem in (p.a.student, p.b.student))
        assert {best.a.student, best.b.student} == {stem, "reference"}


def test_normalising_keeps_what_the_code_does():
    """A changed operator, constant, call or data flow is a different submission."""
    base = "import numpy as np\n\ndef predict(X_b, theta):\n    return X_b @ theta - np.mean(theta) * 2\n"
    changes = [base.replace("- np", "+ np"), base.replace("* 2", "* 3"), base.replace("np.mean", "np.median"),
               base.replace("X_b @ theta", "theta @ X_b")]
    stub = _stub("linear_regression")
    keys = {fingerprint_text(text, stub).key for text in [base, *changes]}
    assert len(keys) == 5
    renamed = base.replace("X_b", "A").replace("theta", "w").replace("np", "numpy_")
    assert fingerprint_text(renamed, stub).key == fingerprint_text(base, stub).key


def test_what_the_stub_gives_does_not_count(tmp_path):
    name = "neural_network"
    stub_text = (ROOT / "assignments" / name / "stub.py").read_text()
    stub = _stub(name)
    assert fingerprint_text(stub_text, stub).hashes == frozenset()
    # The stub with one method filled in: only that method is left, its signature and docstring gone.
    filled = stub_text.replace('raise NotImplementedError("Sequential.backward is not implemented yet")',
                               "for layer in reversed(self.layers):\n            dout = layer.backward(dout)\n"
                               "        return dout")
    units = fingerprint_text(filled, stub).units
    assert [u.name for u in units] == ["Sequential.backward"]
    # Two students who hand in the stub as it is are not copies of each other.
    write(tmp_path, "ann", stub_text, name)
    write(tmp_path, "ben", stub_text, name)
    write(tmp_path, "cat", filled, name)
    report = similar(directory=tmp_path, assignment=name)
    assert report.pairs == []
    assert report.not_compared == [("ann", "nothing of its own beyond the stub"),
                                   ("ben", "nothing of its own beyond the stub")]


def test_exact_copies_come_first_identical_files_then_the_same_normalised_code(tmp_path):
    name = "linear_regression"
    text = ORIGINAL[name].read_text()
    write(tmp_path, "amy", text, name)
    write(tmp_path, "bea", text, name)
    write(tmp_path, "cal", disguise.rename(text, _stub(name).api, seed=1), name)
    for path in [p for p in independent(name) if p != ORIGINAL[name]][:2]:
        write(tmp_path, f"own_{path.stem}", path.read_text(), name, notebook=path.suffix == ".ipynb")
    report = similar(directory=tmp_path, assignment=name)
    assert [(p.a.student, p.b.student, p.kind) for p in report.pairs[:3]] == [
        ("amy", "bea", IDENTICAL), ("amy", "cal", SAME_CODE), ("bea", "cal", SAME_CODE)]
    assert [p.score for p in report.pairs[:3]] == [1.0, 1.0, 1.0]
    assert report.pairs[3].kind == "" and report.pairs[3].score < THRESHOLD


def test_a_submission_that_does_not_parse_is_compared_by_its_bytes(tmp_path):
    name = "linear_regression"
    broken = "def predict(X_b, theta)\n    return X_b @ theta\n"
    write(tmp_path, "dan", broken, name)
    write(tmp_path, "eve", broken, name)
    write(tmp_path, "fay", ORIGINAL[name].read_text(), name)
    report = similar(directory=tmp_path, assignment=name)
    assert [(p.a.student, p.b.student, p.kind) for p in report.pairs] == [("dan", "eve", IDENTICAL)]
    assert [who for who, _ in report.not_compared] == ["dan", "eve"]
    assert "syntax error" in report.not_compared[0][1]


def test_the_command_line_writes_the_table_every_pair_as_json_and_the_page(tmp_path):
    name = "logistic_regression"
    copies = _class_with_copies(tmp_path / "class", name)
    (tmp_path / "class" / "notes.txt").write_text("not a submission")
    code_, output, _ = cli("similar", tmp_path / "class", "--json", tmp_path / "pairs.json",
                           "--out", tmp_path / "report.html", "--top", "3")
    assert code_ == 1, output  # pairs to look at, and an entry skipped
    lines = output.splitlines()
    assert lines[0].startswith(f"{name}: {len(independent(name)) + len(copies) - 1} submissions compared")
    assert "matching functions" in lines[1]
    assert "same code after normalising: all 6 functions" in lines[2]
    assert any(line.startswith("Skipped: ") and "notes.txt" in line for line in lines)
    found = json.loads((tmp_path / "pairs.json").read_text())
    assert found["not_compared"] == []
    assert [entry["path"] for entry in found["skipped"]] == [str(tmp_path / "class" / "notes.txt")]
    pairs = found["pairs"]
    n = len(independent(name)) + len(copies) - 1
    assert len(pairs) == n * (n - 1) // 2
    assert all(set(p) == {"a", "b", "score"} and 0 <= p["score"] <= 1 for p in pairs)
    assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)
    copied = [p["a"] in copies and p["b"] in copies for p in pairs]
    assert copied == sorted(copied, reverse=True)
    page = (tmp_path / "report.html").read_text()
    assert page.count('<section class="check"') == 3


def test_from_a_gradebook_the_files_that_count(tmp_path):
    name = "linear_regression"
    text = ORIGINAL[name].read_text()
    paths = {"gus": write(tmp_path / "class", "gus", text, name),
             "hal": write(tmp_path / "class", "hal", disguise.reorder(text, seed=2), name),
             "ida": write(tmp_path / "class", "ida", independent(name)[0].read_text(), name)}
    book_path = tmp_path / "g.sqlite"
    with Gradebook(book_path) as book:
        book.see([FileSubmission(student, name, str(path), path.name, file_sha256(path.read_bytes()),
                                 "2026-11-01T10:00:00+00:00") for student, path in paths.items()])
    paths["ida"].write_text("# changed after grading\n" + paths["ida"].read_text())
    code_, output, _ = cli("similar", "--gradebook", book_path, "--json", tmp_path / "pairs.json")
    assert code_ == 1, output
    assert json.loads((tmp_path / "pairs.json").read_text())["pairs"] == [{"a": "gus", "b": "hal", "score": 1.0}]
    assert "Skipped: ida: " in output and "changed since the gradebook recorded it" in output


@pytest.mark.parametrize("args, message", [
    ((), "give a class folder (DIR) or --gradebook PATH"),
    (("--threshold", "1.5"), "--threshold must be in (0, 1]"),
    (("--assignment", "nope"), "unknown assignment 'nope'"),
])
def test_bad_arguments_are_named(tmp_path, args, message):
    folder = tmp_path / "class"
    write(folder, "amy", ORIGINAL["linear_regression"].read_text(), "linear_regression")
    code_, _, output = cli("similar", *([] if not args else [folder]), *args)
    assert code_ == 2 and message in output, output


def test_a_folder_of_several_assignments_needs_one_chosen(tmp_path):
    write(tmp_path, "amy", ORIGINAL["linear_regression"].read_text(), "linear_regression")
    write(tmp_path, "amy", ORIGINAL["softmax_regression"].read_text(), "softmax_regression")
    code_, _, output = cli("similar", tmp_path)
    assert code_ == 2 and "linear_regression, softmax_regression: choose one with --assignment" in output
    code_, output, _ = cli("similar", tmp_path, "--assignment", "softmax_regression")
    assert code_ == 1 and "softmax_regression: 1 submission compared" in output, output
    assert "Skipped: " in output and "not the softmax_regression submission" in output


def test_no_pair_to_look_at_exits_zero(tmp_path):
    name = "gradient_descent"
    for path in independent(name):
        write(tmp_path, path.stem, path.read_text(), name, notebook=path.suffix == ".ipynb")
    code_, output, _ = cli("similar", tmp_path)
    assert code_ == 0, output
    assert f"{len(list(itertools.combinations(independent(name), 2)))} pairs; 0 at or above" in output


# -- one file never loses the class ----------------------------------------------------


def _class_with_a_deep_file_and_a_copied_pair(folder, terms=1200):
    """carol: a correct file with a sum of ``terms`` terms; alice and bob: a copied pair; dave: his own."""
    name = "linear_regression"
    original = ORIGINAL[name].read_text()
    others = [p.read_text() for p in independent(name) if p != ORIGINAL[name]]
    write(folder, "alice", original, name)
    write(folder, "bob", disguise.reorder(original, seed=2), name)
    write(folder, "carol", others[0] + "\nONES = " + " + ".join(["1"] * terms) + "\n", name)
    write(folder, "dave", others[1], name)
    return name


def test_a_deeply_nested_expression_neither_stops_the_class_nor_escapes_comparison(tmp_path):
    from test_confinement import run_cli
    name = _class_with_a_deep_file_and_a_copied_pair(tmp_path / "class")
    page, pairs = tmp_path / "similar.html", tmp_path / "pairs.json"
    done = run_cli("similar", tmp_path / "class", "--assignment", name, "--out", page, "--json", pairs)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]  # the copied pair is flagged
    found = json.loads(pairs.read_text())
    assert (found["pairs"][0]["a"], found["pairs"][0]["b"]) == ("alice", "bob")
    assert found["pairs"][0]["score"] >= THRESHOLD > max(p["score"] for p in found["pairs"][1:])
    assert len(found["pairs"]) == 6 and found["not_compared"] == []  # carol's file is compared too
    assert "alice" in page.read_text() and done.stdout.splitlines()[0].startswith(f"{name}: 4 submissions compared")


def test_a_file_the_fingerprinting_cannot_read_is_listed_and_the_rest_compared(tmp_path, monkeypatch):
    import grader.verbs.similar as similar_verb
    name = _class_with_a_deep_file_and_a_copied_pair(tmp_path / "class", terms=20)
    real = similar_verb.fingerprint

    def fails_on_carol(source, stub):  # what a file too deep for the parser's own limits does
        if "ONES = 1 + 1" in source.text:
            raise RecursionError("maximum recursion depth exceeded")
        return real(source, stub)

    monkeypatch.setattr(similar_verb, "fingerprint", fails_on_carol)
    code_, output, _ = cli("similar", tmp_path / "class", "--assignment", name, "--json", tmp_path / "pairs.json",
                           "--out", tmp_path / "similar.html")
    assert code_ == 1, output
    reason = "its code cannot be fingerprinted (RecursionError: maximum recursion depth exceeded)"
    found = json.loads((tmp_path / "pairs.json").read_text())
    assert found["not_compared"] == [{"student": "carol", "reason": reason}]
    assert [(p["a"], p["b"]) for p in found["pairs"]][0] == ("alice", "bob") and len(found["pairs"]) == 3
    assert f"Not compared: carol: {reason}" in output
    assert f"Not compared: carol: {reason}" in (tmp_path / "similar.html").read_text()


def test_a_file_too_deep_to_parse_is_compared_by_its_bytes(tmp_path):
    name = _class_with_a_deep_file_and_a_copied_pair(tmp_path / "class", terms=20000)
    report = similar(directory=tmp_path / "class", assignment=name)
    assert [who for who, _ in report.not_compared] == ["carol"]
    assert "RecursionError" in report.not_compared[0][1] and "compared by its bytes only" in report.not_compared[0][1]
    assert (report.pairs[0].a.student, report.pairs[0].b.student) == ("alice", "bob")


def test_a_copy_hidden_in_a_string_that_it_executes_is_listed_not_passed_over(tmp_path):
    import base64
    name = "linear_regression"
    original = ORIGINAL[name].read_text()
    write(tmp_path / "class", "alice", original, name)
    hidden = base64.b64encode(original.encode()).decode()
    write(tmp_path / "class", "bob", f"import base64\nexec(base64.b64decode({hidden!r}).decode())\n", name)
    write(tmp_path / "class", "dave", next(p for p in independent(name) if p != ORIGINAL[name]).read_text(), name)
    code_, output, _ = cli("similar", tmp_path / "class", "--assignment", name)
    assert code_ == 1, output
    assert ("Not compared: bob: it runs code the fingerprinting cannot see (exec at line 2); "
            "compared by its bytes only") in output
