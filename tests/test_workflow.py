"""A newcomer's path: `grade list`, `grade start` (as .py and as a notebook), fill in, `grade check`.

Also: a notebook and the equivalent .py get the same report, check by check.
"""

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from grader.checking import catalog
from grader.cli import main
from grader.checking.grading import grade_file
from grader.verbs.start import build_notebook

from bugs import bug_text

NAME = "linear_regression"
ASSIGNMENT = catalog.get_assignment(NAME)
REFERENCE = Path(ASSIGNMENT.reference().__file__)
PUBLIC_POINTS = sum(c.points for c in ASSIGNMENT.checks if not c.hidden)


def cli(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_list_shows_every_assignment_with_points_and_reference():
    code, output = cli("list")
    assert code == 0
    for assignment in catalog.all_assignments():
        line = next(line for line in output.splitlines() if f" {assignment.name} " in line)
        assert f"{assignment.spec.number:02d}" in line
        assert assignment.spec.title in line
        assert f" {assignment.spec.max_score:g} " in line
        assert ("not installed" not in line) == assignment.has_reference()
    assert "installed" in output.splitlines()[1]


def test_newcomer_starts_fills_in_and_scores_full_marks(grade_cli, tmp_path):
    code, output = cli("start", NAME)  # grade_cli has moved to the empty folder tmp_path
    assert code == 0, output
    written = tmp_path / f"{NAME}.py"
    assert written.read_text() == ASSIGNMENT.stub_path.read_text()
    assert f"grade check {NAME}.py" in output

    code, _, data = grade_cli("check", f"{NAME}.py")  # the untouched stub: zero, and says why
    assert code == 1 and data["score"] == 0
    assert all("not implemented yet" in test["output"] for test in data["tests"])

    written.write_text(REFERENCE.read_text())  # the newcomer fills in every function
    code, output, data = grade_cli("check", f"{NAME}.py")
    assert code == 0, output
    assert data["score"] == data["max_score"] == PUBLIC_POINTS > 0
    assert f"Total: {PUBLIC_POINTS:.2f} / {PUBLIC_POINTS:.2f}" in output


def test_start_never_overwrites_without_force(tmp_path):
    target = tmp_path / "work" / f"{NAME}.py"
    assert cli("start", NAME, tmp_path / "work")[0] == 0  # DIR is created
    target.write_text("# my work\n")
    code, output = cli("start", NAME, tmp_path / "work")
    assert code == 2 and "already exists" in output and "--force" in output
    assert target.read_text() == "# my work\n"
    assert cli("start", NAME, tmp_path / "work", "--force")[0] == 0
    assert target.read_text() == ASSIGNMENT.stub_path.read_text()

    code, output = cli("start", "no_such_assignment", tmp_path)
    assert code == 2 and "unknown assignment" in output


def _definitions(code):
    """The functions and classes a code cell defines ([] for the `!grade check` cell)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def test_start_notebook_has_intro_check_cell_and_one_cell_per_function(tmp_path):
    code, output = cli("start", NAME, tmp_path, "--notebook")
    assert code == 0, output
    notebook = nbformat.read(tmp_path / f"{NAME}.ipynb", as_version=4)
    nbformat.validate(notebook)
    cells = notebook.cells
    assert cells[0].cell_type == "markdown"
    assert ASSIGNMENT.spec.title in cells[0].source and f"grade check {NAME}.ipynb" in cells[0].source
    assert cells[1].cell_type == "code"
    assert cells[1].source == f"import sys\n!{{sys.executable}} -m grader check {NAME}.ipynb"
    assert cells[2].cell_type == "code" and "import numpy as np" in cells[2].source
    assert f"grade check {NAME}.ipynb" in cells[2].source  # the module docstring names the notebook

    stub = ast.parse(ASSIGNMENT.stub_path.read_text())
    functions = [n for n in stub.body if isinstance(n, ast.FunctionDef)]
    found = []
    for above, cell in zip(cells, cells[1:]):
        if cell.cell_type == "code" and _definitions(cell.source):
            (name,) = _definitions(cell.source)
            node = next(f for f in functions if f.name == name)
            docstring = ast.get_docstring(node)
            assert above.cell_type == "markdown" and f"`{name}(" in above.source
            assert docstring.splitlines()[0] in above.source  # the docstring, above the code
            assert ast.get_docstring(ast.parse(cell.source).body[0]) == docstring  # and kept in the code
            found.append(name)
    assert found == [f.name for f in functions]


def test_the_check_cell_runs_with_the_kernels_python_where_grade_is_not_on_path(tmp_path):
    assert cli("start", NAME, tmp_path, "--notebook")[0] == 0
    cell = nbformat.read(tmp_path / f"{NAME}.ipynb", as_version=4).cells[1].source
    shell_line = cell.splitlines()[1]
    assert shell_line.startswith("!")
    command = shell_line[1:].replace("{sys.executable}", shlex.quote(sys.executable))  # as IPython expands it
    done = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert shutil.which("grade", path="/usr/bin:/bin") is None
    assert done.returncode == 1, done.stderr  # the stub's checks ran, and failed
    assert "not implemented yet" in done.stdout and f"{NAME}: {NAME}.ipynb" in done.stdout


def test_newcomer_notebook_path_scores_full_marks(grade_cli, tmp_path):
    assert cli("start", NAME, "--notebook")[0] == 0
    path = tmp_path / f"{NAME}.ipynb"
    reference = {n.name: ast.get_source_segment(REFERENCE.read_text(), n)
                 for n in ast.parse(REFERENCE.read_text()).body if isinstance(n, ast.FunctionDef)}
    notebook = nbformat.read(path, as_version=4)
    replaced = []
    for cell in notebook.cells:
        names = _definitions(cell.source) if cell.cell_type == "code" else []
        if names and names[0] in reference:
            cell.source = reference[names[0]]  # the function cell gets the reference's function
            replaced.append(names[0])
    assert replaced == list(reference)
    nbformat.write(notebook, path)

    code, output, data = grade_cli("check", f"{NAME}.ipynb")
    assert code == 0, output
    assert data["score"] == data["max_score"] == PUBLIC_POINTS
    assert "dropped IPython line in cell 2" in output  # the check cell is not run when graded


_WHERE = re.compile(r"\(linear_regression\.py, line (\d+)\)|\(linear_regression\.ipynb, cell (\d+), line (\d+)\)")


def _location_free(message):
    return _WHERE.sub("(LOCATION)", message)


@pytest.mark.parametrize("source", [
    REFERENCE, ASSIGNMENT.stub_path, "fit__history_before_step", "scale_features__modifies_input", "crashing"],
    ids=lambda s: s if isinstance(s, str) else s.stem)
def test_notebook_and_py_get_the_same_report(source, tmp_path):
    if source == "crashing":  # a runtime error: the location differs, in the notebook's own terms
        text = REFERENCE.read_text().replace("    return X_b @ theta\n", "    return [][3]\n")
    elif isinstance(source, str):
        text = bug_text(NAME, source)
    else:
        text = source.read_text()
    py = tmp_path / f"{NAME}.py"
    py.write_text(text)
    ipynb = tmp_path / f"{NAME}.ipynb"
    notebook = build_notebook(text, name=NAME, title=ASSIGNMENT.spec.title, number=ASSIGNMENT.spec.number)
    nbformat.write(notebook, ipynb)

    as_py, as_notebook = grade_file(py), grade_file(ipynb)
    assert len(as_py.results) == len(as_notebook.results) > 0
    for a, b in zip(as_py.results, as_notebook.results):
        assert (a.name, a.hidden, a.score, a.max_score, a.status) == (b.name, b.hidden, b.score, b.max_score, b.status)
        assert _location_free(a.message) == _location_free(b.message), a.name
        # A location points at the same line of code, as a line of the file or of a code cell.
        for (line, _, _), (_, cell, cell_line) in zip(_WHERE.findall(a.message), _WHERE.findall(b.message)):
            assert text.splitlines()[int(line) - 1] == \
                notebook.cells[int(cell) - 1].source.splitlines()[int(cell_line) - 1]
    assert as_py.score == as_notebook.score
    if source == "crashing":
        assert any("cell" in r.message for r in as_notebook.results)
