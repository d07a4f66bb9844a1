#!/usr/bin/env bash
# TCP throughput on loopback: `tcp_client --bytes SIZE` into `tcp_server
# --mode sink`, against iperf3 on the same machine in the same run.
#
# Usage: bench/tcp_throughput.sh [SIZE] [ROUNDS]     (defaults: 1G 3)
#
# Each round runs iperf3 first, then the lab programs, on fresh free ports of
# 127.0.0.1, and prints both rates in Gbit/s (10^9 bit/s, as iperf3 counts)
# and their ratio. The target is a ratio of at least 0.80.
# Everything started here is stopped by its pid on exit.
set -euo pipefail

SIZE=${1:-1G}
ROUNDS=${2:-3}
cd "$(dirname "$0")/.."

command -v iperf3 >/dev/null || { echo "bench: iperf3 is not installed" >&2; exit 1; }
cargo build --release --quiet --bin tcp_server --bin tcp_client
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

# iperf3 server for one test (-1), then the client; prints receiver Gbit/s.
run_iperf3() {
    local port
    port=$(free_port)
    iperf3 -s -1 -B 127.0.0.1 -p "$port" >"$tmp/iperf3-server.txt" 2>&1 &
    pids+=($!)
    wait_listening "$port"
    iperf3 -c 127.0.0.1 -p "$port" -n "$SIZE" -f g >"$tmp/iperf3.txt"
    awk '/receiver/ { print $(NF-2) }' "$tmp/iperf3.txt"
}

# tcp_server --mode sink on port 0, then tcp_client --bytes; prints the
# client's Gbit/s (measured from its first send() to the server's FIN).
run_socklab() {
    local port
    "$BIN/tcp_server" --mode sink --port 0 --quiet >"$tmp/server.txt" 2>&1 &
    local server=$!
    pids+=("$server")
    for _ in $(seq 100); do
        grep -q 'listening on' "$tmp/server.txt" && break
        sleep 0.05
    done
    port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/server.txt")
    "$BIN/tcp_client" --port "$port" --bytes "$SIZE" --quiet >"$tmp/client.txt"
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    grep -q '^reply: sink received' "$tmp/client.txt" ||
        { echo "bench: the sink did not confirm the bytes" >&2; cat "$tmp/client.txt" >&2; return 1; }
    sed -n 's/^sent .*: \([0-9.]*\) Gbit\/s$/\1/p' "$tmp/client.txt"
}

echo "TCP throughput on loopback, $SIZE per run, $(nproc) CPUs, $(uname -sr)"
printf '%-6s %14s %20s %7s\n' round "iperf3 Gbit/s" "tcp_client Gbit/s" ratio
ratios=()
for round in $(seq "$ROUNDS"); do
    iperf=$(run_iperf3)
    ours=$(run_socklab)
    ratio=$(awk -v a="$ours" -v b="$iperf" 'BEGIN { printf "%.2f", a / b }')
    ratios+=("$ratio")
    printf '%-6s %14s %20s %7s\n' "$round" "$iperf" "$ours" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }')
echo "median ratio: $median (target: at least 0.80)"
