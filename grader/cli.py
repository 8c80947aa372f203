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


@main.command("check")
@_file
@_assignment
@_json
@click.pass_obj
def check_command(obj, file, assignment, json_path):
    """Run the public checks on FILE (a .py or .ipynb): a self-check."""
    from .verbs.grade_one import check
    _finish(check(file=file, assignment=assignment, json_path=json_path, verbose=obj["verbose"]))


@main.command("submit")
@_file
@_assignment
@click.option("--student", default=DEFAULT_STUDENT, show_default=True, help="Student id (seeds hidden inputs).")
@_json
@click.pass_obj
def submit_command(obj, file, assignment, student, json_path):
    """Grade FILE with public and hidden checks: the official grade."""
    from .verbs.grade_one import submit
    _finish(submit(file=file, assignment=assignment, student=student, json_path=json_path,
                   verbose=obj["verbose"]))
if __name__ == "__main__":
    main()
