#!/usr/bin/env bash
# How many connections per second a server accepts and serves on loopback:
# tcp_server (its narration to /dev/null, and with --quiet) against the
# course's Python echo server labs/python/servidor_tcp.py (a plain
# iterative server: accept, recv/send until the client closes, close), in
# the same run.
#
# One Python client makes CONNS connections one after the other, each a
# whole life: connect, send "x\n", wait for its echo, close. (One at a
# time, so that no listen backlog overflows: a dropped SYN would add a 1 s
# retransmission and measure that instead.) The same client for every
# server, so what differs is the server.
#
# Usage: bench/accept_rate.sh [CONNS] [ROUNDS]     (defaults: 5000 5)
#
# Rounds interleave the three servers on fresh free ports; the table shows
# each server's median rate, its median ratio to the Python server's rate in
# the same round (with the spread of those ratios), and the median CPU time
# the server used per connection. Everything started here is stopped by its
# pid on exit.
set -euo pipefail

CONNS=${1:-5000}
ROUNDS=${2:-5}
cd "$(dirname "$0")/.."

command -v python3 >/dev/null || { echo "bench: python3 is not installed" >&2; exit 1; }
cargo build --release --quiet --bin tcp_server
BIN=target/release

tmp=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
. bench/lib.sh

cat >"$tmp/connect_loop.py" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
t0 = time.perf_counter()
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"x\n")
    got = b""
    while not got.endswith(b"\n"):
        b = s.recv(64)
        if not b:
            sys.exit("bench: the server closed before its echo")
        got += b
    s.close()
print(f"{n / (time.perf_counter() - t0):.0f}")
PY

# CPU time (user + system) a process has used so far, in ms.
cpu_ms() {
    local hz
    hz=$(getconf CLK_TCK)
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk -v hz="$hz" '{ printf "%d", ($12 + $13) * 1000 / hz }'
}

# One run against server KIND: connections/s in $rate, the server's CPU
# per connection (µs) in $cpu_us.
one() {
    local kind=$1 port server c0 c1
    port=$(free_port)
    case $kind in
        narrated) "$BIN/tcp_server" --port "$port" --max-clients 100000 >/dev/null 2>&1 & ;;
        quiet) "$BIN/tcp_server" --port "$port" --max-clients 100000 --quiet >/dev/null 2>&1 & ;;
        python) python3 labs/python/servidor_tcp.py --port "$port" >/dev/null 2>&1 & ;;
    esac
    server=$!
    pids+=("$server")
    wait_listening "$port"
    c0=$(cpu_ms "$server")
    rate=$(python3 "$tmp/connect_loop.py" "$port" "$CONNS")
    c1=$(cpu_ms "$server")
    cpu_us=$(( (c1 - c0) * 1000 / CONNS ))
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}

median() { sort -g | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }'; }
kinds=(python narrated quiet)
declare -A rates ratios cpus
for round in $(seq "$ROUNDS"); do
    line="round $round:"
    for kind in "${kinds[@]}"; do
        one "$kind"
        rates[$kind]+="$rate "
        cpus[$kind]+="$cpu_us "
        declare "r_$kind=$rate"
        line+=" $kind $rate/s (${cpu_us} µs CPU/conn);"
    done
    for kind in "${kinds[@]}"; do
        v="r_$kind"
        ratios[$kind]+="$(awk -v a="${!v}" -v b="$r_python" 'BEGIN { printf "%.3f", a / b }') "
    done
    echo "$line" >&2
done

echo "Accept rate on loopback, $CONNS sequential connections, $ROUNDS rounds (medians), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| server | connections/s | × Python server (spread) | server CPU per connection |"
echo "|---|---:|---:|---:|"
name() {
    case $1 in
        python) echo "labs/python/servidor_tcp.py" ;;
        narrated) echo "tcp_server (narration to /dev/null)" ;;
        quiet) echo "tcp_server --quiet" ;;
    esac
}
for kind in "${kinds[@]}"; do
    r=$(printf '%s\n' ${rates[$kind]} | median)
    q=$(printf '%s\n' ${ratios[$kind]} | median)
    lo=$(printf '%s\n' ${ratios[$kind]} | sort -g | head -1)
    hi=$(printf '%s\n' ${ratios[$kind]} | sort -g | tail -1)
    c=$(printf '%s\n' ${cpus[$kind]} | median)
    printf '| %s | %s | %.2f× (%.2f–%.2f) | %s µs |\n' "$(name "$kind")" "$r" "$q" "$lo" "$hi" "$c"
done
