"""Grading one submission: load it, start its sandbox, run the checks, build a ``Report``."""

import time
import traceback

from . import catalog
from .checks import CheckFailure, Context, Partial
from .deadlines import parse_time
from .report import CheckResult, Report, round_points
from .sandbox import Sandbox, SubmissionFailure
from .seeds import DEFAULT_STUDENT, course_secret
from .submission import find_submission, load_source


def grade_file(path, *, assignment=None, student=DEFAULT_STUDENT, hidden=False, verbose=False,
               submitted_at=None, submitted_from="", options=None, on_event=None):
    """Grade the submission at ``path``; hidden checks too where ``hidden``.

    ``options`` are assignment-specific (e.g. ``{"data": PATH}`` for
    keras_mnist); ``on_event`` receives progress events of long checks. With ``submitted_at`` (a datetime or an ISO string; ``submitted_from`` says
    where it came from), the spec's deadline, if any, is applied to the score.
    """
    path = find_submission(path)
    assignment = catalog.get_assignment(assignment) if assignment else catalog.infer_assignment(path)
    reference = assignment.reference() if hidden else None
    report = grade_source(load_source(path), assignment, student=student, reference=reference,
                          hidden=hidden, verbose=verbose, options=options, on_event=on_event)
    if submitted_at is not None and assignment.spec.deadline is not None:
        report.lateness = assignment.spec.deadline.assess(parse_time(submitted_at), submitted_from)
    return report


def grade_source(source, assignment, *, student=DEFAULT_STUDENT, hidden=False, reference=None,
                 mode=None, fixtures=None, verbose=False, blocked=("reference",), options=None,
                 on_event=None):
    """Run ``assignment``'s public checks on ``source``, and its hidden ones where ``hidden``.

    ``mode`` "record" runs the public checks with the ``reference``'s answers
    and fills ``fixtures`` (see ``grader.fixtures``).
    """
    started = time.monotonic()
    spec = assignment.spec
    fixtures = assignment.fixtures() if fixtures is None else fixtures
    report = Report(assignment.name, source.path.name, student, notes=list(source.notes))
    checks = [c for c in assignment.checks if hidden or not c.hidden]
    report.hidden_points = round_points(sum(c.points for c in assignment.checks if c.hidden and not hidden))
    setup, shared = assignment.prepare(options), {}
    with Sandbox(source, spec.limits, blocked=blocked) as sandbox:
        for check in checks:
            check_mode = mode or ("hidden" if check.hidden else "public")
            parts = (course_secret(), assignment.name, student) if check.hidden else ("public", assignment.name)
            context = Context(check, student=sandbox.student, spec=spec, mode=check_mode,
                              fixtures=fixtures, reference=reference, seed_parts=parts,
                              setup=setup, shared=shared, on_event=on_event)
            report.results.append(run_check(check, context, sandbox, source.problem, verbose))
        report.output = sandbox.captured_output()
        report.student_seconds = sandbox.student_seconds
    report.execution_time = time.monotonic() - started
    return report


def run_check(check, context, sandbox, problem=None, verbose=False):
    started = time.monotonic()
    score, message = 0.0, ""
    if problem:
        message = problem
    else:
        sandbox.budget(check.budget)
        try:
            outcome = check.function(context)
            score = check.points
            if isinstance(outcome, Partial):
                score, message = check.points * min(max(outcome.fraction, 0.0), 1.0), outcome.message
        except (CheckFailure, SubmissionFailure) as exc:
            message = str(exc)
        except Exception as exc:  # a grader bug must cost this check only, and say so
            message = f"the grader failed while checking this ({type(exc).__name__}: {exc}); please report it"
            if verbose:
                message += "\n" + traceback.format_exc()
        finally:
            sandbox.deadline = None
    return CheckResult(check.name, check.title, round_points(score), round_points(check.points),
                       message, check.hidden, check.tags, time.monotonic() - started,
                       curves=dict(getattr(context, "curves", {})))
