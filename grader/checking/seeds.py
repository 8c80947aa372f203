"""Reproducible seeds: hidden inputs differ per student and are the same every run.

The course secret comes from the environment variable ``GRADE_SECRET``; without
it, a documented default serves local use, and hidden inputs are then
guessable by anyone who has the grader, which is fine for practice only.
"""

import hashlib
import os

DEFAULT_SECRET = "local-practice-secret"
DEFAULT_STUDENT = "local"


def course_secret():
    return os.environ.get("GRADE_SECRET") or DEFAULT_SECRET


def practice_secret():
    """Whether hidden inputs come from the practice secret, the same in every copy of the grader."""
    return course_secret() == DEFAULT_SECRET


def derive_seed(*parts):
    """A 64-bit seed from strings, stable across runs and machines."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")
