"""`grade start`: put an assignment's stub in a folder, as a ``.py`` or as a notebook.

The notebook is built from the stub with ``ast``: a first markdown cell with
the title and how to check, a cell that runs the public checks from inside the
notebook, the module's docstring and imports, then for each function or class
of the stub its docstring as a markdown cell above a code cell that holds it
(the docstring stays in the code too). The grader reads a notebook's code
cells in order and drops ``!`` lines, so the check cell is harmless to grading.
"""

import ast
from pathlib import Path

import nbformat

from grader.checking import catalog
from grader.errors import GradeError

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def start(*, name, directory=None, notebook=False, force=False):
    """Write ``NAME.py`` (or ``NAME.ipynb``) in ``directory``; returns its path."""
    assignment = catalog.get_assignment(name)
    folder = Path(directory) if directory is not None else Path(".")
    if folder.exists() and not folder.is_dir():
        raise GradeError(f"{folder} is a file, not a folder")
    target = folder / f"{assignment.name}{'.ipynb' if notebook else '.py'}"
    if target.exists() and not force:
        raise GradeError(f"{target} already exists; pass --force to overwrite it "
                         "(what you wrote in it would be lost)")
    stub = assignment.stub_path.read_text(encoding="utf-8")
    if notebook:
        text = nbformat.writes(build_notebook(stub, name=assignment.name, title=assignment.spec.title,
                                              number=assignment.spec.number))
    else:
        text = stub
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return target


def build_notebook(source, *, name, title, number=None):
    """A notebook of ``source`` (a stub's text): intro, check cell, then one cell per definition."""
    filename = f"{name}.ipynb"
    heading = f"Assignment {number:02d}: {title}" if number is not None else title
    cells = [
        nbformat.v4.new_markdown_cell(
            f"# {heading}\n\n"
            "Fill in each function below; keep its name and signature. The text above each\n"
            "function is its docstring: what it takes, what it returns, and the conventions\n"
            "the checks rely on.\n\n"
            "**Check your work**: save the notebook (the grader reads the saved file), then run\n"
            "the next cell, or run this in a terminal, in this notebook's folder:\n\n"
            f"    grade check {filename}        (or: python -m grader check {filename})\n\n"
            "The grader runs the notebook's code cells in order, as one module, and ignores the\n"
            "lines that start with `!` or `%`: the check cell below does not run when you are\n"
            "graded. `grade check` runs the public checks; your grade also counts hidden checks\n"
            "on other inputs."),
        # The kernel's own interpreter runs the check, so the `grade` command need not be on PATH.
        nbformat.v4.new_code_cell(f"import sys\n!{{sys.executable}} -m grader check {filename}"),
    ]
    for kind, code, node in split_source(source):
        if kind == "header":
            code = code.replace(f"grade check {name}.py", f"grade check {filename}")
        if kind == "definition":
            cells.append(nbformat.v4.new_markdown_cell(describe(node)))
        cells.append(nbformat.v4.new_code_cell(code))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return notebook


def split_source(source):
    """``source`` cut into ``(kind, code, node)``: "header", "definition" or "code" pieces.

    The header is everything before the first top-level function or class
    (docstring, imports, constants). A definition takes its decorators and the
    comment lines right above it; other top-level code between definitions is
    a piece of its own.
    """
    lines = source.splitlines()
    tree = ast.parse(source)
    definitions = [node for node in tree.body if isinstance(node, _DEFINITIONS)]
    pieces = []
    cursor = 0  # index of the first line not yet in a piece

    def add(kind, first, last, node=None):
        code = "\n".join(lines[first:last]).strip("\n")
        if code.strip():
            pieces.append((kind, code, node))

    for position, node in enumerate(definitions):
        begin = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        while begin > cursor and lines[begin - 1].lstrip().startswith("#"):
            begin -= 1
        add("header" if position == 0 else "code", cursor, begin)
        add("definition", begin, node.end_lineno, node)
        cursor = node.end_lineno
    add("code" if definitions else "header", cursor, len(lines))
    return pieces


def describe(node):
    """The markdown above a definition: its signature, then its docstring."""
    if isinstance(node, ast.ClassDef):
        bases = ", ".join(ast.unparse(b) for b in node.bases + node.keywords)
        signature = f"class {node.name}" + (f"({bases})" if bases else "")
    else:
        signature = f"{node.name}({ast.unparse(node.args)})"
    text = f"### `{signature}`"
    docstring = ast.get_docstring(node)
    if docstring:
        summary, _, rest = docstring.partition("\n")
        text += f"\n\n{summary.strip()}"
        if rest.strip():
            fence = "````" if "```" in rest else "```"
            text += f"\n\n{fence}text\n{rest.strip(chr(10))}\n{fence}"
    return text
