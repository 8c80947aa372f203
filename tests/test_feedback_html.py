"""The HTML feedback page: checks, points, messages, loss curves; readable without matplotlib.

One test renders the page in headless Chromium (skipped where no Chromium is installed).
"""

import base64
import builtins
import datetime as dt
import html
import re

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.checking.deadlines import Deadline
from grader.reporting.feedback_html import PLOT_NOTE, render_html
from grader.checking.grading import grade_file
from grader.reporting.report import CheckResult, Report

from bugs import bug_text, write_bug
from browser import PNG, needs_chromium, screenshot

NAME = "linear_regression"
SLOW_FIT = bug_text(NAME, "fit__learning_rate_ignored")
_IMAGES = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A submission whose fit takes the wrong steps: it loses the full-batch fit checks."""
    return grade_file(write_bug(tmp_path_factory.mktemp("bug"), NAME, "fit__learning_rate_ignored"),
                      assignment=NAME, hidden=True)


def test_the_fit_check_records_the_loss_curves_on_public_inputs_only(report):
    fits = [r for r in report.results if r.name == "fit_full_batch"]
    public, hidden = sorted(fits, key=lambda r: r.hidden)
    assert not public.passed and not hidden.passed
    curve = public.curves["loss_history"]
    assert len(curve["submission"]) == len(curve["reference"]) == 25
    assert curve["submission"] != curve["reference"]
    assert hidden.curves == {}  # the reference's curve on hidden inputs is hidden expected data
    assert all(not r.curves for r in report.results if r.name != "fit_full_batch")


def test_the_page_gives_every_check_its_points_and_its_message(report):
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert f"Score: {report.score:.2f} / {report.max_score:.2f}" in page
    for result in report.results:
        assert html.escape(result.title) in page
        assert f"{result.score:.2f} / {result.max_score:.2f}" in page
    failed = [r for r in report.results if not r.passed]
    assert failed
    for result in failed:
        assert html.escape(result.message) in page
    assert page.count("badge fail") == 2 * len(failed)  # in the summary and in the details


def test_the_page_plots_the_submission_against_the_reference(report):
    pytest.importorskip("matplotlib")
    page = render_html(report)
    images = _IMAGES.findall(page)
    assert len(images) == 1
    assert base64.b64decode(images[0]).startswith(PNG)
    assert PLOT_NOTE not in page
    assert "loss_history: yours from" in page  # the values, summarised under the plot


def test_without_matplotlib_the_page_says_so_and_stays_complete(report, monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    page = render_html(report)
    assert "data:image/png" not in page
    assert html.escape(PLOT_NOTE) in page
    assert "loss_history: yours from" in page and "(25 and 25 values)" in page
    for result in report.results:
        assert f"{result.score:.2f} / {result.max_score:.2f}" in page


def test_curves_can_be_given_and_text_is_escaped():
    result = CheckResult("c", "a <b>bold</b> claim", 0.0, 2.0, "expected <script>alert(1)</script>",
                         False, ("fit",))
    report = Report(NAME, "x<y>.py", "s&1", results=[result], notes=["note <i>"], output="<printed>")
    page = render_html(report, curves={"accuracy": {"submission": [0.1, None, 0.5], "reference": [0.2, 0.4, 0.8]}})
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &lt;b&gt;bold&lt;/b&gt; claim" in page and "x&lt;y&gt;.py" in page and "s&amp;1" in page
    assert "&lt;printed&gt;" in page and "note &lt;i&gt;" in page
    assert "Training curves" in page and "accuracy: yours from 0.1 to 0.5" in page


def test_the_page_says_how_late_and_what_it_cost():
    due = dt.datetime(2026, 12, 1, 23, 59, tzinfo=dt.timezone.utc)
    result = CheckResult("c", "check", 10.0, 10.0, "", False, ())
    report = Report(NAME, f"{NAME}.py", "s1", results=[result],
                    lateness=Deadline(due, 0.25).assess(due + dt.timedelta(hours=3), "given"))
    page = render_html(report)
    assert "Score: 7.50 / 10.00 (10.00 before the late penalty)" in page
    assert "Late by 3 h" in page and "-2.50 points" in page


def test_submit_writes_the_page(tmp_path):
    path = tmp_path / f"{NAME}.py"
    path.write_text(SLOW_FIT)
    page = tmp_path / "out" / "feedback.html"
    result = CliRunner().invoke(main, ["submit", str(path), "--html", str(page)])
    assert result.exit_code == 1, result.output
    assert "fit with full batches follows the reference" in page.read_text()


@needs_chromium
def test_the_page_renders_in_headless_chromium(report, tmp_path):
    pytest.importorskip("matplotlib")
    page = tmp_path / "feedback.html"
    page.write_text(render_html(report), encoding="utf-8")
    colors = screenshot(page, 1200, 2000)
    assert colors and len(colors) > 50  # not a blank page

    def pixels_near(rgb):
        return sum(n for n, c in colors if all(abs(a - b) < 30 for a, b in zip(c, rgb)))

    assert pixels_near((0x2F, 0x7D, 0x32)) > 500  # the green PASS badges: the stylesheet applied
    assert pixels_near((0xC6, 0x28, 0x28)) > 100  # the red FAIL badges
    assert pixels_near((0x15, 0x65, 0xC0)) > 100  # the submission's curve in the embedded plot


def test_batch_out_writes_the_page_beside_the_markdown(tmp_path):
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "class" / "alice" / f"{NAME}.py").write_text(SLOW_FIT)
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "class"), "--workers", "1", "--quiet",
                                       "--gradebook", str(tmp_path / "gradebook.sqlite"),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / NAME / "alice"
    assert (folder / "feedback.md").is_file()
    page = (folder / "feedback.html").read_text()
    # 4 points of the fit checks, and the inputs check, which counts only once fit_full_batch passes
    assert "Score: 25.00 / 30.00" in page and "fit with full batches follows the reference" in page
    assert "loss_history: yours from" in page  # the curves went through the gradebook


def test_a_submission_that_failed_to_grade_gets_a_page_too():
    from grader.classroom.gradebook import Graded
    graded = Graded(student="bob", assignment=NAME, submission_id=1, sha256="0" * 64, filename="<b>.py",
                    path="x", submitted_at="2026-12-01T00:00:00+00:00", status="failed",
                    error="cannot tell the assignment <here>")
    page = render_html(graded)
    assert "could not be graded" in page and "cannot tell the assignment &lt;here&gt;" in page
    assert "&lt;b&gt;.py" in page
