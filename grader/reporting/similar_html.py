"""The similarity report as one self-contained HTML page: the top pairs, side by side.

A table of the pairs shown (score, students, what matches), then each pair
as two columns of the students' own code, line by line (a notebook's with its
cell numbers). A line that carries fingerprints the two share is marked: in
the colour of its function's match where a function matches one of the
other's (``Pair.matches``), in grey where only some lines do.
"""

import html

from grader.reporting.feedback_html import _STYLE as _FEEDBACK_STYLE

# One background per matching function, in turn; grey for shared lines outside them.
COLOURS = ("#ffe082", "#b3e5fc", "#c5e1a5", "#f8bbd0", "#d1c4e9", "#ffccbc")
SHARED = "#e0e0e0"

_STYLE = _FEEDBACK_STYLE + """
body { max-width: 96em; }
.pairs td.score { font-variant-numeric: tabular-nums; text-align: right; }
.flag { color: #c62828; font-weight: 700; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.side h3 { font-size: 1em; margin: 0.3em 0; }
table.code { border-collapse: collapse; width: 100%; font-family: ui-monospace, Menlo, Consolas, monospace;
             font-size: 0.82em; }
table.code td { padding: 0 0.4em; white-space: pre-wrap; word-break: break-all; vertical-align: top; }
table.code td.n { color: #8a94a3; text-align: right; width: 3em; user-select: none; }
table.code tr.cell td { color: #555; background: #f2f4f7; font-style: italic; }
.chip { display: inline-block; padding: 0 0.5em; border-radius: 0.3em; margin: 0 0.3em 0.3em 0; }
"""


def render_similarity_html(report, top=10):
    """The page of ``report`` (a ``grader.verbs.similar.SimilarityReport``): its ``top`` pairs."""
    e = html.escape
    shown = report.pairs[:top]
    compared = sum(c.fingerprint is not None for c in report.candidates)
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{e(report.assignment)}: similar submissions</title>", f"<style>{_STYLE}</style>", "</head>",
        "<body>", f"<h1>{e(report.assignment)}: similar submissions</h1>",
        f'<p class="meta">{compared} submissions compared ({e(report.source)}), {len(report.pairs)} pairs; '
        f"{len(report.flagged)} at or above the threshold {report.threshold:.2f}, marked "
        '<span class="flag">look</span>. A score is the share of the two submissions\' fingerprints '
        "they have in common, once the stub's code is removed and names, comments, docstrings, "
        "formatting, the order of functions and notebook cells no longer count.</p>",
    ]
    for who, why in report.not_compared:
        parts.append(f'<p class="note">Not compared: {e(who)}: {e(why)}</p>')
    for entry in report.unused:
        parts.append(f'<p class="note">Skipped: {e(entry.path)}: {e(entry.reason)}</p>')
    parts.append('<table class="summary pairs"><tr><th>#</th><th>score</th><th>students</th>'
                 "<th>matching functions</th></tr>")
    for rank, pair in enumerate(shown, start=1):
        flag = ' <span class="flag">look</span>' if pair.kind or pair.score >= report.threshold else ""
        parts.append(f'<tr><td>{rank}</td><td class="score">{pair.score:.3f}{flag}</td>'
                     f'<td><a href="#pair{rank}">{e(pair.a.student)} / {e(pair.b.student)}</a></td>'
                     f"<td>{e(pair.describe())}</td></tr>")
    parts.append("</table>")
    if len(report.pairs) > len(shown):
        parts.append(f'<p class="meta">{len(report.pairs) - len(shown)} more pairs are not shown here '
                     "(`grade similar --top N` shows more; `--json` lists every pair).</p>")
    for rank, pair in enumerate(shown, start=1):
        parts.extend(_pair_section(rank, pair))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _pair_section(rank, pair):
    e = html.escape
    matches = pair.matches()
    colour_a, colour_b = {}, {}
    for index, (unit, other, _) in enumerate(matches):
        colour_a.setdefault(id(unit), COLOURS[index % len(COLOURS)])
        colour_b.setdefault(id(other), COLOURS[index % len(COLOURS)])
    shared = (pair.a.fingerprint.digests & pair.b.fingerprint.digests
              if pair.a.fingerprint is not None and pair.b.fingerprint is not None else frozenset())
    chips = "".join(f'<span class="chip" style="background:{COLOURS[i % len(COLOURS)]}">'
                    f"{e(unit.name if unit.name == other.name else f'{unit.name} = {other.name}')} "
                    f"({share:.0%})</span>" for i, (unit, other, share) in enumerate(matches))
    yield f'<section class="check" id="pair{rank}">'
    yield (f"<h2>{rank}. {e(pair.a.student)} and {e(pair.b.student)}: {pair.score:.3f}"
           + (f" ({e(pair.kind)})" if pair.kind else "") + "</h2>")
    if chips:
        yield f"<p>{chips}</p>"
    yield '<div class="side">'
    for candidate, colours in ((pair.a, colour_a), (pair.b, colour_b)):
        yield f"<div><h3>{e(candidate.student)}: {e(str(candidate.path))}</h3>"
        yield from _code(candidate, _marks(candidate, shared, colours))
        yield "</div>"
    yield "</div></section>"


def _marks(candidate, shared, colours):
    """``{line: colour}`` of the lines that carry a shared fingerprint."""
    marks = {}
    if candidate.fingerprint is None:
        return marks
    for unit in candidate.fingerprint.units:
        colour = colours.get(id(unit), SHARED)
        for digest, spans in unit.hashes.items():
            if digest in shared:
                for first, last in spans:
                    for line in range(first, last + 1):
                        if marks.get(line, SHARED) == SHARED:
                            marks[line] = colour
    return marks


def _code(candidate, marks):
    e = html.escape
    source = candidate.source
    yield '<table class="code">'
    if source is not None:
        cells, cell = source.cell_lines, None
        for number, text in enumerate(source.text.split("\n"), start=1):
            label = number
            if cells and number <= len(cells):
                if cells[number - 1][0] != cell:
                    cell = cells[number - 1][0]
                    yield f'<tr class="cell"><td class="n"></td><td>cell {cell}</td></tr>'
                label = cells[number - 1][1]
            style = f' style="background:{marks[number]}"' if number in marks else ""
            yield f'<tr{style}><td class="n">{label}</td><td>{e(text)}</td></tr>'
    yield "</table>"
