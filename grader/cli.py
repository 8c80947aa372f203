"""The `grade` command line: parses, calls a verb, prints. Logic lives in grader.verbs."""

import sys
import traceback

import click

from .errors import GradeError
from .seeds import DEFAULT_STUDENT


class _Group(click.Group):
    """Turns unexpected exceptions into one line, with the traceback only under -v."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as exc:
            if ctx.obj and ctx.obj.get("verbose"):
                traceback.print_exc()
            raise GradeError(f"internal error: {type(exc).__name__}: {exc}"
                             + ("" if ctx.obj and ctx.obj.get("verbose") else " (run with -v for the traceback)"))


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def main(ctx, verbose):
    """Grade assignments of the course from gradient descent to deep networks."""
    ctx.obj = {"verbose": verbose}


def _finish(report):
    click.echo(report.render_text())
    sys.exit(0 if report.passed else 1)


_file = click.argument("file", type=click.Path(path_type=str))
_assignment = click.option("--assignment", "-a", metavar="NAME", help="Assignment (default: from the file name).")
_json = click.option("--json", "json_path", metavar="PATH", help="Also write Gradescope's results.json here.")
_html = click.option("--html", "html_path", metavar="PATH", help="Also write the feedback page (HTML) here.")
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
    from .verbs.grade_one import check
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
@click.pass_obj
def submit_command(obj, file, assignment, student, json_path, html_path, submitted_at, gradebook, data):
    """Grade FILE with public and hidden checks: the official grade."""
    from .verbs.grade_one import submit
    _finish(submit(file=file, assignment=assignment, student=student, json_path=json_path,
                   verbose=obj["verbose"], submitted_at=submitted_at, html_path=html_path,
                   gradebook=gradebook, options=_options(data), on_event=_progress))


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
@_data
def batch_command(directory, assignment, workers, scheduler, gradebook, out, regrade, quiet, data):
    """Grade every submission in DIR (DIR/<student>/FILE, or DIR/<student>.py with --assignment).

    Each grade is committed to the gradebook as it finishes; run the same command again to
    resume. Exit status: 0 every submission graded, 1 some failed to grade or an entry of DIR
    is not a submission (both listed), 2 the batch could not run.
    """
    from .verbs.batch import batch
    summary = batch(directory=directory, assignment=assignment, workers=workers, scheduler=scheduler,
                    gradebook=gradebook, out=out, regrade=regrade, progress=not quiet, options=_options(data))
    click.echo(summary.render())
    sys.exit(summary.exit_code)


@main.command("export")
@click.option("--gradebook", metavar="PATH", default="gradebook.sqlite", show_default=True,
              help="The gradebook to read.")
@click.option("--format", "format_", required=True, type=click.Choice(["csv", "gradescope", "markdown"]),
              help="csv: a row per student; gradescope: a results.json per student; markdown: feedback files.")
@click.option("--out", metavar="PATH", help="CSV file (default: standard output), or folder "
              "(default: ./gradescope or ./feedback).")
@click.option("--assignment", "-a", metavar="NAME", help="Only this assignment.")
def export_command(gradebook, format_, out, assignment):
    """Export the grades that count (each student's latest file) from the gradebook."""
    from .verbs.export import export
    text, paths = export(gradebook=gradebook, format=format_, out=out, assignment=assignment)
    if text is not None:
        click.echo(text, nl=False)
    else:
        click.echo(f"Wrote {len(paths)} file{'s' if len(paths) != 1 else ''}"
                   + (f" under {out}" if out else ""), err=True)


@main.command("list")
def list_command():
    """List the assignments: number, title, points, whether the reference is installed."""
    from .verbs.listing import list_assignments, render
    click.echo(render(list_assignments()))


@main.command("start")
@click.argument("name")
@click.argument("directory", required=False, type=click.Path(path_type=str))
@click.option("--notebook", is_flag=True, help="Write NAME.ipynb, one cell per function, instead of NAME.py.")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def start_command(name, directory, notebook, force):
    """Write assignment NAME's stub to DIRECTORY (default: here), ready to fill in."""
    from .verbs.start import start
    path = start(name=name, directory=directory, notebook=notebook, force=force)
    click.echo(f"Wrote {path}. Fill in the functions, then check your work with: grade check {path.name}")


@main.command("release")
@click.argument("out", type=click.Path(path_type=str))
def release_command(out):
    """Write the student bundle to OUT: no reference, no hidden expected data, no secret."""
    from .verbs.release import release
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
    from .verbs.new import new
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
    from .verbs.lint import lint
    report = lint(name=name, run=not static)
    click.echo(report.render())
    sys.exit(0 if report.passed else 1)


if __name__ == "__main__":
    main()
