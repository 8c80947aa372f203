"""The exceptions that are verdicts on a submission: each costs the check that was running.

``CheckFailure`` is raised by a check that judged a result wrong;
``SubmissionFailure`` and its kinds by the sandbox when the submission's code
failed (raised, was missing, did not import, ran out of time, died);
``WireError`` by the wire protocol when what came back cannot be read. None
of them is the grader's fault, and none reaches the CLI: ``grade_source``
turns each into the check's message.
"""


class CheckFailure(Exception):
    """A check's verdict: the submission does not do what the contract says."""


class SubmissionFailure(Exception):
    """The submission's code failed the current check; ``str()`` is the message.

    ``quiet`` is the message without the words the submission chose (an exception's own text),
    for checks on inputs drawn for the student, where those words could carry an input.
    """

    def __init__(self, message, quiet=None):
        super().__init__(message)
        self.quiet = message if quiet is None else quiet


class NotImplementedYet(SubmissionFailure):
    """It raises NotImplementedError: the stub's body is still there."""


class MissingName(SubmissionFailure):
    """It does not define a name of the contract."""


class ImportFailed(SubmissionFailure):
    """Importing it failed, so no check can run."""


class WireError(Exception):
    """A frame that is malformed, too large, or cut short."""
