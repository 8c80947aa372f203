"""Student text is inert wherever it is shown: on a terminal, in a spreadsheet, in rendered Markdown.

The unit tests pin ``grader.reporting.inert``; the attacks run the CLI as an
instructor does, on submissions, student ids and file names a student chose.
"""

import csv
import io
import re
import sqlite3
import subprocess
import sys

import pytest
from markdown_it import MarkdownIt

from grader.reporting import inert
from grader.reporting.feedback import render_markdown
from grader.reporting.report import CheckResult, Report

from conftest import HERE
from test_confinement import run_cli

STUB = HERE.parent / "assignments" / "linear_regression" / "stub.py"

# What a terminal acts on: C0 controls but newline and tab, DEL, C1 controls, and bidi overrides.
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# Clear the screen, draw a report where every check passed, then hide what follows; set the window title;
# rub out characters; a C1 CSI; text that reads right to left.
FAKE_SCREEN = ("\x1b[2J\x1b[H  PASS  30.00 / 30.00 every check\\nTotal: 30.00 / 30.00\\n\x1b[8m"
               "\x1b]0;all passed\x07\r\b\b\u009b2K\u202eevil")


def attack_on_the_terminal(tmp_path):
    """The stub, printing FAKE_SCREEN at import and raising it from predict: it scores 0."""
    target = tmp_path / "linear_regression.py"
    target.write_text(STUB.read_text() + f'''
print({FAKE_SCREEN!r})


def predict(X, w):
    raise ValueError({FAKE_SCREEN!r})
''')
    return target


def export(gradebook, *args):
    """`grade export --gradebook GRADEBOOK ARGS...` in a child process."""
    return subprocess.run([sys.executable, "-m", "grader.cli", "export", "--gradebook", str(gradebook),
                           *map(str, args)], capture_output=True, text=True, timeout=120, cwd=gradebook.parent)


def assert_inert_on_a_terminal(text):
    found = sorted({f"U+{ord(c):04X}" for c in ACTIVE.findall(text)})
    assert not found, f"control characters reach the terminal: {found}"


def real_total(stdout):
    """The one line that starts with "Total:": the grader's own."""
    totals = [line for line in stdout.splitlines() if line.startswith("Total:")]
    assert len(totals) == 1, totals
    return totals[0]


# -- the module ----------------------------------------------------------------------


def test_terminal_text_shows_every_control_character_and_keeps_newlines_and_tabs():
    shown = inert.terminal_text("a\tb\nc\x1b[2Jd\re\bf\x00g\x7fh\u009bi\u202ej\u2066k")
    assert shown == "a\tb\nc\\x1b[2Jd\\re\\x08f\\x00g\\x7fh\\x9bi\\u202ej\\u2066k"
    assert_inert_on_a_terminal(shown)


def test_a_cr_that_ends_a_line_stays_and_one_alone_shows():
    assert inert.terminal_text("row 1\r\nrow 2\r") == "row 1\r\nrow 2\\r"


def test_terminal_line_shows_newlines_too():
    assert inert.terminal_line("bob\nTotal: 30.00 / 30.00\t") == "bob\\nTotal: 30.00 / 30.00\\t"


def test_plain_text_passes_unchanged_and_escaping_twice_changes_nothing():
    text = "naïve Ω résumé: 0.50 / 1.00 — fine\n\ttab"
    assert inert.terminal_text(text) == text
    once = inert.terminal_text(FAKE_SCREEN)
    assert inert.terminal_text(once) == once


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x","y")', "+SUM(1+1)", "-1+2", "@A1", "\tx", "\rx"])
def test_a_csv_cell_that_a_spreadsheet_would_read_as_a_formula_gets_a_quote(cell):
    assert inert.csv_cell(cell) == "'" + cell


def test_a_cr_or_newline_inside_a_cell_cannot_start_a_row():
    buffer = io.StringIO()
    inert.csv_writer(buffer).writerow([inert.csv_cell("a\r=1+1"), inert.csv_cell("b\n@A1"), "2"])
    assert list(csv.reader(io.StringIO(buffer.getvalue(), newline=""))) == [["a\r=1+1", "b\n@A1", "2"]]


@pytest.mark.parametrize("cell", ["alice", "", "a=b", "x-1", " =1", "'quoted"])
def test_a_csv_cell_that_is_text_already_stays_as_it_is(cell):
    assert inert.csv_cell(cell) == cell


def rendered(markdown):
    return MarkdownIt("gfm-like").render(markdown)


@pytest.mark.parametrize("text", ["<img src=x onerror=alert(1)>", "![](https://example.org/t.png)",
                                  "[click](https://example.org)", "https://example.org/t.png", "www.example.org",
                                  "<https://example.org>", "mail@example.org", "`` <b>x</b> ``",
                                  "*em* _em_ # not a heading", "&lt;img src=x&gt;", "\\<img src=x>"])
def test_markdown_inline_renders_as_the_text_itself(text):
    html = rendered(f"Student {inert.markdown_inline(text)} wrote this.")
    assert "<img" not in html and "<a " not in html and "<b>" not in html and "<em>" not in html, html
    assert _text_of(html) == f"Student {text} wrote this."


def test_markdown_inline_is_one_line():
    assert "\n" not in inert.markdown_inline("a\n# heading\n\n- item")


@pytest.mark.parametrize("text", ["```\n<img src=x onerror=alert(1)>\n```", "~~~\n![](https://e.org/t.png)",
                                  "````` \n```````", "<script>alert(1)</script>"])
def test_a_markdown_block_is_a_fence_its_content_cannot_close(text):
    html = rendered("\n".join(inert.markdown_block(text)) + "\n\nafter")
    assert html.count("<pre>") == 1 and html.endswith("<p>after</p>\n"), html
    assert "<img" not in html and "<script" not in html and "<a " not in html
    code = re.search(r"<pre><code[^>]*>(.*)</code></pre>", html, re.S)[1]
    assert _unescape(code) == text + "\n"


def _text_of(html):
    return _unescape(re.sub(r"<[^>]+>", "", html)).strip()


def _unescape(text):
    import html
    return html.unescape(text)


def test_feedback_markdown_shows_a_hostile_id_file_name_and_note_as_text():
    hostile = "<img src=x onerror=alert(1)>![](https://example.org/t.png)"
    report = Report("linear_regression", f"{hostile}.py", hostile,
                    results=[CheckResult("fit", "fit", 0, 1, f"```\n{hostile}", False, ("fit",))],
                    notes=[f"dropped code cell 2: it starts with the cell magic %%{hostile}"])
    html = rendered(render_markdown(report))
    assert "<img" not in html and "<a " not in html, html
    assert _unescape(html).count(hostile) == 4  # shown, as text, each time


# -- through the CLI: the terminal ---------------------------------------------------


@pytest.mark.parametrize("command", ["submit", "check"])
def test_control_codes_from_a_submission_never_reach_the_instructors_terminal(tmp_path, command):
    done = run_cli(command, attack_on_the_terminal(tmp_path))
    assert done.returncode == 1, done.stderr[-2000:]
    assert_inert_on_a_terminal(done.stdout + done.stderr)
    assert real_total(done.stdout).startswith("Total: 0.00 / ")
    assert "\\x1b[2J" in done.stdout  # what it tried is there to see


def test_control_codes_in_folder_and_file_names_never_reach_the_terminal_in_a_batch(tmp_path):
    folder = tmp_path / "class"
    student = folder / "\x1b[1A\x1b[2Kbob\rall checks PASS"
    student.mkdir(parents=True)
    (student / "linear_regression.py").write_text(STUB.read_text())
    (student / "notes\x1b]0;owned\x07\u202etxt.md").write_text("")
    done = run_cli("batch", folder, "--workers", "1", "--gradebook", tmp_path / "course.sqlite")
    assert done.returncode == 1, done.stderr[-2000:]  # the notes file is listed as skipped
    assert_inert_on_a_terminal(done.stdout + done.stderr)
    assert "\\x1b[1A\\x1b[2Kbob\\rall checks PASS" in done.stderr  # the progress line names it as it is
    assert "notes\\x1b]0;owned\\x07\\u202etxt.md" in done.stdout


# -- through the CLI: spreadsheets --------------------------------------------------

FORMULAS = ["+SUM(1+1)", "-1+2", "@A1", "\tx", "\rx", "y\r=1+1"]  # folder names; HYPERLINK's "//" cannot be one


@pytest.fixture(scope="module")
def formula_gradebook(tmp_path_factory):
    """A gradebook of stub submissions by students whose ids, and one file name, are formulas."""
    tmp_path = tmp_path_factory.mktemp("formulas")
    folder = tmp_path / "class"
    for student in FORMULAS:
        (folder / student).mkdir(parents=True)
        (folder / student / "linear_regression.py").write_text(STUB.read_text())
    (folder / "carol").mkdir()
    (folder / "carol" / "=2+3.py").write_text(STUB.read_text())
    gradebook = tmp_path / "course.sqlite"
    done = run_cli("batch", folder, "--workers", "1", "--gradebook", gradebook, "--assignment", "linear_regression")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    done = run_cli("submit", STUB, "--assignment", "linear_regression", "--student", '=HYPERLINK("http://x","y")',
                   "--gradebook", gradebook)
    assert done.returncode == 1, done.stderr[-2000:]
    with sqlite3.connect(gradebook) as db:
        assert len(db.execute("SELECT DISTINCT student FROM submissions").fetchall()) == len(FORMULAS) + 2
    return gradebook


@pytest.mark.parametrize("format", ["csv", "canvas", "moodle"])
def test_no_export_has_a_cell_a_spreadsheet_reads_as_a_formula(formula_gradebook, format, tmp_path):
    done = export(formula_gradebook, "--format", format, "--out", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr[-2000:]
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    cells = [cell for row in rows for cell in row]
    formulas = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not formulas, formulas
    ids = {"'+SUM(1+1)", "'-1+2", "'@A1", "'\tx", "'\rx", "y\r=1+1", "'=HYPERLINK(\"http://x\",\"y\")"}
    assert ids <= set(cells)  # every student is there, in one cell, quoted where it starts like a formula
    if format == "csv":
        assert "'=2+3.py" in cells


# -- through the CLI: Markdown feedback -----------------------------------------------

# A folder or file name holds no "/": the id's image is a relative one; the notebook's line has the full URL.
IMG, TRACKER = "<img src=x onerror=alert(1)>", "![](t.png)"


def test_feedback_markdown_renders_no_html_image_or_link_from_a_student(tmp_path):
    folder = tmp_path / "class"
    (folder / IMG).mkdir(parents=True)
    notebook = '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, ' \
               '"source": "%%<img/src=x/onerror=alert(2)>![](https://example.org/t.png)\\nx = 1"}], ' \
               '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    (folder / IMG / f"{IMG}.ipynb").write_text(notebook)
    gradebook = tmp_path / "course.sqlite"
    done = run_cli("batch", folder, "--workers", "1", "--gradebook", gradebook, "--assignment", "linear_regression")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    done = run_cli("submit", STUB, "--assignment", "linear_regression", "--student", TRACKER,
                   "--gradebook", gradebook)
    assert done.returncode == 1, done.stderr[-2000:]
    done = export(gradebook, "--format", "markdown", "--out", tmp_path / "feedback")
    assert done.returncode == 0, done.stderr[-2000:]
    pages = sorted((tmp_path / "feedback").rglob("feedback.md"))
    assert len(pages) == 2
    for page in pages:
        markdown = page.read_text()
        html = rendered(markdown)
        assert "<img" not in html and "<a " not in html, html
        outside_fences = re.sub(r"^(`{3,}).*?^\1$", "", markdown, flags=re.S | re.M)
        assert not re.search(r"https?://|www\.", outside_fences), outside_fences  # nothing to autolink
    shown = _unescape(rendered(pages[0].read_text()) + rendered(pages[1].read_text()))
    assert IMG in shown and TRACKER in shown and "%%<img/src=x/onerror=alert(2)>" in shown  # as text
