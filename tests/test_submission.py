"""Reading submissions: .py files and notebooks, and the student's mistakes in them."""

import nbformat
import pytest

from grader.errors import GradeError
from grader.checking.grading import grade_file
from grader.checking.submission import find_submission, load_source, with_syntax_check

from conftest import SUBMISSIONS


def notebook(tmp_path, *cells, name="linear_regression.ipynb"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# My work")] + [nbformat.v4.new_code_cell(c) for c in cells]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_magics_and_shell_lines_are_dropped_with_a_note(tmp_path):
    source = load_source(notebook(tmp_path, "%matplotlib inline\nimport numpy as np", "!pip list\nx = 1",
                                  "%%bash\necho hi", "%%time\ny = 2"))
    assert source.problem is None
    assert "%matplotlib" not in source.text and "echo hi" not in source.text and "y = 2" in source.text
    assert any("cell 2, line 1: %matplotlib inline" in n for n in source.notes)
    assert any("dropped code cell 4" in n and "%%bash" in n for n in source.notes)


def test_a_magic_inside_a_block_keeps_the_block_valid(tmp_path):
    source = with_syntax_check(load_source(notebook(tmp_path, "for i in range(2):\n    %time x = i\n    y = i")))
    assert source.problem is None


def test_syntax_error_in_a_notebook_names_the_cell_and_line(tmp_path):
    """Found by the confined child, not by compiling in the grader; said as the notebook numbers it."""
    report = grade_file(notebook(tmp_path, "x = 1", "y = 2\ndef f(:\n    pass"), assignment="linear_regression")
    assert report.score == 0
    assert all(r.message.startswith("linear_regression.ipynb, cell 3, line 2: syntax error") for r in report.results)


def test_the_notebook_report_carries_the_notes(tmp_path):
    path = SUBMISSIONS / "linear_regression" / "correct" / "notebook_with_magics.ipynb"
    report = grade_file(path, assignment="linear_regression")
    assert report.passed
    assert any("%matplotlib" in n for n in report.notes)
    assert "the mean is 1.0" in report.output  # what the notebook printed is kept


def test_exception_in_a_notebook_names_the_cell(tmp_path):
    path = notebook(tmp_path, "import numpy as np", "def add_bias(X):\n    return X[:, 99]")
    report = grade_file(path)
    message = next(r.message for r in report.results if r.name == "add_bias")
    assert "IndexError" in message and "linear_regression.ipynb, cell 3, line 2" in message


def test_a_folder_must_hold_exactly_one_submission(tmp_path):
    with pytest.raises(GradeError, match="found no"):
        find_submission(tmp_path)
    (tmp_path / "a.py").write_text("")
    assert find_submission(tmp_path).name == "a.py"
