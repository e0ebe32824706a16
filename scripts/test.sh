#!/usr/bin/env bash
# Set up and run the whole legal-kg test suite, with a real Neo4j server.
# Usage: bash scripts/test.sh [pytest args…]
# A Neo4j named by NEO4J_URI is used as it is (with NEO4J_USER/NEO4J_PASSWORD);
# otherwise the bundled one is started on free loopback ports (scripts/neo4j,
# authentication on, its password exported) and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

if [ -z "${NEO4J_URI:-}" ]; then
    export LEGAL_KG_NEO4J_HOME
    LEGAL_KG_NEO4J_HOME=$(mktemp -d /tmp/legal-kg-neo4j-test.XXXXXX)
    free_port='import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    port=$(.venv/bin/python -c "$free_port")
    http_port=$(.venv/bin/python -c "$free_port")
    trap 'scripts/neo4j stop --home "$LEGAL_KG_NEO4J_HOME" >/dev/null 2>&1 || true; rm -rf "$LEGAL_KG_NEO4J_HOME"' EXIT
    NEO4J_URI=$(scripts/neo4j start --port "$port" --http-port "$http_port" --home "$LEGAL_KG_NEO4J_HOME")
    NEO4J_USER=neo4j
    NEO4J_PASSWORD=$(head -n 1 "$LEGAL_KG_NEO4J_HOME/password")
    export NEO4J_URI NEO4J_USER NEO4J_PASSWORD
fi

.venv/bin/python -m pytest "$@"
