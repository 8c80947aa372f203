"""Inside Gradescope's container: what ``run_autograder`` runs for each submission.

``python -I -m grader.classroom.gradescope [--root ROOT]`` (ROOT: ``$GRADE_AUTOGRADER_ROOT``,
else ``/autograder``) reads what ``grade autograder`` put in ``ROOT/source`` (the
assignment, the course secret, where the data is), Gradescope's
``ROOT/submission_metadata.json`` (the student, the submission time), picks the
submission in ``ROOT/submission`` whatever its name, grades it with public and
hidden checks, confined, and writes ``ROOT/results/results.json``.

It always writes results.json: where it cannot grade (no file or several, no
metadata, a broken setup, an internal error) the score is 0 and ``output`` says
why. It exits 0 once results.json is written, 1 where even that failed (then
``run_autograder`` writes one itself). What it prints goes to Gradescope's
stdout, which only the instructor sees. ``--check-setup`` (from ``setup.sh``)
tries everything but a submission, and exits 1 on a problem.

A group submission is graded as one student whose id is all the members' ids,
sorted, joined by ``+``: the same hidden inputs whichever member uploads.
"""

import argparse
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path

DEFAULT_ROOT = "/autograder"
ROOT_VARIABLE = "GRADE_AUTOGRADER_ROOT"
SETTINGS = "autograder.json"  # in ROOT/source, written by `grade autograder`
SECRET = "secret"             # in ROOT/source: the course secret, one line
METADATA = "submission_metadata.json"
SUFFIXES = (".py", ".ipynb")
_SKIPPED_FOLDERS = ("__MACOSX", "__pycache__", ".ipynb_checkpoints")
_ASK = "This is not a problem of your submission: please tell your instructor."


class NotGraded(Exception):
    """The submission cannot be graded for a reason the student can act on; ``str()`` says it."""


class Stopped(Exception):
    """Gradescope stopped the autograder (SIGTERM), most likely at its time limit."""


def root_folder(root=None):
    return Path(root or os.environ.get(ROOT_VARIABLE) or DEFAULT_ROOT)


# -- what the autograder was built with ------------------------------------------------------


def load_settings(root):
    """The settings `grade autograder` wrote, and the course secret put in the environment."""
    source = root / "source"
    settings = json.loads((source / SETTINGS).read_text(encoding="utf-8"))
    secret = (source / SECRET).read_text(encoding="utf-8").strip()
    if not secret:
        raise ValueError(f"{source / SECRET} is empty")
    os.environ["GRADE_SECRET"] = secret  # read by grader.checking.seeds; the sandbox never passes it on
    return settings


def grading_options(settings, root):
    """The assignment's options (keras_mnist: where MNIST lies in the autograder)."""
    return {"data": str(root / "source" / settings["data"])} if settings.get("data") else None


# -- Gradescope's metadata -------------------------------------------------------------------


def read_metadata(root):
    path = root / METADATA
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotGraded(f"cannot read Gradescope's {path.name} ({type(exc).__name__}: {exc}); "
                        f"{_ASK}") from None


def student_of(metadata):
    """``(student id, note)``: the uploader's id, or a group's ids sorted and joined by ``+``."""
    users = metadata.get("users") if isinstance(metadata, dict) else None
    if not isinstance(users, list) or not users:
        raise NotGraded(f"{METADATA} names no user, so the hidden inputs cannot be drawn; {_ASK}")
    ids = []
    for position, user in enumerate(users):
        if not isinstance(user, dict) or user.get("id") in (None, ""):
            raise NotGraded(f"{METADATA}: users[{position}] has no id; {_ASK}")
        ids.append(str(user["id"]))
    ids = sorted(set(ids))
    if len(ids) == 1:
        return ids[0], ""
    return "+".join(ids), (f"Graded as a group of {len(ids)}: the hidden inputs are drawn for the whole "
                           "group, the same whichever member uploads.")


def submitted_at(metadata):
    """Gradescope's ``created_at``, as given (an ISO time), or None."""
    return metadata.get("created_at") if isinstance(metadata, dict) else None


# -- which file is the submission ------------------------------------------------------------


def candidates(folder):
    """``(files, ignored)``: the ``.py`` and ``.ipynb`` files in ``folder``, and what else lies there.

    Hidden files and folders, ``__MACOSX`` and notebook checkpoints are passed
    over; so are symbolic links, which could point at the grader's own files, and
    whatever resolves outside ``folder`` (``grader.checking.submission.not_readable``).
    """
    from grader.checking.submission import not_readable

    found, ignored = [], []
    for top, folders, files in os.walk(folder):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in _SKIPPED_FOLDERS
                            and not not_readable(Path(top, f), folder))
        for name in sorted(files):
            path = Path(top, name)
            relative = path.relative_to(folder).as_posix()
            if name.startswith("."):
                continue
            why = not_readable(path, folder)
            if path.suffix in SUFFIXES and not why and path.is_file():
                found.append(path)
            else:
                ignored.append(relative + (f" ({why})" if why else ""))
    return found, ignored


def pick(folder, assignment):
    """``(path, notes)``: the one file to grade as ``assignment``; ``NotGraded`` where none or several."""
    folder = Path(folder)
    files, ignored = candidates(folder)
    expected = f"{assignment}.py or {assignment}.ipynb"
    names = [p.relative_to(folder).as_posix() for p in files]
    if not files:
        found = f" (found: {', '.join(ignored[:10])})" if ignored else " (the submission is empty)"
        raise NotGraded(f"no .py or .ipynb file was submitted{found}; submit {expected}")

    def stem(path):
        return path.stem.lower().replace("-", "_").replace(" ", "_")

    for tier in ([p for p in files if stem(p) == assignment], [p for p in files if assignment in stem(p)]):
        if len(tier) == 1:
            chosen = tier[0]
            notes = [] if len(files) == 1 else [
                f"Graded {chosen.relative_to(folder).as_posix()}, chosen by its name among the "
                f"{len(files)} files that could be the submission ({', '.join(names)}); "
                "the others were not graded."]
            return chosen, notes
        if len(tier) > 1:
            tied = ", ".join(p.relative_to(folder).as_posix() for p in tier)
            raise NotGraded(f"{len(tier)} files could be the submission, and their names do not tell which "
                            f"one to grade: {tied}; submit only one, {expected}")
    if len(files) == 1:
        return files[0], [f"Graded {names[0]} as {assignment}: it is the only .py or .ipynb file submitted "
                          f"(its name differs from {expected}, which costs nothing)."]
    raise NotGraded(f"{len(files)} files could be the submission and none is named after the assignment: "
                    f"{', '.join(names)}; submit only one, {expected}")


# -- grading and results.json -----------------------------------------------------------------


def grade(root, settings):
    """Grade the submission in ``root``; returns the ``Report``."""
    from grader.checking.grading import grade_file

    metadata = read_metadata(root)
    student, group_note = student_of(metadata)
    path, notes = pick(root / "submission", settings["assignment"])
    print(f"Grading {path} as {settings['assignment']} for student {student}", flush=True)
    report = grade_file(path, assignment=settings["assignment"], student=student, hidden=True,
                        submitted_at=submitted_at(metadata), submitted_from="Gradescope's submission metadata",
                        options=grading_options(settings, root), require_confinement=True)
    report.notes[:0] = notes + ([group_note] if group_note else [])
    return report


def not_graded(reason, *, max_score=None, started=None):
    """results.json for a submission that was not graded: 0 points, and why."""
    data = {"score": 0.0, "output": f"Not graded: {reason}", "output_format": "text",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
            "extra_data": {"not_graded": reason}}
    if max_score is not None:
        data["max_score"] = max_score
    if started is not None:
        data["execution_time"] = round(time.monotonic() - started, 3)
    return data


def _max_score(settings):
    try:
        from grader.checking import catalog
        return catalog.get_assignment(settings["assignment"]).spec.max_score
    except Exception:  # the reason at hand is already being reported
        return None


def run(*, root=None):
    """Grade the submission under ``root`` and write its results.json; returns what was written."""
    from grader.errors import GradeError
    from grader.verbs.grade_one import write_atomically

    started = time.monotonic()
    root = root_folder(root)
    settings = None
    try:
        settings = load_settings(root)
        report = grade(root, settings)
        print(report.render_text(), flush=True)
        data = report.to_gradescope()
    except NotGraded as exc:
        print(f"Not graded: {exc}", flush=True)
        data = not_graded(str(exc), max_score=settings and _max_score(settings), started=started)
    except (GradeError, Stopped) as exc:
        message = str(exc)
        print(f"The autograder could not grade: {message}", flush=True)
        data = not_graded(f"the autograder could not grade this submission: {message}. {_ASK}",
                          max_score=settings and _max_score(settings), started=started)
    except Exception as exc:  # a bug or a broken setup: the student still gets a results.json that says so
        traceback.print_exc(file=sys.stdout)
        data = not_graded(f"the autograder failed (internal error: {type(exc).__name__}: {exc}). {_ASK}",
                          max_score=settings and _max_score(settings), started=started)
    write_atomically(root / "results" / "results.json", json.dumps(data, indent=2) + "\n")
    return data


def check_setup(*, root=None):
    """What ``setup.sh`` runs last: everything a grading needs but a submission; raises on a problem."""
    from grader.checking import catalog
    from grader.sandbox import confinement
    root = root_folder(root)
    settings = load_settings(root)
    assignment = catalog.get_assignment(settings["assignment"])
    assignment.reference()
    assignment.prepare(grading_options(settings, root))
    why = confinement.missing()
    print(f"{assignment.name}: {assignment.spec.max_score:g} points, reference installed, data ready; "
          + (f"confinement: NOT AVAILABLE HERE ({why}); run_autograder refuses to grade unconfined"
             if why else "confinement available"), flush=True)


def _stop(signum, frame):
    raise Stopped("Gradescope stopped the autograder before it finished (most likely its time limit)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grader.classroom.gradescope", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", help=f"the autograder's folder (default: ${ROOT_VARIABLE}, else {DEFAULT_ROOT})")
    parser.add_argument("--check-setup", action="store_true", help="check the setup, grade nothing")
    args = parser.parse_args(argv)
    if args.check_setup:
        try:
            check_setup(root=args.root)
        except Exception as exc:
            print(f"setup check failed: {type(exc).__name__}: {getattr(exc, 'message', exc)}", file=sys.stderr)
            return 1
        return 0
    signal.signal(signal.SIGTERM, _stop)
    try:
        run(root=args.root)
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
