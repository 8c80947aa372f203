"""What of a class folder the grader reads: its own files and folders, never a link out of it.

A class folder is unpacked from students' uploads, and an archive can hold
symbolic links: one would have the grader read, grade and show any file it
can reach (the installed reference's, a classmate's) as the student's work.
`grade batch`, `grade similar` and the Gradescope runner read no symbolic
link, to a file or a folder, and no path that resolves outside the folder,
and say so.
"""

from pathlib import Path

SYMLINK = "a symbolic link"
OUTSIDE = "a path that resolves outside the folder"


def not_readable(path, folder):
    """Why ``path``, an entry of ``folder``, is not read (``SYMLINK``, ``OUTSIDE``); None where it is."""
    path = Path(path)
    if path.is_symlink():
        return SYMLINK
    if not path.resolve().is_relative_to(Path(folder).resolve()):
        return OUTSIDE
    return None
