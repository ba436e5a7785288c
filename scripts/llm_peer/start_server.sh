#!/usr/bin/env bash
# Starts a real OpenAI-compatible model server (llama-cpp-python) on 127.0.0.1 with a tiny
# model written locally by make_tiny_gguf.py (no downloads of weights, ever).
#
# Usage: start_server.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${NODETOOL_LLM_CACHE:-$HOME/.cache/nodetool-llm}; it holds
#   tiny-llama.gguf, server.pid and server.log.
# Env:   PORT (8765), CHAT_FORMAT (chatml), MODEL_ALIAS (tiny-llama), PYTHON (python3),
#        STARTUP_TIMEOUT (60 seconds).
# Prints the base URL (e.g. http://127.0.0.1:8765/v1) on stdout, and nothing else there.
# Stop with: kill "$(cat CACHE_DIR/server.pid)"  (uvicorn needs 1-2 s to exit after SIGTERM)
# Exits 3 if llama_cpp is not installed (run install.sh), 1 on any other failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${PYTHON:-python3}"
CACHE="${1:-${NODETOOL_LLM_CACHE:-$HOME/.cache/nodetool-llm}}"
PORT="${PORT:-8765}"
HOST=127.0.0.1
CHAT_FORMAT="${CHAT_FORMAT:-chatml}"
MODEL_ALIAS="${MODEL_ALIAS:-tiny-llama}"
TIMEOUT="${STARTUP_TIMEOUT:-60}"
MODEL="$CACHE/tiny-llama.gguf"
PIDFILE="$CACHE/server.pid"
LOG="$CACHE/server.log"
BASE="http://$HOST:$PORT"

mkdir -p "$CACHE"

if ! "$PY" -c 'import llama_cpp' >/dev/null 2>&1; then
  echo "start_server.sh: llama_cpp (llama-cpp-python) is not importable by $PY;" \
       "run scripts/llm_peer/install.sh first" >&2
  exit 3
fi
# The server extras and gguf/numpy come from install.sh (one list of dependencies).
if ! "$PY" -c 'import llama_cpp.server.app, gguf, numpy' >/dev/null 2>&1; then
  echo "start_server.sh: installing the server extras (install.sh)" >&2
  PYTHON="$PY" bash "$here/install.sh" >&2
fi

models_ok() {
  "$PY" - "$BASE/v1/models" <<'PY' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
}

# Already running from an earlier call? Reuse it.
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && models_ok; then
  echo "start_server.sh: reusing running server pid $(cat "$PIDFILE")" >&2
  echo "$BASE/v1"
  exit 0
fi
# Another server already answers on the port (started elsewhere): use it, do not own it.
if models_ok; then
  echo "start_server.sh: a server already answers at $BASE; using it" >&2
  rm -f "$PIDFILE"
  echo "$BASE/v1"
  exit 0
fi

if [ ! -s "$MODEL" ]; then
  "$PY" "$here/make_tiny_gguf.py" "$MODEL" >&2
fi

start=$(date +%s)
# setsid: own process group, so the server survives this script and a test harness can
# kill it by pid. Its output goes to the log, never to our stdout.
setsid "$PY" -m llama_cpp.server \
  --model "$MODEL" \
  --model_alias "$MODEL_ALIAS" \
  --host "$HOST" --port "$PORT" \
  --chat_format "$CHAT_FORMAT" \
  --n_ctx 512 --n_batch 512 --n_threads 2 \
  --interrupt_requests False \
  >"$LOG" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$PIDFILE"

deadline=$(( start + TIMEOUT ))
until models_ok; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start_server.sh: server exited during startup; last lines of $LOG:" >&2
    tail -n 30 "$LOG" >&2
    rm -f "$PIDFILE"
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "start_server.sh: no answer from $BASE/v1/models after ${TIMEOUT}s; killing pid $pid; log: $LOG" >&2
    kill "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
    exit 1
  fi
  sleep 0.3
done
echo "start_server.sh: server pid $pid ready in $(( $(date +%s) - start )) s (model $MODEL, chat_format $CHAT_FORMAT, log $LOG)" >&2
echo "$BASE/v1"
