#!/usr/bin/env bash
# Set legal-kg up on a fresh machine: system packages (OCR, fonts), a virtualenv
# in .venv with legal-kg and its test tools, and Apache Jena for the saved-query
# tests (Maven).
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

# Apache Jena ARQ (tests/jena), which the tests use to parse the saved queries as
# strict SPARQL 1.1. From ~/.m2 when it is there, else from Maven Central.
jena=tests/jena
jena_want=$(sha256sum "$jena/pom.xml" | cut -d' ' -f1)
if [ "$(cat "$jena/target/.pom.sha256" 2>/dev/null)" != "$jena_want" ]; then
    echo "setup: fetching Apache Jena ARQ for the tests (Maven)"
    rm -rf "$jena/target"
    if ! mvn -B -q -o -f "$jena/pom.xml" dependency:copy-dependencies >/dev/null 2>&1; then
        rm -rf "$jena/target"
        mvn -B -q -f "$jena/pom.xml" dependency:copy-dependencies
    fi
    echo "$jena_want" > "$jena/target/.pom.sha256"
fi
echo "setup: ready (.venv/bin/kg)"
