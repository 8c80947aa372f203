"""Per-student feedback as Markdown: the score, then each failed check with its message.

``render_markdown`` takes a ``Report`` (fresh from grading or rebuilt by the
gradebook), a ``grader.classroom.gradebook.Graded`` (the grade that counts for one
student, which may be "failed to grade"), or a list of the gradebook's result
rows (``Gradebook.results(run_id)``).
"""

from grader.reporting.inert import markdown_block, markdown_inline
from grader.reporting.report import CheckResult


def render_markdown(report_or_rows, *, title=None):
    """The feedback file of one graded submission, as Markdown text."""
    item = report_or_rows
    if hasattr(item, "status") and hasattr(item, "report") and hasattr(item, "student"):  # a Graded
        if item.report is None:
            return _not_graded(item)
        item = item.report
    if isinstance(item, (list, tuple)):
        return _render(title or "Feedback", [], [_row_result(r) for r in item], None)
    header = [f"Submission {markdown_inline(item.submission)}"
              + (f", student {markdown_inline(item.student)}" if item.student else "")]
    late = getattr(item, "late_note", "")
    if late:
        header.append(late)
    if item.notes:
        header.append("Notes:\n" + "\n".join(f"- {markdown_inline(note)}" for note in item.notes))
    return _render(title or f"{item.assignment}: feedback", header, item.results,
                   (item.score, item.max_score))


def _render(title, header, results, total):
    score = sum(r.score for r in results) if total is None else total[0]
    max_score = sum(r.max_score for r in results) if total is None else total[1]
    failed = [r for r in results if not r.passed]
    lines = [f"# {title}", ""]
    for part in header:
        lines += [part, ""]
    lines += [f"**Score: {score:.2f} / {max_score:.2f}**", ""]
    if not failed:
        lines += ["Every check passed.", ""]
    else:
        lines += [f"## Checks that failed ({len(failed)} of {len(results)})", ""]
        for r in failed:
            lines += [f"### {_inline(r.label)}: "
                      f"{r.score:.2f} / {r.max_score:.2f}", ""]
            if r.tags:
                lines += ["Functions: " + ", ".join(f"`{t}`" for t in r.tags), ""]
            lines += markdown_block(r.message or "(no message)") + [""]
    passed = [r for r in results if r.passed]
    if passed and failed:
        lines += [f"## Checks that passed ({len(passed)})", ""]
        lines += [f"- {_inline(r.label)}: {r.score:.2f} / {r.max_score:.2f}"
                  for r in passed] + [""]
    return "\n".join(lines)


def _not_graded(graded):
    lines = [f"# {graded.assignment}: feedback", "",
             f"Submission {markdown_inline(graded.filename)}, student {markdown_inline(graded.student)}", "",
             "**This submission could not be graded.**" if graded.status == "failed"
             else "**This submission has not been graded yet.**", ""]
    if graded.error:
        lines += markdown_block(graded.error) + [""]
    return "\n".join(lines)


def _row_result(row):
    if isinstance(row, CheckResult):
        return row
    return CheckResult(row["name"], row["title"], row["points"], row["max_points"], row["message"],
                       bool(row["hidden"]), tuple(row["tags"]), row["seconds"])


def _inline(text):
    """The grader's own text (a check's title) on one line."""
    return " ".join(str(text).split())
