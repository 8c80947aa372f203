"""Per-submission feedback as one self-contained HTML page.

The page gives the score (and any late penalty), then each check: pass or
fail, its points, its message. A check that recorded training curves
(``Context.record_curve``) gets a plot of the submission's curve against the
reference's, drawn with matplotlib (the optional extra ``plots``) and
embedded as a base64 PNG. Without matplotlib the page says so, and gives the
curves' first and last values as text instead: it stays complete and readable.
"""

import base64
import html
import io
import math

from grader.version import install_hint

PLOT_NOTE = ("Loss-curve plots need matplotlib, which is not installed here "
             f"({install_hint('plots')}); the curves' values are summarised instead.")

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       margin: 2em auto; max-width: 60em; padding: 0 1em; color: #1d232a; line-height: 1.45; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
.meta { color: #555; margin-top: 0; }
.total { font-size: 1.25em; font-weight: 600; margin: 0.8em 0; }
.late { background: #fff4e0; border-left: 4px solid #e69500; padding: 0.5em 0.8em; }
.ontime { background: #eef6ee; border-left: 4px solid #3a8a3a; padding: 0.5em 0.8em; }
.note { background: #f2f4f7; border-left: 4px solid #8a94a3; padding: 0.5em 0.8em; }
table.summary { border-collapse: collapse; width: 100%; margin: 1em 0; }
table.summary th, table.summary td { text-align: left; padding: 0.3em 0.6em; border-bottom: 1px solid #dde1e6; }
table.summary td.points { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; min-width: 3.2em; text-align: center; border-radius: 0.3em;
         padding: 0.05em 0.4em; font-size: 0.85em; font-weight: 700; color: #fff; }
.pass { background: #2f7d32; } .fail { background: #c62828; } .partial { background: #b26a00; }
section.check { border: 1px solid #dde1e6; border-radius: 0.4em; padding: 0.6em 1em; margin: 0.8em 0; }
section.check h3 { font-size: 1.05em; margin: 0.2em 0 0.4em; }
section.check .points { float: right; font-variant-numeric: tabular-nums; color: #333; }
pre { background: #f6f8fa; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; word-break: break-word;
      font-size: 0.9em; }
figure { margin: 0.6em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
"""


def render_html(report, curves=None):
    """The feedback page of ``report``; ``curves`` adds or replaces training curves by name.

    ``report`` is a ``Report``, or a ``grader.classroom.gradebook.Graded`` (the grade
    that counts for a student, which may be "failed to grade").
    ``curves`` is ``{name: {"submission": [...], "reference": [...]}}``; the
    curves the checks recorded are in each ``CheckResult.curves``.
    """
    if all(hasattr(report, a) for a in ("status", "report", "student")):  # a gradebook's Graded
        if report.report is None:
            return _not_graded(report)
        report = report.report
    e = html.escape
    plotter = _plotter()
    parts = _head(f"{report.assignment}: {report.submission}: {report.score:.2f} / {report.max_score:.2f}") + [
        f"<h1>{e(report.assignment)}: feedback on {e(report.submission)}</h1>",
    ]
    if report.student:
        parts.append(f'<p class="meta">Student {e(report.student)}</p>')
    parts.append(f'<p class="total">Score: {report.score:.2f} / {report.max_score:.2f}'
                 + (f" ({report.raw_score:.2f} before the late penalty)" if _penalty(report) else "")
                 + "</p>")
    lateness = getattr(report, "lateness", None)
    if lateness is not None:
        css = "late" if lateness.late else "ontime"
        parts.append(f'<p class="{css}">{e(report.late_note)}</p>')

    parts.append(_summary_table(report))

    shown_extra = dict(curves or {})
    needs_plot = any(r.curves for r in report.results) or bool(shown_extra)
    if needs_plot and plotter is None:
        parts.append(f'<p class="note">{e(PLOT_NOTE)}</p>')

    detailed = [(n, r) for n, r in enumerate(report.results, start=1) if _has_details(r)]
    if detailed:
        parts.append("<h2>Details</h2>")
    for number, result in detailed:
        parts.append(f'<section class="check" id="check-{number}">')
        parts.append(f'<h3>{_badge(result)} {e(result.label)}'
                     f'<span class="points">{result.score:.2f} / {result.max_score:.2f}</span></h3>')
        if result.tags:
            parts.append(f'<p class="meta">Functions: {", ".join(f"<code>{e(t)}</code>" for t in result.tags)}</p>')
        parts.append(f"<pre>{e(result.message)}</pre>" if result.message else "<p>Passed.</p>")
        for name, curve in (result.curves or {}).items():
            curve = shown_extra.pop(name, curve)
            parts.append(_curve_block(name, curve, plotter, result.title))
        parts.append("</section>")
    if shown_extra:
        parts.append("<h2>Training curves</h2>")
        parts.extend(_curve_block(name, curve, plotter) for name, curve in shown_extra.items())

    if report.notes:
        parts.append("<h2>Notes</h2><ul>")
        parts.extend(f"<li>{e(note)}</li>" for note in report.notes)
        parts.append("</ul>")
    for heading, text in (("What the submission printed", report.output),
                          ("What it printed during checks on inputs drawn for the student "
                           "(for the instructor: the student's report leaves it out)", report.withheld_output)):
        if text:
            shown = text[:5000]
            more = len(text) - len(shown)
            parts.append(f"<h2>{e(heading)}</h2>")
            parts.append(f"<pre>{e(shown)}" + (f"\n[... {more} more characters]" if more > 0 else "") + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _head(title):
    return ["<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{_STYLE}</style></head><body>"]


def _not_graded(graded):
    e = html.escape
    what = ("This submission could not be graded." if graded.status == "failed"
            else "This submission has not been graded yet.")
    parts = _head(f"{graded.assignment}: {graded.filename}: not graded") + [
        f"<h1>{e(graded.assignment)}: feedback on {e(graded.filename)}</h1>",
        f'<p class="meta">Student {e(graded.student)}</p>',
        f'<p class="late">{e(what)}</p>']
    if graded.error:
        parts.append(f"<pre>{e(graded.error)}</pre>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _penalty(report):
    return getattr(report, "penalty", 0.0) or 0.0


def _has_details(result):
    """A check gets a section of its own where it has something to say or to plot."""
    return bool(result.message or result.curves)


def _badge(result):
    if result.passed:
        return '<span class="badge pass">PASS</span>'
    if result.score > 0:
        return '<span class="badge partial">PART</span>'
    return '<span class="badge fail">FAIL</span>'


def _summary_table(report):
    e = html.escape
    rows = ["<table class=\"summary\"><thead><tr><th></th><th>Check</th><th>Points</th></tr></thead><tbody>"]
    for number, r in enumerate(report.results, start=1):
        title = f'<a href="#check-{number}">{e(r.label)}</a>' if _has_details(r) else e(r.label)
        rows.append(f'<tr><td>{_badge(r)}</td><td>{title}</td>'
                    f'<td class="points">{r.score:.2f} / {r.max_score:.2f}</td></tr>')
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _curve_block(name, curve, plotter, title=None):
    e = html.escape
    submission = list(curve.get("submission") or [])
    reference = list(curve.get("reference") or [])
    summary = (f"{e(name)}: yours {_ends(submission)}; the reference's {_ends(reference)} "
               f"({len(submission)} and {len(reference)} values)")
    if plotter is None:
        return f'<p class="meta">{summary}</p>'
    png = plotter(name, submission, reference, title)
    return (f'<figure><img alt="{e(name)}: your curve against the reference\'s" '
            f'src="data:image/png;base64,{png}"><figcaption>{summary}</figcaption></figure>')


def _ends(values):
    finite = [v for v in values if _finite(v)]
    if not values:
        return "empty"
    if not finite:
        return "no finite value"
    return f"from {_fmt(values[0])} to {_fmt(values[-1])}"


def _finite(value):
    return value is not None and math.isfinite(value)


def _fmt(value):
    return f"{value:.6g}" if _finite(value) else "nan/inf"


def _plotter():
    """A function that draws a curve pair as base64 PNG, or None without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None

    def plot(name, submission, reference, title=None):
        figure = Figure(figsize=(6.4, 3.4), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        nan = float("nan")
        for values, label, style in ((reference, "reference", dict(color="#555555", linestyle="--", linewidth=2)),
                                     (submission, "your submission", dict(color="#1565c0", linewidth=1.6))):
            if values:
                ys = [v if _finite(v) else nan for v in values]
                axes.plot(range(1, len(ys) + 1), ys, label=label, **style)
        finite = [v for v in submission + reference if _finite(v)]
        if finite and min(finite) > 0 and max(finite) / min(finite) > 20:
            axes.set_yscale("log")
        axes.set_xlabel("epoch")
        axes.set_ylabel(name)
        axes.set_title(title or name, fontsize=10)
        axes.grid(True, alpha=0.3)
        axes.legend()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return base64.b64encode(buffer.getvalue()).decode("ascii")

    return plot
