"""Deadlines: the spec's [deadline] table, the submission's recorded time, and the late penalty."""

import dataclasses
import datetime as dt
import functools
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.checking import catalog
from grader.cli import main
from grader.checking.deadlines import Deadline, Lateness, duration, parse_deadline, submission_time
from grader.errors import GradeError
from grader.reporting.report import CheckResult, Report
from grader.checking.spec import load_spec

NAME = "linear_regression"
UTC = dt.timezone.utc
DUE = dt.datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
REFERENCE = Path(catalog.get_assignment(NAME).reference().__file__)
MAX = catalog.get_assignment(NAME).spec.max_score  # 30


def test_the_spec_table_is_read(tmp_path):
    spec = (catalog.get_assignment(NAME).folder / "spec.toml").read_text()
    path = tmp_path / "spec.toml"
    path.write_text(spec.replace("[sandbox]", "[deadline]\ndeadline = 2026-12-01T23:59:00+00:00\n"
                                 "late_penalty_per_day = 0.1\n\n[sandbox]", 1))
    assert load_spec(path).deadline == Deadline(DUE, 0.1)
    assert catalog.get_assignment(NAME).spec.deadline is None  # no table: no deadline


@pytest.mark.parametrize("table, error", [
    ({"deadline": dt.datetime(2026, 12, 1, 23, 59)}, "UTC offset"),
    ({"deadline": "tomorrow"}, "not an ISO 8601 time"),
    ({"late_penalty_per_day": 0.1}, "needs `deadline"),
    ({"deadline": DUE, "late_penalty_per_day": 2}, "between 0 and 1"),
    ({"deadline": DUE, "late_penalty": 0.1}, "unknown keys"),
])
def test_bad_deadline_tables_are_refused(table, error):
    with pytest.raises(GradeError, match=error):
        parse_deadline(table)


@pytest.mark.parametrize("late, days", [
    (dt.timedelta(seconds=-1), 0), (dt.timedelta(0), 0), (dt.timedelta(seconds=1), 1),
    (dt.timedelta(hours=24), 1), (dt.timedelta(hours=24, seconds=1), 2), (dt.timedelta(days=30), 30)])
def test_each_started_day_counts(late, days):
    lateness = Deadline(DUE, 0.1).assess(DUE + late)
    assert lateness.days_late == days
    assert lateness.fraction == pytest.approx(min(1.0, 0.1 * days))


def test_times_in_other_offsets_compare_as_moments():
    paris = dt.timezone(dt.timedelta(hours=1))
    assert not Deadline(DUE, 0.1).assess(dt.datetime(2026, 12, 2, 0, 59, tzinfo=paris)).late
    assert Deadline(DUE, 0.1).assess(dt.datetime(2026, 12, 2, 1, 0, tzinfo=paris)).days_late == 1


def _report(scores, lateness=None):
    results = [CheckResult(f"c{i}", f"check {i}", s, 10.0, "", False, ()) for i, s in enumerate(scores)]
    return Report(NAME, f"{NAME}.py", "local", results=results, lateness=lateness)


def test_the_penalty_is_a_fraction_of_the_max_score_and_never_below_zero():
    two_days = Deadline(DUE, 0.1).assess(DUE + dt.timedelta(hours=30))
    report = _report([10, 10, 5], two_days)  # 25 / 30, 2 started days late: -6
    assert (report.raw_score, report.penalty, report.score, report.max_score) == (25, 6, 19, 30)
    poor = _report([2, 0, 0], two_days)
    assert (poor.penalty, poor.score) == (2, 0)
    on_time = _report([10, 10, 5], Deadline(DUE, 0.1).assess(DUE))
    assert (on_time.penalty, on_time.score) == (0, 25)
    assert _report([10, 10, 5]).score == 25


def test_reports_say_how_late_and_what_it_cost():
    late = Deadline(DUE, 0.1).assess(DUE + dt.timedelta(days=1, hours=3, minutes=4), "given")
    report = _report([10, 10, 10], late)
    text = report.render_text()
    assert "Late by 1 day 3 h 4 min" in text and "2 started days" in text and "-6.00 points" in text
    assert "Total: 24.00 / 30.00 (30.00 before the late penalty)" in text
    data = report.to_gradescope()
    assert data["score"] == 24 and "Late by 1 day 3 h 4 min" in data["output"]
    assert data["extra_data"]["late"]["days_late"] == 2 and data["extra_data"]["late"]["penalty_points"] == 6
    on_time = _report([10], Deadline(DUE, 0.1).assess(DUE - dt.timedelta(hours=1))).render_text()
    assert "On time" in on_time and "before the late penalty" not in on_time
    assert duration(59) == "59 s" and duration(3600 * 49 + 60) == "2 days 1 h 1 min"


# -- where the submission time comes from -------------------------------------


def test_the_submission_time_is_the_option_else_gradescope_else_the_file(tmp_path):
    folder = tmp_path / "autograder" / "submission"
    folder.mkdir(parents=True)
    path = folder / f"{NAME}.py"
    path.write_text("x = 1\n")
    stamp = DUE.timestamp() + 7200
    os.utime(path, (stamp, stamp))
    assert submission_time(path) == (DUE + dt.timedelta(hours=2), "the file's modification time")
    metadata = tmp_path / "autograder" / "submission_metadata.json"
    metadata.write_text(json.dumps({"created_at": "2026-12-01T16:00:00.123456-08:00", "id": 1}))
    when, source = submission_time(folder)  # the folder, as Gradescope's run_autograder passes it
    assert when == DUE + dt.timedelta(minutes=1, microseconds=123456) and "Gradescope" in source
    assert submission_time(path)[0] == when  # or the file in it
    assert submission_time(path, "2026-11-30T12:00:00Z") == (dt.datetime(2026, 11, 30, 12, tzinfo=UTC),
                                                             "given with --submitted-at")
    with pytest.raises(GradeError, match="not an ISO 8601 time"):
        submission_time(path, "last tuesday")
    metadata.write_text("{}")
    with pytest.raises(GradeError, match="created_at"):
        submission_time(path)


@pytest.fixture
def with_deadline(monkeypatch):
    """linear_regression with a deadline of 2026-12-01 23:59 UTC and 10 % per started day."""
    real = catalog.load_spec

    def load(path):
        spec = real(path)
        if Path(path).parent.name == NAME:
            spec = dataclasses.replace(spec, deadline=Deadline(DUE, 0.1))
        return spec

    monkeypatch.setattr(catalog, "load_spec", load)
    monkeypatch.setattr(catalog, "_loaded", functools.cache(catalog.Assignment))  # loaded anew, and after


def _submit(*args):
    result = CliRunner().invoke(main, ["submit", *map(str, args)])
    return result.exit_code, result.output


def test_submit_applies_the_deadline_from_the_option(with_deadline, tmp_path):
    path = tmp_path / f"{NAME}.py"
    shutil.copy(REFERENCE, path)
    out = tmp_path / "results.json"
    code, output = _submit(path, "--submitted-at", "2026-12-03T11:59:00+00:00", "--json", out,
                           "--html", tmp_path / "feedback.html")
    assert code == 0, output  # every check passed: lateness costs points, not the exit status
    assert "Late by 1 day 12 h" in output and "given with --submitted-at" in output
    assert f"Total: {MAX * 0.8:.2f} / {MAX:.2f}" in output  # 2 started days, 10 % each
    data = json.loads(out.read_text())
    assert data["score"] == MAX * 0.8 and data["max_score"] == MAX
    assert sum(t["score"] for t in data["tests"]) == MAX
    assert "Late by 1 day 12 h" in data["output"]
    assert "Late by 1 day 12 h" in (tmp_path / "feedback.html").read_text()

    code, output = _submit(path, "--submitted-at", "2026-12-01T23:00:00+00:00")
    assert "On time" in output and f"Total: {MAX:.2f} / {MAX:.2f}" in output


def test_submit_reads_gradescope_metadata_then_the_file_time(with_deadline, tmp_path):
    folder = tmp_path / "autograder" / "submission"
    folder.mkdir(parents=True)
    shutil.copy(REFERENCE, folder / f"{NAME}.py")
    stamp = (DUE + dt.timedelta(days=5)).timestamp()
    os.utime(folder / f"{NAME}.py", (stamp, stamp))
    code, output = _submit(folder)  # no metadata: the file's time, 5 days late
    assert "the file's modification time" in output and f"Total: {MAX * 0.5:.2f}" in output
    (tmp_path / "autograder" / "submission_metadata.json").write_text(
        json.dumps({"created_at": "2026-12-01T20:00:00+00:00"}))
    code, output = _submit(folder)
    assert "On time" in output and "Gradescope's submission metadata" in output
    assert f"Total: {MAX:.2f} / {MAX:.2f}" in output


def test_check_ignores_the_deadline(with_deadline, tmp_path):
    path = tmp_path / f"{NAME}.py"
    shutil.copy(REFERENCE, path)
    os.utime(path, (0, 0))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0 and "Late" not in result.output and "On time" not in result.output


def test_lateness_is_plain_data():
    lateness = Lateness(DUE, DUE + dt.timedelta(hours=1), 0.25, "given")
    assert lateness.to_dict(7.5) == {
        "deadline": "2026-12-01T23:59:00+00:00", "submitted_at": "2026-12-02T00:59:00+00:00",
        "source": "given", "seconds_late": 3600.0, "days_late": 1, "penalty_per_day": 0.25,
        "penalty_fraction": 0.25, "penalty_points": 7.5}


def test_batch_applies_the_deadline_from_the_file_time(with_deadline, tmp_path):
    from grader.classroom.batch import grade_task, scan
    folder = tmp_path / "class" / "alice"
    folder.mkdir(parents=True)
    shutil.copy(REFERENCE, folder / f"{NAME}.py")
    stamp = (DUE + dt.timedelta(hours=1)).timestamp()
    os.utime(folder / f"{NAME}.py", (stamp, stamp))
    (task,) = scan(tmp_path / "class").tasks
    outcome = grade_task(task)  # what each batch worker runs, here in this process
    assert outcome.error is None
    report = outcome.report
    assert report.lateness.days_late == 1 and report.lateness.source == "the file's modification time"
    assert (report.raw_score, report.penalty, report.score) == (MAX, MAX * 0.1, MAX * 0.9)
