"""The report teaches nothing about the inputs drawn for the student.

The attack: a submission prints (or warns) every input the checks give it; the
student reads the report, computes answers offline for those inputs (here from
the reference, standing in for a classmate's solution), resubmits with a table
of them keyed on the inputs, and repeats. Each round is graded by
`grade submit --json` through the CLI and learns only from what the student
sees: the terminal report and results.json (Gradescope shows its top-level
`output` at once, each test's `output` after the due date).
"""

import json
import re

import numpy as np

from grader.checking.catalog import get_assignment

from test_confinement import results, run_cli

NAME = "linear_regression"
ASKED = re.compile(r"ASK (\{.*?\})(?:\n|$)")

# Every function answers from the table where it knows the inputs, and otherwise says what they were.
ATTACK = '''
import hashlib, json, os, sys, warnings
import numpy as np

TABLE = {table!r}


def _plain(value):
    if isinstance(value, np.ndarray):
        return {{"a": value.tolist(), "dtype": str(value.dtype)}}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (int, float, str)) or value is None:
        return value
    raise TypeError(type(value).__name__)


def _key(function, args):
    return hashlib.sha256(json.dumps([function, _plain(list(args))]).encode()).hexdigest()


def _answer(value):
    if isinstance(value, dict):
        return np.array(value["a"], dtype=value["dtype"])
    if isinstance(value, list):
        return tuple(_answer(v) for v in value)
    return value


def _ask(function, args):
    try:
        key = _key(function, args)
    except TypeError:  # an rng: nothing to print
        return None
    if key in TABLE:
        return _answer(TABLE[key])
    line = "ASK " + json.dumps({{"f": function, "args": _plain(list(args))}})
    {say}
    return None

{restart}

def add_bias(*args): return _ask("add_bias", args)
def scale_features(*args): return _ask("scale_features", args)
def predict(*args): return _ask("predict", args)
def mse_loss(*args): return _ask("mse_loss", args)
def mse_gradient(*args): return _ask("mse_gradient", args)
def normal_equation(*args): return _ask("normal_equation", args)
def fit(*args): return _ask("fit", args)
'''
SAYS = {"print": "print(line)", "warn": "warnings.warn(line)", "raise": "raise ValueError(line)"}
# What the child keeps in its scratch folder outlives it: asked inputs are written there, the child
# exits, and the fresh child prints them at import.
RESTART = '''
if os.path.exists("asked.txt"):
    print(open("asked.txt").read())
_ask_directly = _ask


def _ask(function, args):
    if function == "mse_loss" and not os.path.exists("asked.txt"):
        with open("asked.txt", "w") as handle:
            handle.write("ASK " + json.dumps({"f": function, "args": _plain(list(args))}))
        os._exit(3)
    return _ask_directly(function, args)
'''


def _decoded(value):
    if isinstance(value, dict):
        return np.array(value["a"], dtype=value["dtype"])
    return [_decoded(v) for v in value] if isinstance(value, list) else value


def _encoded(value):
    if isinstance(value, np.ndarray):
        return {"a": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, (tuple, list)):
        return [_encoded(v) for v in value]
    return float(value) if isinstance(value, np.floating) else value


def what_the_student_sees(done, json_path):
    data = results(json_path)
    return "\n".join([done.stdout, data.get("output", "")] + [t.get("output", "") for t in data["tests"]])


def learn(seen, table):
    """Answer, offline, every input the report revealed; the submission's own key is recomputed
    by running its ``_key`` in this process."""
    reference, namespace = get_assignment(NAME).reference(), {}
    exec(ATTACK.format(table={}, say="", restart=""), namespace)
    for asked in ASKED.findall(seen):
        request = json.loads(asked)
        args = _decoded(request["args"])
        answer = getattr(reference, request["f"])(*args)
        table[namespace["_key"](request["f"], args)] = _encoded(answer)


def resubmission_rounds(tmp_path, say, restart="", rounds=5, html=None):
    table, scores, seen = {}, [], ""
    target, json_path = tmp_path / f"{NAME}.py", tmp_path / "results.json"
    for _ in range(rounds):
        target.write_text(ATTACK.format(table=table, say=SAYS[say], restart=restart))
        done = run_cli("submit", target, "--json", json_path, *(["--html", html] if html else []), timeout=300)
        assert done.returncode in (0, 1), done.stderr[-2000:]
        seen = what_the_student_sees(done, json_path)
        scores.append(results(json_path)["score"])
        learn(seen, table)
    return scores, seen


def test_printing_the_inputs_and_resubmitting_five_times_earns_nothing(tmp_path):
    page = tmp_path / "feedback.html"
    scores, seen = resubmission_rounds(tmp_path, "print", html=page)
    assert scores == [0.0] * 5, scores
    assert "ASK" not in seen
    assert "ASK" in page.read_text()  # the instructor's page keeps what it printed


def test_warning_the_inputs_and_resubmitting_earns_nothing(tmp_path):
    scores, seen = resubmission_rounds(tmp_path, "warn", rounds=3)
    assert scores == [0.0] * 3, scores
    assert "ASK" not in seen


def test_raising_the_inputs_as_an_exceptions_text_and_resubmitting_earns_nothing(tmp_path):
    scores, seen = resubmission_rounds(tmp_path, "raise", rounds=3)
    assert scores == [0.0] * 3, scores
    assert "ASK" not in seen


def test_what_a_restarted_child_prints_at_import_is_withheld_too(tmp_path):
    scores, seen = resubmission_rounds(tmp_path, "print", restart=RESTART, rounds=2)
    assert "ASK" not in seen
    assert scores == [0.0, 0.0], scores


def test_a_drawn_checks_message_does_not_tell_how_far_off_the_answer_was(tmp_path):
    """|received - expected| (or a tolerance scaled by |expected|) gives the expected value to a few
    digits per submission: resubmitting the estimate refines it until the check passes."""
    messages = []
    for guess in (0.0, 1.0):
        target, json_path = tmp_path / f"{NAME}.py", tmp_path / f"results-{guess}.json"
        target.write_text(f"def mse_loss(X_b, y, theta):\n    return {guess}\n")
        done = run_cli("submit", target, "--json", json_path, timeout=300)
        assert done.returncode == 1, done.stderr[-2000:]
        messages.append({t["name"]: t["output"] for t in results(json_path)["tests"]
                         if t["name"].startswith("mse_loss is")})
    assert len(messages[0]) == 2 and all("differs" in m for m in messages[0].values())
    assert messages[0] == messages[1]


def test_a_drawn_checks_message_is_the_same_for_every_student(tmp_path):
    """A message that named a drawn input (or anything computed from one) would differ between
    students for the same file; where the largest error lies, how many elements are wrong, which call
    failed first and the relative error of a gradient may (the last tells a few digits of a function
    of the values: see the report's notes)."""
    from nothing import constant_submission
    from bugs import bug_text
    varying = re.compile(r"index \([\d, ]*\)|\[\d+(, \d+)*\]|\d+ of \d+ elements|relative error [^ ]+|call \d+")
    files = {"gradient_descent": [constant_submission("gradient_descent", "zeros")],
             "logistic_regression": [bug_text("logistic_regression", "log_loss__unclipped_log")],
             "neural_network": [bug_text("neural_network", "BatchNorm__unbiased_variance"),
                                bug_text("neural_network", "SGD__momentum_sign_error"), bug_text("neural_network", "ELU__forward_ignores_alpha"),
                               bug_text("neural_network", "Dropout__no_rescaling")],
             "convolution": [bug_text("convolution", "conv_output_shape__padding_once")]}
    for name, texts in files.items():
        for text in texts:
            seen = []
            for student in ("alice", "bob"):
                target, json_path = tmp_path / f"{name}.py", tmp_path / f"{student}.json"
                target.write_text(text)
                done = run_cli("submit", target, "--student", student, "--json", json_path, timeout=300)
                assert done.returncode == 1, done.stderr[-2000:]
                seen.append({t["name"]: varying.sub("#", t["output"]) for t in results(json_path)["tests"]})
            assert any(seen[0].values())
            differ = {k: (v, seen[1][k]) for k, v in seen[0].items() if v != seen[1][k]}
            assert not differ, (name, differ)


def test_a_batch_keeps_what_was_printed_for_the_instructor_only(tmp_path):
    """`grade batch --out` writes what students receive (results.json, feedback.md); the gradebook
    and the feedback page keep what the submission printed during the checks."""
    import sqlite3
    folder, gradebook, out = tmp_path / "class" / "alice", tmp_path / "course.sqlite", tmp_path / "out"
    folder.mkdir(parents=True)
    (folder / f"{NAME}.py").write_text(ATTACK.format(table={}, say=SAYS["print"], restart=""))
    done = run_cli("batch", tmp_path / "class", "--workers", "1", "--gradebook", gradebook, "--out", out,
                   timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    received = out / NAME / "alice"
    for name in ("results.json", "feedback.md"):
        assert "ASK" not in (received / name).read_text(), name
    assert "ASK" not in done.stdout + done.stderr
    with sqlite3.connect(gradebook) as db:
        (withheld,) = db.execute("SELECT withheld_output FROM runs").fetchone()
    assert "ASK" in withheld and "ASK" in (received / "feedback.html").read_text()
