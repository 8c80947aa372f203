"""The package's name on the package index and its installed version.

The command is ``grade``; the distribution is ``mlcourse-grade``, because the
index already has an unrelated package called ``grade``. Every install hint
names the distribution (``pip install "mlcourse-grade[plots]"``).
"""

DISTRIBUTION = "mlcourse-grade"


def package_version():
    """The installed version of the distribution; ``0+unknown`` where it is not installed."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"


def install_hint(extra):
    """How to add an optional extra to an installed grader, as a shell command."""
    return f'pip install "{DISTRIBUTION}[{extra}]"'
