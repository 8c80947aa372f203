"""Attacks on the grader by a submission, each graded by the CLI as a user runs it.

Every attack file below is a linear-regression submission whose own functions
are not implemented: a score above 0 is one it did not compute. Each test says
what the attack tried and asserts that it earned nothing, that the secret never
appears, that nothing of it outlives the grading, that no file outside its
scratch folder changed, and that the grader and any victim survived.
"""

import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.sandbox import confinement

from conftest import SUBMISSIONS

pytestmark = pytest.mark.skipif(bool(confinement.missing()), reason=f"no confinement here: {confinement.missing()}")

CORRECT = SUBMISSIONS / "linear_regression" / "correct" / "loops.py"
FUNCTIONS = ("add_bias", "scale_features", "predict", "mse_loss", "mse_gradient", "normal_equation", "fit")

# What every attack starts from: a walk up the process tree, and functions it did not write.
PRELUDE = f'''
import os, signal, sys, time

def _parent(pid):
    try:
        with open(f"/proc/{{pid}}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        return 0

def _ancestors():
    found, pid = [], os.getppid()
    while pid > 1:
        found.append(pid)
        pid = _parent(pid)
    return found

def _cmdline(pid):
    try:
        with open(f"/proc/{{pid}}/cmdline", "rb") as handle:
            return handle.read().decode(errors="replace").split("\\0")
    except OSError:
        return []

def _option(name):
    """The value of option ``name`` on an ancestor's command line, resolved in its cwd."""
    for pid in _ancestors():
        words = _cmdline(pid)
        if name in words[:-1]:
            try:
                return os.path.join(os.readlink(f"/proc/{{pid}}/cwd"), words[words.index(name) + 1]), pid
            except OSError:
                return words[words.index(name) + 1], pid
    return None, None

def _not_mine(*args, **kwargs):
    raise NotImplementedError

{" = ".join(FUNCTIONS)} = _not_mine
FORGED = {{"score": 30.0, "max_score": 30.0, "output": "forged", "tests": []}}
'''


def attack(tmp_path, body, env=None):
    """Grade PRELUDE + body with `grade submit --json` in a child process; assert it earned nothing."""
    target, json_path = tmp_path / "linear_regression.py", tmp_path / "results.json"
    target.write_text(PRELUDE + body)
    done = run_cli("submit", target, "--json", json_path, env=env)
    assert_earned_nothing(done, json_path)
    return done


def run_cli(command, target, *args, env=None, timeout=120):
    full_env = {**os.environ, **(env or {})}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "grader.cli", command, str(target), *map(str, args)],
                          capture_output=True, text=True, env=full_env, timeout=timeout,
                          cwd=target.parent)
    done.seconds = time.monotonic() - started
    return done


def results(path):
    return json.loads(Path(path).read_text())


def processes_with(token):
    """Pids of living processes whose command line holds ``token``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if token.encode() in handle.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


@pytest.fixture
def leftovers():
    """Tokens of processes an attack may leave; on the old grader, the test kills them itself."""
    tokens = []
    yield tokens
    for token in tokens:
        for pid in processes_with(token):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def assert_earned_nothing(done, json_path):
    assert done.returncode == 1, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    data = results(json_path)
    assert data["score"] == 0, data["score"]
    assert "forged" not in data.get("output", "")


def test_reading_the_reference_from_disk_earns_nothing(tmp_path):
    body = '''
for _root in [os.path.dirname(os.path.dirname(sys.modules["grader"].__file__)), *sys.path]:
    try:
        _source = open(os.path.join(_root, "reference", "linear_regression.py")).read()
    except OSError:
        continue
    _namespace = {}
    exec(_source, _namespace)
    for _name in ''' + repr(FUNCTIONS) + ''':
        globals()[_name] = _namespace[_name]
    break
'''
    attack(tmp_path, body)


def test_the_secret_in_an_ancestors_environment_never_reaches_any_output(tmp_path):
    secret = "secret-" + secrets.token_hex(8)
    body = '''
for _pid in _ancestors():
    try:
        _environ = open(f"/proc/{_pid}/environ", "rb").read().split(b"\\0")
    except OSError:
        continue
    for _entry in _environ:
        if _entry.startswith(b"GRADE_SECRET="):
            print(_entry.decode())
            raise RuntimeError(_entry.decode())
'''
    done = attack(tmp_path, body, env={"GRADE_SECRET": secret})
    for text in (done.stdout, done.stderr, (tmp_path / "results.json").read_text()):
        assert secret not in text


def test_forging_results_json_and_killing_the_grader_does_not_win(tmp_path):
    body = '''
_path, _grader = _option("--json")
if _path:
    with open(_path, "w") as _handle:
        _handle.write(__import__("json").dumps(FORGED))
    os.kill(_grader, signal.SIGKILL)
'''
    attack(tmp_path, body)  # exit status 1, not 137: the grader lived to write its own verdict


def detached(option, token, action):
    """An attack that leaves a process behind (double fork, setsid, empty environment, ``token`` in its
    argv) which waits for the ancestor given ``option`` to exit, then does ``action`` on that option's
    value (``target``) for two seconds."""
    code = f"""
import json, os, sqlite3, sys, time
target, watched = sys.argv[1], int(sys.argv[2])
for _ in range(600):
    try:
        os.kill(watched, 0)
    except ProcessLookupError:
        break
    except PermissionError:
        pass
    time.sleep(0.01)
for _ in range(20):
    try:{action}
    except Exception:
        pass
    time.sleep(0.1)
"""
    return f'''
_target, _watched = _option("{option}")
if _target and os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execve(sys.executable, [sys.executable, "-c", {code!r}, _target, str(_watched), "{token}"], {{}})
    os._exit(0)
time.sleep(0.2)
'''


def test_a_detached_process_cannot_overwrite_results_json_after_the_grader_exits(tmp_path, leftovers):
    token = "forger" + secrets.token_hex(4)
    leftovers.append(token)
    body = detached("--json", token, """
        with open(target, "w") as handle:
            handle.write(json.dumps({"score": 30.0, "max_score": 30.0, "output": "forged", "tests": []}))""")
    done = attack(tmp_path, body)
    assert processes_with(token) == []
    time.sleep(2.5)  # what a surviving forger would have used to write
    assert_earned_nothing(done, tmp_path / "results.json")


def test_writing_into_the_graders_code_and_fixtures_changes_nothing(tmp_path):
    import assignments
    import grader
    token = "planted" + secrets.token_hex(4)
    targets = [Path(grader.__file__).parent / f"{token}.py",
               Path(assignments.__file__).parent / "linear_regression" / "fixtures" / f"{token}.json"]
    body = f'''
import grader, assignments
for _path in [os.path.join(os.path.dirname(grader.__file__), "{token}.py"),
              os.path.join(os.path.dirname(assignments.__file__), "linear_regression", "fixtures", "{token}.json")]:
    try:
        with open(_path, "w") as _handle:
            _handle.write("full_marks = True\\n")
    except OSError:
        pass
'''
    try:
        attack(tmp_path, body)
        assert [t for t in targets if t.exists()] == []
    finally:
        for target in targets:
            target.unlink(missing_ok=True)


def test_killing_a_process_found_by_its_argv_leaves_it_alive(tmp_path):
    victim = subprocess.Popen(["sleep", "987.654"])
    body = '''
for _entry in os.listdir("/proc"):
    if _entry.isdigit() and "987.654" in _cmdline(int(_entry)):
        try:
            os.kill(int(_entry), signal.SIGKILL)
        except OSError:
            pass
'''
    try:
        attack(tmp_path, body)
        assert victim.poll() is None, "the victim was killed"
    finally:
        victim.kill()
        victim.wait()


def test_a_tcp_connection_to_localhost_reaches_nobody(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    body = f'''
import socket
try:
    socket.create_connection(("127.0.0.1", {server.getsockname()[1]}), timeout=2).sendall(b"answers, please")
except OSError:
    pass
'''
    try:
        attack(tmp_path, body)
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()


def test_three_hundred_detached_processes_do_not_outlive_the_grading(tmp_path, leftovers):
    token = "55.%d" % secrets.randbelow(10**6)
    leftovers.append(token)
    body = f'''
for _ in range(300):
    try:
        _pid = os.fork()
    except OSError:
        break
    if _pid == 0:
        os.setsid()
        try:
            if os.fork() == 0:
                os.execve("/bin/sleep", ["sleep", "{token}"], {{}})
        finally:
            os._exit(0)
    os.waitpid(_pid, 0)
'''
    attack(tmp_path, body)
    assert processes_with(token) == []


CLASSMATE = f'''
_folder, _batch = _option("batch")
if _folder:
    for _student in os.listdir(_folder):
        try:
            _source = open(os.path.join(_folder, _student, "linear_regression.py")).read()
        except OSError:
            continue
        if "_not_mine" not in _source:
            _namespace = {{}}
            exec(_source, _namespace)
            for _name in {FUNCTIONS!r}:
                globals()[_name] = _namespace[_name]
            break
'''


def class_of(tmp_path, attack):
    """DIR/alice (correct), DIR/bob (nothing implemented), DIR/mallory (the attack)."""
    folder = tmp_path / "class"
    for student, text in [("alice", CORRECT.read_text()), ("bob", PRELUDE), ("mallory", PRELUDE + attack)]:
        (folder / student).mkdir(parents=True)
        (folder / student / "linear_regression.py").write_text(text)
    return folder


def batch_scores(gradebook):
    with sqlite3.connect(gradebook) as db:
        rows = db.execute("SELECT s.student, r.score, r.max_score FROM runs r "
                          "JOIN submissions s ON s.id = r.submission_id").fetchall()
    return {student: (score, top) for student, score, top in rows}


def test_in_a_batch_a_classmates_file_is_out_of_reach(tmp_path):
    folder = class_of(tmp_path, CLASSMATE)
    gradebook = tmp_path / "course.sqlite"
    done = run_cli("batch", folder, "--workers", "1", "--gradebook", gradebook)
    assert done.returncode == 0, done.stderr[-2000:]  # every submission graded
    scores = batch_scores(gradebook)
    assert scores["alice"][0] == scores["alice"][1] > 0
    assert scores["bob"][0] == scores["mallory"][0] == 0, scores


def test_in_a_batch_no_process_survives_to_rewrite_the_gradebook(tmp_path, leftovers):
    token = "rewriter" + secrets.token_hex(4)
    leftovers.append(token)
    attack = detached("--gradebook", token, """
        with sqlite3.connect(target, timeout=1) as db:
            db.execute("UPDATE runs SET score = max_score, raw_score = max_score")
            db.execute("UPDATE results SET points = max_points, status = 'passed'")""")
    folder = class_of(tmp_path, attack)
    gradebook = tmp_path / "course.sqlite"
    done = run_cli("batch", folder, "--workers", "1", "--gradebook", gradebook)
    assert done.returncode == 0, done.stderr[-2000:]  # every submission graded
    assert processes_with(token) == []
    time.sleep(2.5)
    scores = batch_scores(gradebook)
    assert scores["bob"][0] == scores["mallory"][0] == 0, scores


def test_a_confined_submission_says_so_in_the_report_and_results_json(tmp_path):
    json_path = tmp_path / "results.json"
    done = run_cli("submit", CORRECT, "--assignment", "linear_regression", "--json", json_path)
    assert done.returncode == 0, done.stderr
    described = results(json_path)["extra_data"]["confinement"]
    assert described.startswith(f"landlock ABI {confinement.landlock_abi()}: files, network")
    assert "subreaper" in described and f"Confinement: {described}" in done.stdout
    assert "unconfined" not in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # written whole, no temporary left


def test_without_landlock_the_run_is_marked_unconfined_and_can_be_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADE_LANDLOCK", "0")  # as on a kernel without Landlock
    if not confinement.missing():
        pytest.skip("as root, this machine would run submissions as nobody instead")
    json_path = tmp_path / "results.json"
    done = run_cli("submit", CORRECT, "--assignment", "linear_regression", "--json", json_path)
    assert done.returncode == 0
    assert results(json_path)["extra_data"]["confinement"].startswith("none: Landlock is not available")
    assert "warning: the submission's code ran unconfined" in done.stderr
    refused = run_cli("submit", CORRECT, "--assignment", "linear_regression", "--require-confinement")
    assert refused.returncode == 2 and "refusing to grade" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_blocked_package_inside_a_granted_tree_is_cut_out(tmp_path):
    tree = tmp_path / "site-packages"
    for name in ("numpy", "reference", "zlib_thing"):
        (tree / name).mkdir(parents=True)
    (tree / "six.py").write_text("")
    granted = confinement._beneath([str(tree)], [str(tree / "reference")])
    assert sorted(granted) == sorted(str(tree / n) for n in ("numpy", "six.py", "zlib_thing"))
    assert confinement._beneath([str(tree)], [str(tmp_path / "elsewhere")]) == [str(tree)]


def test_the_reference_is_never_in_the_plan(tmp_path):
    import reference
    plan = confinement.plan(("reference",), tmp_path)
    where = os.path.dirname(os.path.realpath(reference.__file__))
    assert where in plan["denied"]
    assert not [p for p in plan["read"] if confinement._within(where, p)]
    assert plan["write"] == [os.path.realpath(tmp_path)]


def in_fork(work):
    """Run ``work()`` in a fork (confinement is for good); its return value, or the exception's text."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            outcome = repr(work())
        except BaseException as exc:  # noqa: BLE001  reported to the parent
            outcome = f"raised {type(exc).__name__}: {exc}"
        os.write(write, outcome.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        outcome = handle.read()
    os.waitpid(pid, 0)
    return outcome


def test_a_landlock_ruleset_grants_what_it_allows_and_nothing_else(tmp_path):
    from grader.sandbox import landlock
    (tmp_path / "granted").mkdir()
    (tmp_path / "granted" / "file").write_text("yes")
    (tmp_path / "other").write_text("no")

    def confined():
        import ctypes
        ctypes.CDLL(None).prctl(38, 1, 0, 0, 0)  # no_new_privs
        ruleset = landlock.Ruleset(landlock.abi_version())
        ruleset.allow(tmp_path / "granted", landlock.READ)
        ruleset.allow(tmp_path / "granted" / "file", landlock.READ)  # a file takes file rights only
        ruleset.restrict()
        seen = [(tmp_path / "granted" / "file").read_text()]
        for attempt in (lambda: (tmp_path / "other").read_text(),
                        lambda: (tmp_path / "granted" / "new").write_text("x")):
            try:
                attempt()
                seen.append("allowed")
            except PermissionError:
                seen.append("denied")
        return seen

    assert in_fork(confined) == repr(["yes", "denied", "denied"])


@pytest.mark.skipif(os.geteuid() != 0, reason="the fallback is for a grader that runs as root")
def test_as_root_without_landlock_the_child_runs_as_nobody(tmp_path, monkeypatch):
    secret = tmp_path / "instructor_only.txt"
    secret.write_text("answers")
    secret.chmod(0o600)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(confinement, "_nobody_can_run", lambda plan: True)  # this interpreter's home is private
    plan = {**confinement.plan(("reference",), scratch), "landlock": 0}

    def confined():
        described = confinement.apply(plan)
        try:
            secret.read_text()
            return described, os.getuid(), "read"
        except PermissionError:
            return described, os.getuid(), "denied"

    described, uid, outcome = eval(in_fork(confined))
    assert (uid, outcome) == (confinement.NOBODY, "denied")
    assert "user nobody" in described and not described.startswith("none")


def test_others_may_read_follows_every_folder_on_the_way(tmp_path):
    folder = tmp_path / "private"
    folder.mkdir()
    inside = folder / "module.py"
    inside.write_text("")
    inside.chmod(0o644)
    folder.chmod(0o755)
    tmp_path.chmod(0o755)
    assert confinement._others_may_read(inside) == confinement._others_may_read(tmp_path)
    folder.chmod(0o700)
    assert not confinement._others_may_read(inside)


def test_a_spec_can_require_confinement(monkeypatch):
    from dataclasses import replace

    from grader.checking import catalog
    from grader.errors import GradeError
    from grader.checking.grading import grade_source
    from grader.checking.submission import load_source
    monkeypatch.setenv("GRADE_LANDLOCK", "0")
    if not confinement.missing():
        pytest.skip("as root, this machine would run submissions as nobody instead")
    assignment = catalog.Assignment("linear_regression")
    spec = assignment.spec
    assignment.__dict__["spec"] = replace(spec, limits=replace(spec.limits, require_confinement=True))
    with pytest.raises(GradeError, match="refusing to grade: the submission would run unconfined"):
        grade_source(load_source(CORRECT), assignment)
    monkeypatch.setenv("GRADE_LANDLOCK", "1")
    assert grade_source(load_source(CORRECT), assignment).passed
