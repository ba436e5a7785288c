#!/usr/bin/env bash
# Fetches Python NodeTool's configuration modules (nodetool-core on PyPI) and what they import,
# so that tests/config_python_parity.rs can compare layering on the same files, and
# `cryptography`, so that tests/secret_crypto.rs can check that Python decrypts our tokens.
# Prints the folder to put in NODETOOL_PY_SRC; exits non-zero when PyPI cannot be reached.
set -euo pipefail
dest="${1:-target/python-nodetool}"
mkdir -p "$dest"
python3 -m pip install -q --disable-pip-version-check python-dotenv pyyaml cryptography >&2
python3 -m pip download -q --disable-pip-version-check --no-deps nodetool-core==0.8.2 -d "$dest/wheel" >&2
python3 - "$dest" <<'PY'
import glob, sys, zipfile
dest = sys.argv[1]
wheel = zipfile.ZipFile(glob.glob(f"{dest}/wheel/*.whl")[0])
for name in wheel.namelist():
    if name.startswith("nodetool/config/") or name == "nodetool/__init__.py":
        wheel.extract(name, f"{dest}/src")
PY
echo "$(cd "$dest/src" && pwd)"
