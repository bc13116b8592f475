#!/usr/bin/env bash
# Regenerate requirements.txt and requirements-test.txt, every package pinned with the
# hashes of all its files on PyPI, from requirements.in and requirements-test.in.
#
#   scripts/lock.sh                                 # after editing a .in file; other pins stay
#   scripts/lock.sh --upgrade-package Babel         # move one package to its newest allowed version
#   scripts/lock.sh --upgrade                       # move everything (then run the whole suite)
#
# Arguments go to both `uv pip compile` runs. The pins are for CPython 3.11 on Linux
# whatever Python or OS runs this script. uv comes from $UV, else `uv` on PATH, else it is
# installed into .venv-lock/. uv reads no pip configuration: it always asks PyPI.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

UV_VERSION=0.13.9
UV=${UV:-$(command -v uv || true)}
if [[ -z $UV ]]; then
    UV=.venv-lock/bin/uv
    if [[ ! -x $UV ]]; then
        python3 -m venv .venv-lock
        .venv-lock/bin/pip install -q "uv==$UV_VERSION"
    fi
fi

# The command written at the top of the generated files.
export UV_CUSTOM_COMPILE_COMMAND="scripts/lock.sh"
compile() {
    "$UV" pip compile --quiet --python-version 3.11 --python-platform linux \
        --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
        "$@"
}

compile "$@" requirements.in -o requirements.txt
compile "$@" requirements-test.in -o requirements-test.txt
