# scripts/sparql-server-lib.sh — what scripts/fuseki and scripts/oxigraph share:
# arguments, the pid file, start (in the background, wait until HTTP answers, print
# the URL), stop, status. Sourced, not run. The caller sets NAME, PORT, HOME_DIR,
# START_TIMEOUT, STOP_TIMEOUT and READY_PATH, and defines:
#   server_command   sets the array SERVER_CMD (the server, in the foreground)
#   store_url        prints the URL to give --store
#   before_start     checks and preparations (optional: may be empty)
# The server binds 127.0.0.1 only; its output goes to HOME_DIR/NAME.log.

HOST="127.0.0.1"

say() { echo "$NAME: $*" >&2; }
die() { echo "$NAME: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
}

pid_file() { echo "$HOME_DIR/$NAME.pid"; }
port_file() { echo "$HOME_DIR/$NAME.port"; }
log_file() { echo "$HOME_DIR/$NAME.log"; }

# Is PID alive and our server for this home (guards against pid reuse)?
is_our_pid() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$HOME_DIR/"
}

# Prints the pid if the server of this home runs; else cleans up and fails.
running_pid() {
  local pf pid
  pf="$(pid_file)"
  [[ -f "$pf" ]] || return 1
  pid="$(tr -dc '0-9' <"$pf")"
  if is_our_pid "$pid"; then
    echo "$pid"
    return 0
  fi
  rm -f "$pf" "$(port_file)"
  return 1
}

running_port() {
  local p
  p="$(tr -dc '0-9' <"$(port_file)" 2>/dev/null || true)"
  echo "${p:-$PORT}"
}

port_open() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

# The HTTP status of GET READY_PATH on port $1 (empty when nothing answers).
http_status() {
  timeout 5 bash -c '
      exec 3<>"/dev/tcp/$0/$1" || exit 1
      printf "GET %s HTTP/1.0\r\nHost: %s:%s\r\n\r\n" "$2" "$0" "$1" >&3
      head -n 1 <&3' "$HOST" "$1" "$READY_PATH" 2>/dev/null | awk '{print $2}'
}

# Answering: a success, or a refusal for want of credentials.
answers() {
  local status
  status="$(http_status "$1")"
  [[ "$status" == 200 || "$status" == 401 ]]
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    local rp
    rp="$(running_port)"
    say "already running (pid $pid, port $rp, home $HOME_DIR)"
    [[ "$rp" == "$PORT" ]] || say "note: it listens on port $rp, not the requested $PORT"
    PORT="$rp"
    store_url
    return 0
  fi
  if port_open "$PORT"; then
    die "port $HOST:$PORT is already in use by another process (use --port)"
  fi
  before_start
  local log
  log="$(log_file)"
  [[ -f "$log" ]] && mv -f "$log" "$log.1"
  server_command
  local t0=$SECONDS
  # stdin/stdout/stderr detached so that callers capturing our output do not hang
  nohup "${SERVER_CMD[@]}" </dev/null >"$log" 2>&1 &
  pid=$!
  echo "$pid" >"$(pid_file)"
  echo "$PORT" >"$(port_file)"
  local deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$(pid_file)" "$(port_file)"
      tail -n 20 "$log" >&2 || true
      die "the server exited during startup (log: $log)"
    fi
    if answers "$PORT"; then
      say "ready in $((SECONDS - t0)) s (pid $pid, home $HOME_DIR, log $log)"
      store_url
      return 0
    fi
    sleep 0.3
  done
  tail -n 20 "$log" >&2 || true
  cmd_stop >/dev/null 2>&1 || true
  die "no answer on port $PORT within ${START_TIMEOUT} s; stopped it (log: $log)"
}

cmd_stop() {
  local pid
  pid="$(running_pid)" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "no clean shutdown after ${STOP_TIMEOUT} s; sending SIGKILL to $pid"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$(pid_file)" "$(port_file)"
  say "stopped (pid $pid)"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    PORT="$(running_port)"
    if answers "$PORT"; then
      echo "running pid=$pid $(store_url) home=$HOME_DIR"
    else
      echo "running pid=$pid $(store_url) home=$HOME_DIR (not answering yet)"
    fi
    return 0
  fi
  echo "not running (home $HOME_DIR)"
  return 3
}

# Parses COMMAND [--port N] [--home DIR]; sets CMD, PORT, HOME_DIR (absolute).
parse_args() {
  [[ $# -ge 1 ]] || { usage; exit 2; }
  CMD="$1"
  shift
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) [[ $# -ge 2 ]] || die "--port needs a value"; PORT="$2"; shift 2 ;;
      --port=*) PORT="${1#*=}"; shift ;;
      --home) [[ $# -ge 2 ]] || die "--home needs a value"; HOME_DIR="$2"; shift 2 ;;
      --home=*) HOME_DIR="${1#*=}"; shift ;;
      -h|--help) usage; exit 0 ;;
      *) die "unknown argument: $1 (try --help)" ;;
    esac
  done
  [[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT >= 1 && PORT <= 65535)) || die "invalid port: $PORT"
  if [[ "$CMD" == start ]]; then
    mkdir -p "$HOME_DIR" 2>/dev/null || die "cannot create home directory $HOME_DIR"
  fi
  if [[ -d "$HOME_DIR" ]]; then
    HOME_DIR="$(cd "$HOME_DIR" && pwd)"
  fi
}

dispatch() {
  case "$CMD" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    -h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}
