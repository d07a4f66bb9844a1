#!/usr/bin/env bash
# Live capture under a loopback flood: iperf3 sends small UDP datagrams at
# RATE (default 150k packets/s) for SECS seconds while `capture -w` records
# them and prints its text to /dev/null; then capture's own end-of-run
# kernel counters say how many packets the kernel dropped. The same flood is
# then captured by `tcpdump -w` for comparison. Needs root.
# Usage: bench/capture_live.sh [PPS] [SECS]
set -euo pipefail
cd "$(dirname "$0")/.."
pps=${1:-150000}
secs=${2:-5}
len=64
mkdir -p bench/results
cargo build --release -q --bin capture
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bps=$((pps * len * 8))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

flood() {
  iperf3 -s -1 -B 127.0.0.1 -p "$port" >/dev/null 2>&1 & local srv=$!; pids+=($srv)
  sleep 0.5
  iperf3 -u -c 127.0.0.1 -p "$port" -l "$len" -b "$bps" -t "$secs" -J > bench/results/flood.json 2>/dev/null || true
  wait "$srv" 2>/dev/null || true
  python3 -c 'import json,sys; d=json.load(open("bench/results/flood.json")); s=d["end"]["sum"]; print("flood: %d datagrams in %.1f s = %.0f packets/s" % (s["packets"], s["seconds"], s["packets"]/s["seconds"]))'
}

echo "== capture -w bench/results/live.pcap --port $port > /dev/null"
target/release/capture ${IMMEDIATE:+--immediate-mode} -w bench/results/live.pcap --port "$port" > /dev/null 2> bench/results/capture.err & cap=$!; pids+=($cap)
sleep 1
flood
sleep 1; kill -INT "$cap"; wait "$cap" || true
grep -E "dropped by kernel" bench/results/capture.err || true
target/release/capture -r bench/results/live.pcap --json 2>/dev/null | tail -1

echo "== tcpdump -w bench/results/live-tcpdump.pcap udp port $port"
tcpdump -i lo -w bench/results/live-tcpdump.pcap "udp port $port" 2> bench/results/tcpdump.err & td=$!; pids+=($td)
sleep 1
flood
sleep 1; kill -INT "$td"; wait "$td" || true
grep -E "captured|dropped" bench/results/tcpdump.err || true
