"""The one family of errors that reach a person using the command line.

The engine raises them as plain exceptions; ``grader.cli`` turns them into
click's, which print ``Error: ...`` and exit with status 2.
"""


class GradeError(Exception):
    """The command could not grade: bad arguments, unreadable file, unknown assignment.

    ``str()`` is the message for the person; the CLI exits with status 2, the
    contract's "could not grade".
    """

    exit_code = 2

    @property
    def message(self):
        return str(self)
