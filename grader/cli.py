"""The `grade` command line: parses, calls a verb, prints. Logic lives in grader.verbs."""

import sys
import traceback

import click

from grader.errors import GradeError
from grader.checking.seeds import DEFAULT_STUDENT
from grader.reporting.inert import terminal_text
from grader.version import DISTRIBUTION, package_version


class _UserError(click.ClickException):
    exit_code = GradeError.exit_code


class _Group(click.Group):
    """The CLI edge: a ``GradeError`` becomes click's ``Error: ...`` with exit status 2; anything
    unexpected becomes one line, with the traceback only under -v."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except GradeError as exc:
            raise _UserError(terminal_text(exc)) from None
        except Exception as exc:
            if ctx.obj and ctx.obj.get("verbose"):
                traceback.print_exc()
            raise _UserError(f"internal error: {type(exc).__name__}: {terminal_text(exc)}"
                             + ("" if ctx.obj and ctx.obj.get("verbose") else " (run with -v for the traceback)"))


def _print_version(ctx, _param, value):
    """``grade --version``; the installed version is looked up only when asked for."""
    if value and not ctx.resilient_parsing:
        click.echo(f"grade {package_version()} ({DISTRIBUTION})")
        ctx.exit()


@click.group(cls=_Group)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def main(ctx, verbose):
    """Grade assignments of the course from gradient descent to deep networks."""
    ctx.obj = {"verbose": verbose}


def _echo(text, **kwargs):
    """Print what a verb rendered: a name or a message a submission chose cannot drive the terminal."""
    click.echo(terminal_text(text), **kwargs)


def _finish(report, official=False):
    _echo(report.render_text())
    if official:  # a student's self-check runs their own code on their own machine
        _warn_unconfined([report])
    _warn_practice([report])
    sys.exit(0 if report.passed else 1)


def _warn_unconfined(reports):
    unconfined = sorted({r.confinement for r in reports if r.unconfined})
    for description in unconfined:
        click.echo(f"warning: the submission's code ran unconfined ({description}): it could read "
                   "this user's files, reach the network and signal other processes; "
                   "--require-confinement refuses to grade so", err=True)


def _warn_practice(reports):
    count = sum(r.practice for r in reports)
    if count:
        click.echo(f"warning: {'the hidden checks' if len(reports) == 1 else f'{count} gradings'} drew their "
                   "inputs from the practice secret, which every copy of the grader knows; set GRADE_SECRET "
                   "to the course secret to grade a class", err=True)


_file = click.argument("file", type=click.Path(path_type=str))
_assignment = click.option("--assignment", "-a", metavar="NAME", help="Assignment (default: from the file name).")
_json = click.option("--json", "json_path", metavar="PATH", help="Also write Gradescope's results.json here.")
_html = click.option("--html", "html_path", metavar="PATH", help="Also write the feedback page (HTML) here.")
_require = click.option("--require-confinement", is_flag=True,
                        help="Refuse to grade (exit 2) where the submission would run unconfined.")
_data = click.option("--data", metavar="PATH", help="keras_mnist: MNIST as an mnist.npz, or a folder of the "
                     "four IDX .gz files (default: $GRADE_MNIST, then Keras's cache).")


def _options(data):
    return {"data": data} if data else None


def _progress(event):
    """Training progress, on a terminal only: runs take tens of seconds."""
    if sys.stderr.isatty() and "epoch" in event:
        loss, accuracy = event.get("loss"), event.get("accuracy")
        click.echo(f"  epoch {event['epoch']}/{event.get('epochs', '?')}"
                   + (f"  loss {loss:.4f}" if loss is not None else "")
                   + (f"  training accuracy {accuracy:.2%}" if accuracy is not None else "")
                   + f"  ({event.get('seconds', 0):.1f} s)", err=True)


@main.command("check")
@_file
@_assignment
@_json
@_html
@_data
@click.pass_obj
def check_command(obj, file, assignment, json_path, html_path, data):
    """Run the public checks on FILE (a .py or .ipynb): a self-check."""
    from grader.verbs.grade_one import check
    _finish(check(file=file, assignment=assignment, json_path=json_path, verbose=obj["verbose"],
                  html_path=html_path, options=_options(data), on_event=_progress))


@main.command("submit")
@_file
@_assignment
@click.option("--student", default=DEFAULT_STUDENT, show_default=True, help="Student id (seeds hidden inputs).")
@_json
@_html
@click.option("--submitted-at", metavar="ISO", help="When FILE was handed in, for the deadline "
              "(default: Gradescope's submission metadata, else the file's modification time; "
              "a time without offset is local).")
@click.option("--gradebook", metavar="PATH", help="Also record the graded submission in this gradebook.")
@_data
@_require
@click.pass_obj
def submit_command(obj, file, assignment, student, json_path, html_path, submitted_at, gradebook, data,
                   require_confinement):
    """Grade FILE with public and hidden checks: the official grade."""
    from grader.verbs.grade_one import submit
    report = submit(file=file, assignment=assignment, student=student, json_path=json_path,
                    verbose=obj["verbose"], submitted_at=submitted_at, html_path=html_path,
                    gradebook=gradebook, options=_options(data), on_event=_progress,
                    require_confinement=require_confinement)
    _finish(report, official=True)


@main.command("batch")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=str))
@click.option("--assignment", "-a", metavar="NAME",
              help="Assignment of every submission (default: from each file's name).")
@click.option("--workers", "-j", type=int, metavar="N", help="Local worker processes (default: one per core).")
@click.option("--scheduler", metavar="ADDRESS", help="Grade on this running Dask cluster instead.")
@click.option("--gradebook", metavar="PATH", default="gradebook.sqlite", show_default=True,
              help="The SQLite gradebook to record grades in.")
@click.option("--out", metavar="DIR", help="Also write each student's results.json, feedback.md and feedback.html here.")
@click.option("--regrade", is_flag=True, help="Grade again what this grader version already graded.")
@click.option("--quiet", "-q", is_flag=True, help="No progress line.")
@click.option("--times", metavar="CSV", help="Submission times from the LMS, which deadlines go by instead of "
              "the files' modification times: columns student and submitted_at (ISO 8601).")
@_data
@_require
def batch_command(directory, assignment, workers, scheduler, gradebook, out, regrade, quiet, data,
                  require_confinement, times):
    """Grade every submission in DIR (DIR/<student>/FILE, or DIR/<student>.py with --assignment).

    Each grade is committed to the gradebook as it finishes; run the same command again to
    resume. Exit status: 0 every submission graded, 1 some failed to grade or an entry of DIR
    is not a submission (both listed), 2 the batch could not run.
    """
    from grader.verbs.batch import batch
    summary = batch(directory=directory, assignment=assignment, workers=workers, scheduler=scheduler,
                    gradebook=gradebook, out=out, regrade=regrade, progress=not quiet, options=_options(data),
                    require_confinement=require_confinement, times=times)
    _echo(summary.render())
    _warn_unconfined([g.report for g in summary.current if g.report is not None])
    _warn_practice([g.report for g in summary.current if g.report is not None])
    sys.exit(summary.exit_code)


@main.command("export")
@click.option("--gradebook", metavar="PATH", default="gradebook.sqlite", show_default=True,
              help="The gradebook to read.")
@click.option("--format", "format_", required=True,
              type=click.Choice(["csv", "gradescope", "markdown", "canvas", "moodle"]),
              help="csv: a row per student; gradescope: a results.json per student; markdown: feedback files; "
              "canvas, moodle: one assignment's grades for that LMS's gradebook import.")
@click.option("--out", metavar="PATH", help="CSV file (default: standard output), or folder "
              "(default: ./gradescope or ./feedback).")
@click.option("--assignment", "-a", metavar="NAME", help="Only this assignment.")
@click.option("--roster", metavar="CSV", help="canvas: the gradebook CSV Canvas exports, to map student ids.")
@click.option("--id-column", metavar="NAME", help="canvas: the roster column holding the student ids "
              "(default: SIS Login ID); moodle: the id column's name (default: Username).")
@click.option("--column", metavar="NAME", help="canvas, moodle: the assignment column's name (default: the "
              "assignment's title, or the roster's column of that title).")
def export_command(gradebook, format_, out, assignment, roster, id_column, column):
    """Export the grades that count (each student's latest file) from the gradebook."""
    from grader.verbs.export import export
    left_out = []

    def warn(line):
        left_out.append(line)
        _echo(line, err=True)

    text, paths = export(gradebook=gradebook, format=format_, out=out, assignment=assignment, roster=roster,
                         id_column=id_column, column=column, warn=warn)
    if text is not None:
        _echo(text, nl=False)
    else:
        click.echo(f"Wrote {len(paths)} file{'s' if len(paths) != 1 else ''}"
                   + (f" under {out}" if out else ""), err=True)
    sys.exit(1 if left_out else 0)


@main.command("similar")
@click.argument("directory", metavar="[DIR]", required=False, type=click.Path(path_type=str))
@click.option("--gradebook", metavar="PATH", help="Compare each student's file that counts in this gradebook instead.")
@click.option("--assignment", "-a", metavar="NAME", help="The assignment (needed where DIR holds several).")
@click.option("--out", metavar="PATH", help="Also write an HTML page of the top pairs side by side here.")
@click.option("--json", "json_path", metavar="PATH", help="Also write every pair as JSON here, highest first.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Pairs to show, in the table and on the page.")
@click.option("--threshold", type=float, metavar="SCORE", help="Score from which a pair is worth a look "
              "(default: the calibrated one, see the README).")
def similar_command(directory, gradebook, assignment, out, json_path, top, threshold):
    """Rank every pair of one assignment's submissions by how alike their code is.

    Exit status: 0 no pair at or above the threshold and every submission compared,
    1 otherwise, 2 it could not run.
    """
    from grader.verbs.similar import THRESHOLD, similar
    report = similar(directory=directory, gradebook=gradebook, assignment=assignment, out=out,
                     json_path=json_path, top=top, threshold=THRESHOLD if threshold is None else threshold)
    _echo(report.render(top=top))
    sys.exit(report.exit_code)


@main.command("list")
def list_command():
    """List the assignments: number, title, points, whether the reference is installed."""
    from grader.verbs.listing import list_assignments, render
    click.echo(render(list_assignments()))


@main.command("start")
@click.argument("name")
@click.argument("directory", required=False, type=click.Path(path_type=str))
@click.option("--notebook", is_flag=True, help="Write NAME.ipynb, one cell per function, instead of NAME.py.")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def start_command(name, directory, notebook, force):
    """Write assignment NAME's stub to DIRECTORY (default: here), ready to fill in."""
    from grader.verbs.start import start
    path = start(name=name, directory=directory, notebook=notebook, force=force)
    click.echo(f"Wrote {path}. Fill in the functions, then check your work with: grade check {path.name}")


@main.command("autograder")
@click.argument("name")
@click.option("--out", required=True, metavar="ZIP", help="The zip to write, to upload to Gradescope.")
@click.option("--practice", is_flag=True, help="Build even without GRADE_SECRET, with the practice secret "
              "(to try the autograder out: every copy of the grader can draw its hidden inputs).")
@click.option("--data", metavar="PATH", help="keras_mnist: MNIST to put in the zip, as for `grade check` "
              "(default: setup.sh downloads it with Keras).")
def autograder_command(name, out, practice, data):
    """Write Gradescope's autograder zip for assignment NAME: setup.sh, run_autograder, the grader."""
    from grader.verbs.autograder import autograder
    click.echo(autograder(name=name, out=out, practice=practice, data=data).describe())


@main.command("release")
@click.argument("out", type=click.Path(path_type=str))
def release_command(out):
    """Write the student bundle to OUT: no reference, no hidden expected data, no secret."""
    from grader.verbs.release import release
    bundle = release(out=out)
    click.echo(f"Wrote the student bundle to {bundle.path}: {len(bundle.files)} files, "
               f"assignments {', '.join(bundle.assignments)}; checked: no reference code, "
               "no hidden expected data, no course secret.")
@main.command("new")
@click.argument("name")
@click.option("--number", type=int, help="Its number in the course (default: the next one).")
@click.option("--title", help="Its title (default: the name in words).")
def new_command(name, number, title):
    """Scaffold assignment NAME: statement, stub, spec, checks, fixtures, reference and tests that pass."""
    from grader.verbs.new import new
    scaffold = new(name=name, number=number, title=title)
    click.echo(f"Wrote assignment {scaffold.number:02d} {scaffold.name} in {scaffold.project}:\n"
               + "\n".join(f"  {path}" for path in scaffold.files)
               + "\nNext: assignments/README.md, 'Adding an assignment'; then grade lint " + scaffold.name)


@main.command("lint")
@click.argument("name")
@click.option("--static", is_flag=True, help="Compare the files only: do not grade the reference and the stub.")
def lint_command(name, static):
    """Say what disagrees among assignment NAME's spec, checks, fixtures, stub and reference.

    Exit status: 0 they agree, 1 something disagrees (listed), 2 NAME is unknown.
    """
    from grader.verbs.lint import lint
    report = lint(name=name, run=not static)
    click.echo(report.render())
    sys.exit(0 if report.passed else 1)


if __name__ == "__main__":
    main()
