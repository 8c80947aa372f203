"""Reading a submission: a ``.py`` file or a notebook's code cells, in order.

Whatever is the student's fault (not UTF-8, empty, not a notebook, a syntax
error) becomes ``Source.problem``, graded as zero for the checks it breaks;
only misuse of the command (no such file) raises ``GradeError``.

A folder of submissions (a class folder, Gradescope's upload) is unpacked
from students' archives, which can hold symbolic links: one would have the
grader read, grade and show any file it can reach (the installed
reference's, a classmate's) as the student's work. Every reader of such a
folder reads no symbolic link, to a file or a folder, and no path that
resolves outside the folder (``not_readable``), and says so.
"""

from dataclasses import dataclass
from pathlib import Path

from grader.errors import GradeError

SUFFIXES = (".py", ".ipynb")
SYMLINK = "a symbolic link"
OUTSIDE = "a path that resolves outside the folder"
# Cell magics whose body is still Python; any other cell magic drops its cell.
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")


@dataclass(frozen=True)
class Source:
    path: Path
    text: str
    notes: tuple = ()
    problem: str | None = None
    cell_lines: tuple | None = None  # for notebooks: (cell number, line in cell) per line of text

    @property
    def is_notebook(self):
        return self.path.suffix == ".ipynb"

    def where(self, lineno):
        """Say where line ``lineno`` of ``text`` came from, for messages."""
        if not lineno:
            return self.path.name
        if self.cell_lines and 0 < lineno <= len(self.cell_lines):
            cell, line = self.cell_lines[lineno - 1]
            return f"{self.path.name}, cell {cell}, line {line}"
        return f"{self.path.name}, line {lineno}"


def not_readable(path, folder):
    """Why ``path``, an entry of ``folder``, is not read (``SYMLINK``, ``OUTSIDE``); None where it is."""
    path = Path(path)
    if path.is_symlink():
        return SYMLINK
    if not path.resolve().is_relative_to(Path(folder).resolve()):
        return OUTSIDE
    return None


def find_submission(path):
    """The submission file named by ``path``, or the one submission in a folder (never a link in it)."""
    path = Path(path)
    if path.is_dir():
        why_not = {p: not_readable(p, path) for p in sorted(path.iterdir()) if p.suffix in SUFFIXES}
        found = [p for p, why in why_not.items() if not why and p.is_file()]
        if len(found) != 1:
            what = "no" if not found else f"{len(found)}"
            unread = "; ".join(f"{p.name}: not read: {why}" for p, why in why_not.items() if why)
            raise GradeError(f"{path}: expected exactly one .py or .ipynb submission, found {what}"
                             + (f" ({unread})" if unread else ""))
        return found[0]
    if not path.is_file():
        raise GradeError(f"{path}: no such file")
    if path.suffix not in SUFFIXES:
        raise GradeError(f"{path}: a submission is a .py file or an .ipynb notebook")
    return path


def load_source(path, limits=None):
    """Read ``path`` into a ``Source``, with the student's mistakes as ``problem``.

    A file over the size ``limits`` allow (a ``Limits``: ``submission_kb``, ``notebook_kb``) is not
    read. The source is not compiled here: the sandbox's child finds its syntax errors, confined
    (``with_syntax_check`` is for readers that parse it themselves, such as ``grade similar``).
    """
    path = Path(path)
    too_big = size_problem(path, limits)
    if too_big:
        return Source(path, "", problem=too_big)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return Source(path, "", problem=f"{path.name}, line {line}: the file is not UTF-8 text "
                                        f"(byte 0x{raw[exc.start]:02x} at offset {exc.start})")
    if path.suffix == ".ipynb":
        source = _notebook_source(path, text)
    else:
        source = Source(path, text)
    if source.problem:
        return source
    if not source.text.strip():
        return Source(path, source.text, source.notes, f"{path.name}: the submission is empty",
                      source.cell_lines)
    return source


def size_problem(path, limits=None):
    """Why ``path`` is too large to be read as a submission; "" where it is not."""
    from grader.sandbox.parent import Limits
    limits = limits or Limits()
    limit_kb = limits.notebook_kb if Path(path).suffix == ".ipynb" else limits.submission_kb
    try:
        size = Path(path).stat().st_size
    except OSError:
        return ""  # reading it says why
    if size <= limit_kb << 10:
        return ""
    return (f"{Path(path).name}: the file is {size / (1 << 20):.1f} MB; the limit is {limit_kb / 1024:g} MB "
            f"for a {Path(path).suffix} submission, so it was not read")


def _notebook_source(path, text):
    import nbformat  # only notebooks pay for its import

    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several types for one cause: not a notebook
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Source(path, "", problem=f"{path.name}: not a valid notebook ({reason})")
    lines, cell_lines, notes = [], [], []
    # Cells are numbered as they appear, markdown included: "cell 4" is the fourth from the top.
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        cell_text = cell.get("source", "")
        first = cell_text.lstrip().split("\n", 1)[0].strip()
        if first.startswith("%%") and not first.startswith(_PYTHON_CELL_MAGICS):
            notes.append(f"dropped code cell {number}: it starts with the cell magic {first.split()[0]}")
            continue
        for offset, line in enumerate(cell_text.split("\n"), start=1):
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")):
                notes.append(f"dropped IPython line in cell {number}, line {offset}: {stripped[:60]}")
                line = line[: len(line) - len(stripped)] + "pass"
            lines.append(line)
            cell_lines.append((number, offset))
        lines.append("")
        cell_lines.append((number, offset + 1))
    return Source(path, "\n".join(lines), tuple(notes), None, tuple(cell_lines))


def with_syntax_check(source):
    try:
        compile(source.text, source.path.name, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = source.where(exc.lineno)
        return Source(source.path, source.text, source.notes,
                      f"{where}: syntax error: {exc.msg}", source.cell_lines)
    except (ValueError, RecursionError, MemoryError) as exc:
        return Source(source.path, source.text, source.notes,
                      f"{source.path.name}: cannot be compiled: {type(exc).__name__}: {exc}",
                      source.cell_lines)
    return source
