"""Limits that hold for a sandbox as a whole: memory and CPU summed over all its processes, and the
scratch folder's size where no sized file system holds it.

Per-process limits (``setrlimit``) let a submission multiply what it may use by forking. The parent
looks at the sandbox's processes (the child's tree and the orphans adopted by its subreapers, as
``grader.sandbox.reaper`` finds them) between the slices of every wait for the child, and stops the
child once they use more than the limits together. Memory is the proportional set size (a page
shared by N processes, as a fork shares its parent's, counts 1/N in each), resident memory where
the kernel has no ``smaps_rollup``. A scratch folder on its own tmpfs (as root) is sized
by the kernel; elsewhere the parent counts its files and bytes, every ``_SCRATCH_SECONDS``.
"""

import os
import time

from grader.sandbox import reaper

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_SCRATCH_SECONDS = 0.5


class OverLimit(Exception):
    """The sandbox uses more than a limit allows; the message says how much, in how many processes."""


class Watchdog:
    def __init__(self, root, limits, scratch, adopters):
        self.root, self.limits, self.scratch, self.adopters = root, limits, scratch, tuple(adopters)
        self.scratch_mounted = False
        self.next_scratch = 0.0

    def over(self):
        """Why the sandbox is over a limit, in words; "" while it is within them all."""
        pids = reaper.members([self.root], self.adopters)
        resident, cpu = 0, 0.0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            cpu += sum(int(f) for f in fields[11:15]) / _TICKS  # utime, stime, cutime, cstime
            resident += _proportional(pid, int(fields[21]) * _PAGE)
        count = f"{len(pids)} process{'es' if len(pids) != 1 else ''}"
        limit = self.limits.memory_mb << 20
        if resident > limit:
            return f"used {_size(resident)} of memory in {count}; the limit is {_size(limit)}"
        if cpu > self.limits.cpu_seconds + 5:  # the per-process soft limit would have signalled by then
            return f"used {cpu:.0f} s of CPU in {count}; the limit is {self.limits.cpu_seconds} s"
        if not self.scratch_mounted and time.monotonic() >= self.next_scratch:
            self.next_scratch = time.monotonic() + _SCRATCH_SECONDS
            return self._scratch_over()
        return ""

    def _scratch_over(self):
        files, size = 0, 0
        for folder, folders, names in os.walk(self.scratch):
            files += len(names) + len(folders)
            for name in names:
                try:
                    size += os.lstat(os.path.join(folder, name)).st_size
                except OSError:
                    continue
            if files > self.limits.scratch_files:
                return f"wrote more than {self.limits.scratch_files} files; the limit is {self.limits.scratch_files}"
        if size > self.limits.scratch_mb << 20:
            return f"wrote {_size(size)} of files; the limit is {_size(self.limits.scratch_mb << 20)}"
        return ""


def _proportional(pid, resident):
    """The process's proportional set size in bytes; ``resident`` where it cannot be read."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) << 10
    except (OSError, ValueError, IndexError):
        pass
    return resident


def _size(n):
    """``2.3 GB``, ``512 MB``: as a person reads a limit."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB".replace(".0 GB", " GB")
    return f"{n / (1 << 20):.0f} MB"
