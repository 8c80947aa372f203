"""An instructor's path: assignments/README.md, "Adding an assignment", followed word for word.

The guide's steps run in a copy of the project, seen by a Python of its own
(so that the sandbox's child, too, imports the copy): each ```bash line is run
and must exit as its comment says; each other block whose first line names a
file is written there. The result: an assignment that `grade lint` accepts,
whose reference scores full marks and whose stub scores 0. Also: what `grade
new` refuses.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

PROJECT = Path(__file__).resolve().parent.parent
GUIDE = PROJECT / "assignments" / "README.md"
NAME = "mse_demo"
OURS = {"grader", "assignments", "reference"}
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)
_FILE = re.compile(r"^(?:# |<!-- )(\S+)(?: -->)?$")


def guide_steps():
    """``[(title, [("run", command, exit status) or ("write", path, text)])]`` of the guide's section."""
    section = GUIDE.read_text(encoding="utf-8").split("\n## Adding an assignment\n", 1)[1].split("\n## ", 1)[0]
    steps = []
    for part in re.split(r"^### ", section, flags=re.M)[1:]:
        title, body = part.split("\n", 1)
        items = []
        for language, text in _BLOCK.findall(body):
            text = text.replace("NAME", NAME)
            if language == "bash":
                for line in filter(str.strip, text.splitlines()):
                    command, status = line.split("# exit ")
                    items.append(("run", command.strip(), int(status)))
            else:
                first, rest = text.split("\n", 1)
                items.append(("write", _FILE.match(first).group(1), text))
        steps.append((title, items))
    return steps


def python_seeing(project, home):
    """A Python that imports ``project`` (and this environment's third-party packages), not this
    checkout: the sandbox's child, started with ``-I``, sees the same."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home / "venv")], check=True)
    python = home / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    deps = home / "deps"
    deps.mkdir()
    for folder in {Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()}:
        for entry in folder.iterdir():
            name = entry.name
            if name in OURS or name.startswith(("grade-", "grade.", "__editable__")) or name.endswith(".pth") \
                    or (deps / name).exists():
                continue
            (deps / name).symlink_to(entry)
    (site / "project.pth").write_text(f"{deps}\n{project}\n")
    return python


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """A copy of the project (package, assignments, references, the tests' shared helpers) and its Python."""
    root = tmp_path_factory.mktemp("authoring")
    project = root / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("grader", "assignments", "reference"):
        shutil.copytree(PROJECT / folder, project / folder, ignore=ignore)
    shutil.copy(PROJECT / "pyproject.toml", project)
    (project / "tests").mkdir()
    for helper in ("conftest.py", "bugs.py"):
        shutil.copy(PROJECT / "tests" / helper, project / "tests")
    return project, python_seeing(project, root)


def run(copy, command):
    """Run a command of the guide in the copy: ``grade ...`` and ``python ...``, with its Python."""
    project, python = copy
    words = shlex.split(command)
    if words[0] == "grade":
        words = [str(python), "-c", "from grader.cli import main; main(prog_name='grade')", *words[1:]]
    elif words[0] == "python":
        words = [str(python), *words[1:]]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADE_SECRET")}
    return subprocess.run(words, cwd=project, env=env, capture_output=True, text=True, timeout=600)


def test_the_guide_has_ten_steps_from_scaffold_to_mutants():
    titles = [title for title, _ in guide_steps()]
    assert [t.split(".")[0] for t in titles] == [str(n) for n in range(1, 11)]
    commands = [item[1] for _, items in guide_steps() for item in items if item[0] == "run"]
    assert commands[0].startswith(f"grade new {NAME}")
    assert f"grade lint {NAME}" in commands and f"python -m grader.checking.fixtures {NAME}" in commands
    assert commands[-2:] == [f"grade submit reference/{NAME}.py --assignment {NAME}",
                             f"grade submit assignments/{NAME}/stub.py --assignment {NAME}"]


def test_following_the_guide_word_for_word_gives_an_assignment_lint_accepts_scoring_full_marks_and_zero(copy):
    project, _ = copy
    outputs = {}
    for title, items in guide_steps():
        for kind, what, detail in items:
            if kind == "write":
                path = project / what
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(detail, encoding="utf-8")
                continue
            done = run(copy, what)
            assert done.returncode == detail, f"step {title}: {what}\n{done.stdout}\n{done.stderr}"
            outputs[what] = done.stdout
    assert f"{NAME}: spec, checks, fixtures, stub and reference agree" in outputs[f"grade lint {NAME}"]
    reference = outputs[f"grade submit reference/{NAME}.py --assignment {NAME}"]
    stub = outputs[f"grade submit assignments/{NAME}/stub.py --assignment {NAME}"]
    assert "Total: 7.00 / 7.00" in reference
    assert "Total: 0.00 / 7.00" in stub and "PASS" not in stub
    assert stub.count("not implemented yet") == 7  # one line per check, public and hidden
    listing = run(copy, "grade list").stdout
    assert re.search(rf"^07  {NAME} +Mean squared error +7  installed", listing, re.M), listing


def test_lint_exits_1_and_lists_what_disagrees(copy):
    project, _ = copy
    name = "lint_demo"
    assert run(copy, f"grade new {name}").returncode == 0
    folder = project / "assignments" / name
    spec = folder / "spec.toml"
    spec.write_text(spec.read_text().replace("[checks.scale]\npublic = 1", "[checks.scale]\npublic = 1\nbonus = 2")
                    + "\n[checks.forgotten]\npublic = 1\n", encoding="utf-8")
    checks = folder / "checks.py"
    checks.write_text(checks.read_text().replace('tags=["scale"])\ndef scale', 'tags=["scale", "rescale"])\ndef scale')
                      .replace('ctx.case(key,', 'ctx.spec["factor_range"] and ctx.case(key,'), encoding="utf-8")
    stub = folder / "stub.py"
    stub.write_text(stub.read_text().replace("def scale(x, factor=2.0):", "def scale(x, factor=3.0):"))
    (project / "reference" / f"{name}.py").write_text(
        (project / "reference" / f"{name}.py").read_text() + "\n\ndef unscale(x, factor=2.0):\n    return x / factor\n")
    done = run(copy, f"grade lint {name}")
    assert done.returncode == 1, done.stdout + done.stderr
    for words in ("[checks.forgotten] has no check of that name in checks.py",
                  "[checks.scale] has the key 'bonus'; known: public, hidden, budget",
                  "is tagged 'rescale', which the stub does not define",
                  "reads spec value 'factor_range', which spec.toml's [values] does not set",
                  "scale(x, factor=3.0) differs from the reference's scale(x, factor=2.0)",
                  "reference: defines unscale(x, factor=2.0), the stub does not"):
        assert words in done.stdout, done.stdout


def test_lint_finds_stale_fixtures_a_failing_reference_and_a_stub_that_scores(copy):
    project, _ = copy
    name = "stale_demo"
    assert run(copy, f"grade new {name}").returncode == 0
    reference = project / "reference" / f"{name}.py"
    reference.write_text(reference.read_text().replace("return factor * np.asarray", "return 1.5 * factor * np.asarray"))
    stub = project / "assignments" / name / "stub.py"
    unwritten = stub.read_text()
    stub.write_text(unwritten.replace('    raise NotImplementedError("scale is not implemented yet")',
                                      "    return x.copy()"))
    done = run(copy, f"grade lint {name}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "fixtures/public.json: " in done.stdout and f"run: python -m grader.checking.fixtures {name}" in done.stdout
    assert "fails the public check 'scale' for another reason than 'not implemented yet'" in done.stdout
    # a copy keeps the inputs unchanged, which counts only with scale's values right
    assert "'inputs_unchanged' for another reason than 'not implemented yet'" in done.stdout
    assert "whether scale keeps its inputs counts only with its values right" in done.stdout
    stub.write_text(unwritten.replace('    raise NotImplementedError("scale is not implemented yet")',
                                      "    return 1.5 * factor * np.asarray(x, dtype=np.float64)"))
    done = run(copy, f"grade lint {name}")
    assert "scores 1 on the public check 'scale'" in done.stdout, done.stdout


@pytest.mark.parametrize("args, words", [
    (["new", "Bad-Name"], "cannot name an assignment"),
    (["new", "class"], "cannot name an assignment"),
    (["new", "convolution"], "would overwrite assignments/convolution/"),
    (["new", "fresh_assignment", "--number", "6"], "number 6 is taken by convolution"),
    (["lint", "no_such_assignment"], "unknown assignment 'no_such_assignment'"),
])
def test_new_and_lint_refuse_with_exit_2_and_write_nothing(args, words):
    before = sorted(p.name for p in (PROJECT / "assignments").iterdir())
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and words in result.output, result.output
    assert sorted(p.name for p in (PROJECT / "assignments").iterdir()) == before


def test_lint_accepts_every_assignment_of_the_course():
    for name in sorted(p.parent.name for p in (PROJECT / "assignments").glob("*/spec.toml")):
        result = CliRunner().invoke(main, ["lint", name, "--static"])
        assert result.exit_code == 0, result.output
