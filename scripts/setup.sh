#!/usr/bin/env bash
# Set legal-kg up on a fresh machine: system packages (OCR, fonts), a virtualenv
# in .venv with legal-kg, its test tools and Jupyter, the SPARQL page's YASGUI (npm), and
# Apache Jena for the saved-query tests (Maven).
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
want=$(cat setup.cfg pyproject.toml setup.py | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: installing legal-kg and its dependencies into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,all,notebooks]"
    echo "$want" > "$stamp"
fi

# The SPARQL page (kg/web): YASGUI as pinned in web/package-lock.json, its
# prebuilt bundle copied into the package (kg/web/static/vendor/, package data,
# not in git). Again only when the lock file changed or the copy is missing.
vendor=kg/web/static/vendor
web_stamp=$vendor/.package-lock.sha256
web_want=$(sha256sum web/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$web_stamp" 2>/dev/null)" != "$web_want" ] || [ ! -f "$vendor/yasgui.min.js" ]; then
    echo "setup: installing YASGUI for the SPARQL page (npm ci in web/)"
    # --ignore-scripts: no package runs code at install; the bundle is prebuilt.
    npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
    rm -rf "$vendor" && mkdir -p "$vendor"
    cp web/node_modules/@zazuko/yasgui/build/yasgui.min.js \
       web/node_modules/@zazuko/yasgui/build/yasgui.min.css "$vendor/"
    echo "$web_want" > "$web_stamp"
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

# Fuseki (Maven Central) for the remote-store tests; the Oxigraph server is the
# `oxigraph` wheel of the test extra.
bash scripts/fuseki build
echo "setup: ready (.venv/bin/kg)"
