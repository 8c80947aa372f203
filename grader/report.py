"""The outcome of grading one submission, for a terminal or for Gradescope."""

from dataclasses import dataclass, field

POINTS_DECIMALS = 2


def round_points(points):
    """Points are kept to two decimals everywhere: reports, JSON, gradebook."""
    return round(float(points) + 0.0, POINTS_DECIMALS)


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
    output: str = ""
    execution_time: float = 0.0
    student_seconds: float = 0.0
    lateness: object = None  # a grader.deadlines.Lateness where a deadline was applied
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

    def to_gradescope(self):
        output = "\n".join(([self.late_note] if self.late_note else []) + list(self.notes))
        if self.output:
            output += ("\n\n" if output else "") + "What the submission printed:\n" + self.output
        return {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "output": output,
            "tests": [{
                "name": r.title + (" [hidden]" if r.hidden else ""),
                "score": r.score,
                "max_score": r.max_score,
                "status": r.status,
                "output": r.message,
                "visibility": r.visibility,
                "tags": list(r.tags),
            } for r in self.results],
        } | ({"extra_data": {"late": self.lateness.to_dict(self.penalty)}} if self.lateness else {})

    def render_text(self, *, output_chars=2000):
        lines = [f"{self.assignment}: {self.submission}"
                 + (f" (student {self.student})" if self.student else "")]
        width = max((len(f"{r.max_score:g}") for r in self.results), default=1)
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            kind = " [hidden]" if r.hidden else ""
            lines.append(f"  {mark}  {r.score:>{width + 3}.2f} / {r.max_score:<{width + 3}.2f} {r.title}{kind}")
            if r.message:
                lines.extend(f"          {line}" for line in r.message.splitlines())
        if self.notes:
            lines.append("Notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        if self.output:
            shown = self.output[:output_chars]
            more = len(self.output) - len(shown)
            lines.append("What the submission printed:")
            lines.extend(f"  | {line}" for line in shown.splitlines())
            if more > 0:
                lines.append(f"  | [... {more} more characters]")
        if self.lateness is not None:
            lines.append(self.late_note)
        lines.append(f"Total: {self.score:.2f} / {self.max_score:.2f}"
                     + (f" ({self.raw_score:.2f} before the late penalty)" if self.penalty else ""))
        if self.hidden_points:
            lines.append(f"This total covers the public checks only: at submission, hidden checks on inputs drawn "
                         f"for you add {self.hidden_points:g} points, out of "
                         f"{round_points(self.max_score + self.hidden_points):g}.")
        return "\n".join(lines)
