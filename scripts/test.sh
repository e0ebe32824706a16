#!/usr/bin/env bash
# Set up and run the whole legal-kg test suite, with a real Neo4j server.
# Usage: bash scripts/test.sh [pytest args…]
# A Neo4j named by NEO4J_URI is used as it is; otherwise the bundled one is
# started on a free loopback port (scripts/neo4j) and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

if [ -z "${NEO4J_URI:-}" ]; then
    export LEGAL_KG_NEO4J_HOME
    LEGAL_KG_NEO4J_HOME=$(mktemp -d /tmp/legal-kg-neo4j-test.XXXXXX)
    port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    trap 'scripts/neo4j stop --home "$LEGAL_KG_NEO4J_HOME" >/dev/null 2>&1 || true; rm -rf "$LEGAL_KG_NEO4J_HOME"' EXIT
    NEO4J_URI=$(scripts/neo4j start --port "$port" --home "$LEGAL_KG_NEO4J_HOME")
    export NEO4J_URI
fi

.venv/bin/python -m pytest "$@"
