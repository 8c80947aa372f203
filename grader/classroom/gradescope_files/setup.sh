#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image (with network).
# Written by `grade autograder`: it installs the grader for one assignment, in a virtual
# environment, on Ubuntu 22.04 (Python 3.10) or 24.04 (Python 3.12).
#
# Variables, for a test or an image prepared by hand:
#   GRADE_AUTOGRADER_ROOT  the autograder's folder (default /autograder)
#   GRADE_SETUP_VENV       an existing virtual environment to install into (default ROOT/grade-venv, made here)
#   GRADE_SETUP_OFFLINE=1  that environment already has every dependency: pip installs the grader
#                          alone, without the index (and MNIST must be in the zip)
set -euo pipefail

ASSIGNMENT="@ASSIGNMENT@"
EXTRAS="@EXTRAS@"            # the package's extras this assignment needs, as pip writes them
FETCH_MNIST="@FETCH_MNIST@"  # 1: download MNIST now; grading has no network

ROOT="${GRADE_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="${GRADE_SETUP_VENV:-$ROOT/grade-venv}"
OFFLINE="${GRADE_SETUP_OFFLINE:-0}"
PYTHON=python3

say() { echo "setup.sh: $*"; }

new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; }

apt_install() {
  say "installing $* with apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ -z "${GRADE_SETUP_VENV:-}" ]; then
  if ! command -v "$PYTHON" >/dev/null || ! new_enough "$PYTHON"; then
    apt_install python3 python3-venv
  fi
  if ! new_enough "$PYTHON"; then
    say "$("$PYTHON" --version 2>&1) is older than 3.10, which the grader needs:" \
        "choose Gradescope's Ubuntu 22.04 or 24.04 base image"
    exit 1
  fi
  if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then  # Ubuntu ships venv's pip separately
    rm -rf "$VENV"
    version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    apt_install python3-venv "python$version-venv" || apt_install python3-venv
    "$PYTHON" -m venv "$VENV"
  fi
fi
VPY="$VENV/bin/python"
say "$("$VPY" --version) in $VENV"

if [ "$OFFLINE" = 1 ]; then
  "$VPY" -m pip install -q --no-index --no-deps --no-build-isolation "$SOURCE/grade"
else
  "$VPY" -m pip install -q --upgrade pip
  "$VPY" -m pip install -q "$SOURCE/grade$EXTRAS"
fi
rm -rf "$SOURCE/grade/build" "$SOURCE"/grade/*.egg-info

if [ "$FETCH_MNIST" = 1 ] && [ ! -f "$SOURCE/data/mnist.npz" ]; then
  say "downloading MNIST with Keras (it checks the file's hash)"
  mkdir -p "$SOURCE/data"
  KERAS_HOME="$SOURCE/data/keras" TF_CPP_MIN_LOG_LEVEL=3 "$VPY" -c "import keras; keras.datasets.mnist.load_data()"
  mv "$SOURCE/data/keras/datasets/mnist.npz" "$SOURCE/data/mnist.npz"
  rm -rf "$SOURCE/data/keras"
fi

# The submission's code runs confined (Landlock), or, where the kernel has no Landlock, as the user
# nobody: then nothing but the interpreter and the grader may be readable by others. The secret,
# the reference, the data with the test labels and this folder are root's alone.
chmod 700 "$SOURCE"
chmod 600 "$SOURCE/secret"
reference="$("$VPY" -I -c 'import os, reference; print(os.path.dirname(reference.__file__))')"
chmod -R go-rwx "$reference"
chmod go+x "$ROOT"
printf '%s\n' "$VPY" > "$SOURCE/grade-python"

"$VPY" -I -m grader --version
"$VPY" -I -m grader.classroom.gradescope --root "$ROOT" --check-setup
say "ready to grade $ASSIGNMENT"
