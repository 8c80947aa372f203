"""``python -m grader``: the same command line as ``grade``, from any interpreter that has the package."""

from grader.cli import main

main(prog_name="grade")
