"""The one family of errors that reach a person using the command line."""

import click


class GradeError(click.ClickException):
    """The command could not grade: bad arguments, unreadable file, unknown assignment.

    Exits with status 2, the CLI contract's "could not grade".
    """

    exit_code = 2
