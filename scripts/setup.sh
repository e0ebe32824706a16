#!/usr/bin/env bash
# Set legal-kg up on a fresh machine: system packages (OCR, fonts), a virtualenv
# in .venv with legal-kg and its test tools, and the Neo4j launcher build.
# Idempotent and quiet when everything is already there. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    python3 -m venv .venv
fi
# Reinstall only when the declared dependencies changed since the last install.
stamp=.venv/.legal-kg-setup
want=$(cat setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: installing legal-kg and its dependencies into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
    echo "$want" > "$stamp"
fi
# Fuseki (Maven Central) for the remote-store tests; the Oxigraph server is the
# `oxigraph` wheel of the test extra.
bash scripts/fuseki build
echo "setup: ready (.venv/bin/kg)"
