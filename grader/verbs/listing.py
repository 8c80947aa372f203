"""`grade list`: the assignments this installation knows."""

from dataclasses import dataclass

from grader.checking import catalog


@dataclass(frozen=True)
class Entry:
    number: int
    name: str
    title: str
    max_score: float
    has_reference: bool
    deadline: object = None  # a grader.checking.deadlines.Deadline or None


def list_assignments():
    """One ``Entry`` per assignment, in the course's order."""
    return [Entry(a.spec.number, a.name, a.spec.title, a.spec.max_score, a.has_reference(),
                  a.spec.deadline)
            for a in catalog.all_assignments()]


def render(entries):
    """A plain-text table of ``entries``."""
    if not entries:
        return "No assignments are installed."
    header = ("#", "name", "title", "points", "reference", "deadline")
    rows = [(f"{e.number:02d}", e.name, e.title, f"{e.max_score:g}",
             "installed" if e.has_reference else "not installed",
             e.deadline.due.isoformat(sep=" ", timespec="minutes") if e.deadline else "-")
            for e in entries]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    right = {0, 3}

    def line(row):
        cells = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), *map(line, rows)])
