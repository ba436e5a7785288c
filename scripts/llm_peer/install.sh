#!/usr/bin/env bash
# Installs llama-cpp-python (with its OpenAI-compatible server) plus gguf/numpy, for the
# end-to-end test of the OpenAI-compatible provider against a real local model server.
#
# llama-cpp-python has no prebuilt Linux wheel on PyPI: it compiles llama.cpp (10-20 min on
# 2 cores). So the wheel is built once into a cache directory and reused:
#   ${NODETOOL_WHEEL_CACHE:-$HOME/.cache/nodetool-wheels}
# With a cached wheel, installing takes seconds. cmake is apt-get installed only when a
# build is needed. Cache that directory in CI.
#
# Env: PYTHON (default python3), NODETOOL_WHEEL_CACHE, LLAMA_CPP_PYTHON_VERSION (0.3.36).
set -euo pipefail

PY="${PYTHON:-python3}"
VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
CACHE="${NODETOOL_WHEEL_CACHE:-$HOME/.cache/nodetool-wheels}"
# The `llama-cpp-python[server]` extras (pyproject of 0.3.36), plus the core deps, plus gguf for the model.
SERVER_DEPS=(
  "uvicorn>=0.22.0" "fastapi>=0.100.0" "pydantic-settings>=2.0.1"
  "sse-starlette>=1.6.1" "starlette-context>=0.3.6,<0.4" "PyYAML>=5.1"
  "typing-extensions>=4.5.0" "numpy>=1.20.0" "diskcache>=5.6.1" "jinja2>=2.11.3"
  "gguf"
)
pipq() { "$PY" -m pip install -q --disable-pip-version-check "$@"; }

mkdir -p "$CACHE"
find_wheel() {
  ls -1t "$CACHE"/llama_cpp_python-"$VERSION"-*.whl 2>/dev/null | head -n1 || true
}

wheel="$(find_wheel)"
if [ -z "$wheel" ]; then
  echo "install.sh: no cached llama-cpp-python $VERSION wheel in $CACHE; building it (slow: 10-20 min on 2 cores)" >&2
  if ! command -v cmake >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
      $SUDO apt-get update -qq >&2
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake build-essential >&2
    else
      echo "install.sh: cmake is needed to build llama-cpp-python and apt-get is unavailable" >&2
      exit 1
    fi
  fi
  start=$(date +%s)
  # GGML_NATIVE=OFF: a portable binary, so the cached wheel also runs on other CPUs.
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" \
    "$PY" -m pip wheel --disable-pip-version-check --no-deps "llama-cpp-python==$VERSION" -w "$CACHE" >&2
  echo "install.sh: built wheel in $(( $(date +%s) - start )) s" >&2
  wheel="$(find_wheel)"
  if [ -z "$wheel" ]; then
    echo "install.sh: build finished but no wheel found in $CACHE" >&2
    exit 1
  fi
fi

start=$(date +%s)
# --no-deps on the wheel so pip never considers the sdist; dependencies installed explicitly.
pipq --no-deps "$wheel"
pipq "${SERVER_DEPS[@]}"
"$PY" - <<'PY'
import llama_cpp, llama_cpp.server.app  # noqa: F401  (fails here if anything is missing)
print(f"install.sh: llama_cpp {llama_cpp.__version__} with server extras is importable")
PY
echo "install.sh: installed from $wheel in $(( $(date +%s) - start )) s" >&2
