# fixture-lib.sh — helpers shared by the daemon fixtures (tests/integration/{postfix,
# dovecot,mta2}/fixture.sh), sourced, never run. Each fixture is called as
# `fixture.sh start|stop DIR`, keeps everything in DIR, writes DIR/ports.env, and ends only
# the pids it recorded itself.
#
# Before sourcing, a fixture sets FX_NAME (the prefix of its messages), FX_LOGS (files in
# DIR whose last lines `die` shows; may be empty) and may set FX_LOG_LINES (default 30). Sourcing
# parses the arguments into $action and $dir (absolute, created). The fixture then defines
# do_start and do_stop and ends with `fx_dispatch`.
# shellcheck shell=bash

fx_usage() { echo "usage: fixture.sh start|stop DIR" >&2; exit 64; }
[ $# -eq 2 ] || fx_usage
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)

# Exit 77 (CTest skip): this machine cannot run the fixture. With CI=true a skip means a
# broken CI image, so it fails instead.
skip() {
  if [ "${CI:-}" = true ]; then
    echo "$FX_NAME: FAIL (CI=true, cannot skip): $*" >&2
    exit 1
  fi
  echo "$FX_NAME: skip: $*" >&2
  exit 77
}

die() {
  echo "$FX_NAME: $*" >&2
  local f
  for f in "${FX_LOGS[@]}"; do
    if [ -s "$dir/$f" ]; then
      echo "--- last lines of $dir/$f:" >&2
      tail -n "${FX_LOG_LINES:-30}" "$dir/$f" >&2
    fi
  done
  exit 1
}

# live_pid FILE [NEEDLE]: the pid recorded in FILE if that process still runs and (with
# NEEDLE) its command line contains NEEDLE, so a recycled pid of someone else never
# matches. Prints nothing otherwise.
live_pid() {
  local pid
  [ -f "$1" ] || return 0
  pid=$(tr -dc '0-9' < "$1")
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  if [ -z "${2:-}" ] || tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"; then
    echo "$pid"
  fi
}

# stop_pid PID: TERM, wait up to 5 s, then KILL — that pid only. Empty PID: nothing.
stop_pid() {
  local pid=$1 tries=0
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 25 ]; do
    sleep 0.2
    tries=$((tries + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  return 0
}

# free_ports N: N distinct free loopback TCP ports, all bound at once while choosing.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))
for s in held:
    s.close()
PY
}

# wait_banners [--tls PORT] PORT...: every PORT greets with 220 within 20 s (loaded CI
# machines); the --tls port is implicit TLS (certificate not checked). Exit 1 with the
# silent ports on stderr otherwise.
wait_banners() {
  python3 - "$@" <<'PY'
import socket, ssl, sys, time
args = sys.argv[1:]
tls = None
if args[:1] == ["--tls"]:
    tls, args = int(args[1]), args[2:]
pending = {int(p) for p in args}
deadline = time.monotonic() + 20
while pending and time.monotonic() < deadline:
    for port in sorted(pending):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            if port == tls:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                s = ctx.wrap_socket(s)
            s.settimeout(2)
            data = s.recv(512)
            try:
                s.sendall(b"QUIT\r\n")
                s.recv(512)
            except OSError:
                pass
            s.close()
            if data.startswith(b"220"):
                pending.discard(port)
        except OSError:
            pass
    if pending:
        time.sleep(0.1)
if pending:
    print("no 220 banner on port(s): " + " ".join(map(str, sorted(pending))), file=sys.stderr)
    sys.exit(1)
PY
}

# write_ports_env < LINES: DIR/ports.env, replaced in one rename so a reader never sees
# half of it (its presence means "started").
write_ports_env() {
  cat > "$dir/ports.env.tmp"
  mv "$dir/ports.env.tmp" "$dir/ports.env"
}

fx_dispatch() {
  case "$action" in
    start) do_start ;;
    stop) do_stop; rm -f "$dir/ports.env" ;;
    *) fx_usage ;;
  esac
}
