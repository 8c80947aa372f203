"""Student text made inert: shown on a terminal, put in a spreadsheet cell, written in Markdown.

Everything a submission chooses (what it prints, its exceptions' messages,
its notebook's lines, the student ids and file names of a class folder)
passes through one of these before anyone sees it, so that it shows as what
it is and does nothing: moves no cursor, runs no formula, renders no HTML,
image or link. The HTML pages escape with ``html.escape``.
"""

import csv
import re

# What a terminal acts on, or what reorders or breaks a line a reader sees: C0 controls (tab, newline
# and CR apart), DEL and C1 controls; the bidi marks, embeddings, overrides and isolates, and Unicode's
# line and paragraph separators. A CR moves the cursor back unless a newline follows (CSV's CRLF rows).
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_ACTIVE_IN_TEXT = re.compile(f"\r(?!\n)|[{_CONTROLS}]")
_ACTIVE_IN_LINE = re.compile(f"[\t\n\r{_CONTROLS}]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}

# OWASP's CSV injection rule: a spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# CommonMark lets a backslash escape any ASCII punctuation, and an escaped character is only itself.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def terminal_text(text):
    """``text`` with every control character but newline, tab and CRLF shown as an escape (``\\x1b``)."""
    return _ACTIVE_IN_TEXT.sub(_escape, str(text))


def terminal_line(text):
    """``text`` as one line: newlines and tabs shown as escapes too (an id, a file name, a path)."""
    return _ACTIVE_IN_LINE.sub(_escape, str(text))


def _escape(match):
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def csv_cell(text):
    """A text cell no spreadsheet reads as a formula: one that could be gets a leading ``'``."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_writer(stream):
    """A ``csv.writer`` whose rows no cell can split: rows end in CRLF (RFC 4180), so that a cell
    holding a CR or a newline is quoted (Python quotes only the line terminator's characters)."""
    return csv.writer(stream, lineterminator="\r\n")


def markdown_inline(text):
    """``text`` on one line of Markdown that renders as the text itself: no HTML, image, link or emphasis."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", terminal_line(" ".join(str(text).split())))


def markdown_block(text):
    """The lines of a fenced block of ``text``: its fence is longer than any run of backticks in it."""
    text = terminal_text(text)
    fence = "```"
    while fence in text:
        fence += "`"
    return [fence + "text", text, fence]
