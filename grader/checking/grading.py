"""Grading one submission: load it, start its sandbox, run the checks, build a ``Report``."""

import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.checking import catalog
from grader.sandbox import confinement
from grader.checking.checks import Context, Partial
from grader.checking.deadlines import parse_time
from grader.errors import GradeError
from grader.reporting.report import CheckResult, Report, round_points
from grader.sandbox.parent import Sandbox
from grader.checking.seeds import DEFAULT_STUDENT, course_secret, practice_secret
from grader.checking.submission import find_submission, load_source
from grader.verdicts import CheckFailure, ImportFailed, SubmissionFailure


@dataclass(frozen=True)
class Request:
    """One grading, resolved once by the verb that asks for it and passed down whole.

    ``submitted_at`` (a datetime or an ISO string; ``submitted_from`` says where
    it came from) applies the spec's deadline, if any; ``options`` are the
    assignment's own (``{"data": PATH}`` for keras_mnist);
    ``require_confinement`` (or the spec's ``[sandbox]`` setting) refuses to
    grade unconfined.
    """

    path: Path                       # the submission file (found in the folder given, if one was)
    assignment: catalog.Assignment
    student: str = DEFAULT_STUDENT
    hidden: bool = False             # hidden checks too (they need the reference)
    submitted_at: object = None
    submitted_from: str = ""
    options: dict = field(default_factory=dict)
    require_confinement: bool = False
    verbose: bool = False            # tracebacks of grader failures in messages


def resolve(file, assignment=None, **fields):
    """The ``Request`` for ``file`` (a file, or a folder holding one submission) as ``assignment``
    (a name; default: from the file's name)."""
    path = find_submission(file)
    found = catalog.get_assignment(assignment) if assignment else catalog.infer_assignment(path)
    return Request(path, found, **{k: v for k, v in fields.items() if v is not None})


def grade(request, on_event=None):
    """Grade as ``request`` says; ``on_event`` receives progress events of long checks."""
    assignment = request.assignment
    reference = assignment.reference() if request.hidden else None
    report = grade_source(load_source(request.path, assignment.spec.limits), assignment, student=request.student,
                          reference=reference, hidden=request.hidden, verbose=request.verbose,
                          options=request.options, on_event=on_event,
                          require_confinement=request.require_confinement)
    if request.submitted_at is not None and assignment.spec.deadline is not None:
        report.lateness = assignment.spec.deadline.assess(parse_time(request.submitted_at),
                                                          request.submitted_from)
    return report


def grade_file(path, *, assignment=None, on_event=None, **fields):
    """``grade(resolve(path, assignment, **fields))``, for scripts and tests."""
    return grade(resolve(path, assignment, **fields), on_event=on_event)


def grade_source(source, assignment, *, student=DEFAULT_STUDENT, hidden=False, reference=None,
                 mode=None, fixtures=None, verbose=False, blocked=("reference",), options=None,
                 on_event=None, require_confinement=False):
    """Run ``assignment``'s public checks on ``source``, and its hidden ones where ``hidden``.

    ``hidden`` is official grading: every check, public ones too, then runs on
    inputs drawn for the student, since the public fixtures' answers ship with
    the stub. ``mode`` "record" runs the public checks with the ``reference``'s
    answers and fills ``fixtures`` (see ``grader.checking.fixtures``).
    """
    started = time.monotonic()
    spec = assignment.spec
    if require_confinement or spec.limits.require_confinement:
        refuse_unconfined(blocked)
    fixtures = assignment.fixtures() if fixtures is None else fixtures
    report = Report(assignment.name, source.path.name, student, notes=list(source.notes))
    checks = [c for c in assignment.checks if hidden or not c.hidden]
    report.practice = any(c.hidden for c in checks) and practice_secret()
    report.hidden_points = round_points(sum(c.points for c in assignment.checks if c.hidden and not hidden))
    setup, shared = assignment.prepare(options), {}
    with Sandbox(source, spec.limits, blocked=blocked) as sandbox:
        start_child(sandbox)
        shown, withheld = list(sandbox.output), []  # what the import printed
        for check in checks:
            context = Context(check, student=sandbox.student, spec=spec, mode=mode or check_mode(check, hidden),
                              fixtures=fixtures, reference=reference,
                              seed_parts=seed_parts(check, assignment.name, student, hidden),
                              setup=setup, shared=shared, on_event=on_event)
            kept = len(sandbox.output)
            result = run_check(check, context, sandbox, source.problem, verbose)
            report.results.append(result)
            report.leaderboard += context.leaderboard
            printed = "".join(sandbox.output[kept:])
            if context.hidden:
                withheld += [f"[{result.label}]\n{text.strip()}"
                             for text in (printed, context.withheld_message) if text.strip()]
            else:
                shown.append(printed)
        report.results = apply_requirements(checks, report.results)
        dropped = (f"\n[... {sandbox.output_dropped} more characters of output not kept]"
                   if sandbox.output_dropped else "")
        # How much was dropped is told only where no drawn input could have set it.
        report.output = "".join(shown) + ("" if hidden else dropped)
        report.withheld_output = "\n".join(withheld) + (dropped if hidden else "")
        report.confinement = sandbox.confinement or ""
        report.student_seconds = sandbox.student_seconds
    report.execution_time = time.monotonic() - started
    return report


def check_mode(check, official):
    """"hidden" where ``check`` runs on inputs drawn for the student (every check in official
    grading: no point is earned on the public fixtures, whose answers ship), else "public"."""
    return "hidden" if official or check.hidden else "public"


def seed_parts(check, assignment, student, official):
    """What ``check``'s inputs are drawn from (see ``Context``)."""
    if check_mode(check, official) == "hidden":
        return course_secret(), assignment, student
    return "public", assignment


def start_child(sandbox):
    """Import the submission before the first check, so that what its import prints (shown to the
    student) is told apart from what checks make it print. A failed import is each check's message."""
    try:
        sandbox.start()
    except SubmissionFailure:
        pass


def apply_requirements(checks, results):
    """``results`` where a check whose ``requires`` names a check with a failed variant earns nothing.

    Such a check (the derivative of your own loss, inputs left unchanged) is
    passed by code that computes nothing; it counts only once the values it
    builds on are right. Repeated until nothing changes, so requirements chain.
    """
    results = list(results)
    while True:
        failed = {r.name for r in results if not r.passed}
        changed = False
        for i, (check, result) in enumerate(zip(checks, results)):
            missing = [name for name in check.requires if name in failed]
            if missing and result.score > 0:
                results[i] = replace(result, score=0.0, message=(
                    f"counts only once these checks pass: {', '.join(missing)} (on its own it is passed "
                    "by code that computes nothing)" + (f"; {result.message}" if result.message else "")))
                changed = True
        if not changed:
            return results


def shown_failure(exc, context, sandbox):
    """What the student's report says of a failure: on drawn inputs, none of the words the submission
    chose (an exception's text could carry an input; the instructor gets it whole)."""
    if not context.hidden or not isinstance(exc, SubmissionFailure):
        return str(exc)
    if isinstance(exc, ImportFailed) and sandbox.generation > 1:  # its import ran after drawn inputs
        return "importing the file failed when its process was started again during the checks"
    return exc.quiet


def refuse_unconfined(blocked=("reference",)):
    """``GradeError`` where a submission would run unconfined on this machine."""
    why = confinement.missing(blocked)
    if why:
        raise GradeError(f"refusing to grade: the submission would run unconfined ({why}); "
                         "grade on a Linux kernel with Landlock (5.13 or newer), or as root, "
                         "or leave out --require-confinement")


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
            message = shown_failure(exc, context, sandbox)
            context.withheld_message = str(exc) if message != str(exc) else ""
        except Exception as exc:  # a grader bug must cost this check only, and say so
            message = f"the grader failed while checking this ({type(exc).__name__}: {exc}); please report it"
            if verbose:
                message += "\n" + traceback.format_exc()
        finally:
            sandbox.deadline = None
    return CheckResult(check.name, check.title, round_points(score), round_points(check.points),
                       message, check.hidden, check.tags, time.monotonic() - started,
                       curves=dict(getattr(context, "curves", {})))
