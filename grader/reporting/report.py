"""The outcome of grading one submission, for a terminal or for Gradescope."""

from dataclasses import dataclass, field

from grader.reporting.inert import terminal_line, terminal_text

POINTS_DECIMALS = 2
WITHHELD_NOTE = ("What the submission prints during checks on inputs drawn for you is kept for your instructor, "
                 "not shown here; `grade check` shows what it prints on the public inputs.")
PRACTICE_WARNING = ("Warning: the hidden checks drew their inputs from the practice secret (GRADE_SECRET "
                    "was not set), which anyone who has the grader knows: not a grade for a class.")


def round_points(points):
    """Points are kept to two decimals everywhere: reports, JSON, gradebook."""
    return round(float(points) + 0.0, POINTS_DECIMALS)


def label(title, hidden):
    return title + (" [hidden]" if hidden else "")


def check_id(name, hidden):
    """``name.public`` or ``name.hidden``: one check of an assignment, as the gradebook keys it."""
    return f"{name}.{'hidden' if hidden else 'public'}"


@dataclass(frozen=True)
class CheckResult:
    name: str
    title: str
    score: float
    max_score: float
    message: str
    hidden: bool
    tags: tuple
    seconds: float = 0.0
    # Training curves the check recorded (``Context.record_curve``), for the feedback page:
    # name -> {"submission": [...], "reference": [...]}; public inputs only.
    curves: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def passed(self):
        return self.score >= self.max_score

    @property
    def label(self):
        """The title as reports show it: a hidden check's says so."""
        return label(self.title, self.hidden)

    @property
    def id(self):
        return check_id(self.name, self.hidden)

    @property
    def status(self):
        return "passed" if self.passed else "failed"

    @property
    def visibility(self):
        # Gradescope's "hidden" is for checks without points; hidden checks with points show after the due date.
        return "after_due_date" if self.hidden else "visible"


@dataclass
class Report:
    assignment: str
    submission: str
    student: str
    results: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    output: str = ""  # what the submission printed where no input drawn for the student could shape it
    withheld_output: str = ""  # what it printed during checks on drawn inputs: the instructor's only
    execution_time: float = 0.0
    student_seconds: float = 0.0
    lateness: object = None  # a grader.checking.deadlines.Lateness where a deadline was applied
    confinement: str = ""  # what confined the submission's process, in words ("none: why" where nothing)
    practice: bool = False  # hidden checks ran with the practice secret (grader.checking.seeds)
    leaderboard: list = field(default_factory=list)  # Gradescope leaderboard entries the checks recorded

    @property
    def unconfined(self):
        return self.confinement.startswith("none")
    hidden_points: float = 0.0  # points of hidden checks that did not run (``grade check``): submission adds them

    @property
    def raw_score(self):
        """The points the checks gave, before any late penalty."""
        return round_points(sum(r.score for r in self.results))

    @property
    def penalty(self):
        """Points taken off for lateness: a fraction of the max score, never more than the score."""
        if self.lateness is None:
            return 0.0
        return round_points(self.lateness.penalty(self.raw_score, self.max_score))

    @property
    def score(self):
        return round_points(max(0.0, self.raw_score - self.penalty))

    @property
    def late_note(self):
        """One line on the deadline, or "" where none was applied."""
        return self.lateness.describe(self.penalty) if self.lateness is not None else ""

    @property
    def max_score(self):
        return round_points(sum(r.max_score for r in self.results))

    @property
    def passed(self):
        return all(r.passed for r in self.results)

    @property
    def drawn(self):
        """Whether the checks ran on inputs drawn for the student (official grading)."""
        return any(r.hidden for r in self.results)

    @property
    def total_line(self):
        """The total, and the public and hidden checks' shares where there are hidden ones."""
        line = f"Total: {self.score:.2f} / {self.max_score:.2f}"
        if self.penalty:
            line += f" ({self.raw_score:.2f} before the late penalty)"
        hidden = [r for r in self.results if r.hidden]
        if hidden:
            public = [r for r in self.results if not r.hidden]
            line += (f"; public checks {sum(r.score for r in public):.2f} / {sum(r.max_score for r in public):.2f}, "
                     f"hidden checks {sum(r.score for r in hidden):.2f} / {sum(r.max_score for r in hidden):.2f}")
        return line

    def to_gradescope(self):
        """Gradescope's results.json: every text is plain text, never HTML that a submission could write.

        The total line in ``output`` shows the student the points of the
        hidden checks too, whose own entries (``after_due_date``) show after
        the due date; the grader's stdout is for the instructor only.
        """
        lines = [self.total_line] + ([PRACTICE_WARNING] if self.practice else [])
        lines += ([self.late_note] if self.late_note else []) + list(self.notes)
        output = "\n".join(lines)
        if self.output:
            output += "\n\nWhat the submission printed:\n" + self.output
        if self.drawn:
            output += "\n\n" + WITHHELD_NOTE
        data = {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "output": output,
            "output_format": "text",
            "test_output_format": "text",
            "test_name_format": "text",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": [{
                "name": r.label,
                "name_format": "text",
                "score": r.score,
                "max_score": r.max_score,
                "status": r.status,
                "output": r.message,
                "output_format": "text",
                "visibility": r.visibility,
                "tags": list(r.tags),
            } for r in self.results],
            "extra_data": ({"late": self.lateness.to_dict(self.penalty)} if self.lateness else {})
            | ({"confinement": self.confinement} if self.confinement else {})
            | ({"practice_secret": True} if self.practice else {}),
        }
        if self.leaderboard:
            data["leaderboard"] = [dict(entry) for entry in self.leaderboard]
        return data

    def render_text(self, *, output_chars=2000):
        """The report for a terminal: what the submission wrote shows as text (``grader.reporting.inert``)."""
        lines = [f"{self.assignment}: {terminal_line(self.submission)}"
                 + (f" (student {terminal_line(self.student)})" if self.student else "")]
        width = max((len(f"{r.max_score:g}") for r in self.results), default=1)
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"  {mark}  {r.score:>{width + 3}.2f} / {r.max_score:<{width + 3}.2f} {r.label}")
            if r.message:
                lines.extend(f"          {line}" for line in terminal_text(r.message).splitlines())
        if self.notes:
            lines.append("Notes:")
            lines.extend(f"  - {terminal_line(note)}" for note in self.notes)
        if self.output:
            shown = self.output[:output_chars]
            more = len(self.output) - len(shown)
            lines.append("What the submission printed:")
            lines.extend(f"  | {line}" for line in terminal_text(shown).splitlines())
            if more > 0:
                lines.append(f"  | [... {more} more characters]")
        if self.drawn:
            lines.append(WITHHELD_NOTE)
        if self.lateness is not None:
            lines.append(self.late_note)
        if self.confinement:
            lines.append(f"Confinement: {self.confinement}")
        if self.practice:
            lines.append(PRACTICE_WARNING)
        lines.append(self.total_line)
        if self.hidden_points:
            lines.append(f"This total covers the public checks only: at submission, hidden checks on inputs drawn "
                         f"for you add {self.hidden_points:g} points, out of "
                         f"{round_points(self.max_score + self.hidden_points):g}.")
        return "\n".join(lines)
