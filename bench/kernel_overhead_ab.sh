#!/usr/bin/env bash
# What the kernel's view costs an accept loop, measured by switching the
# tracer's events on and off many times inside one long loop, so that each
# "on" stretch is compared with the "off" stretches just before and after
# it. On this project's virtual machines the host runs the VM fast or slow
# for seconds at a time: whole runs a second apart (bench/kernel_overhead.sh)
# differ by ±50 %, stretches 200 ms apart by much less.
#
# One Python client makes connections one after the other into
# labs/python/servidor_tcp.py (client and server on CPU 0; each connection
# a whole life: socket, connect, accept, send "x", echo, close on both
# sides) and notes when each one ended. Meanwhile, on CPU 1, a switch
# writes 1 and 0 into the `enable` file of each event the tracer enabled
# in its instances, every PHASE ms. The first GUARD ms after each switch are left out (enabling a
# tracepoint patches the kernel's code on every CPU). Modes, one after the
# other, each for SECONDS:
#
# - records: the kernel's records alone: the events, filters, clock and
#   buffer size that `ktrace --port` sets, in private instances
#   (socklab-bench-*) that nothing reads;
# - ktrace --port: the tracer following every process on the port,
#   reading and joining what it gets (`examples/ktrace --count-only`);
# - ktrace -- PROGRAM: the tracer following the server it started. Its
#   pid filter stays set in the "off" stretches too, so this compares the
#   records and their reading, not the filter's cost at each context
#   switch (bench/tracepoint_cost.sh measures that);
# - capture --port: the whole capture (output to /dev/null), its packets
#   captured all along: what the kernel's view adds inside a capture.
#
# Usage: sudo bench/kernel_overhead_ab.sh [SECONDS] [PHASE_MS] [GUARD_MS]   (20 200 20)
# Prints a Markdown table: for each mode, the connections per second with
# the events off, the median of the on-stretches' slowdowns against their
# neighbours (and the middle half of them), and the pooled slowdown (all
# on-stretches against all off-stretches). Needs root. Everything started
# here is stopped by its pid, and every instance removed, on exit.
set -euo pipefail

SECONDS_PER_MODE=${1:-20}
PHASE_MS=${2:-200}
GUARD_MS=${3:-20}
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench: tracing needs root: sudo $0" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 is not installed" >&2; exit 1; }
command -v taskset >/dev/null || { echo "bench: needs taskset (util-linux)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 CPUs (the loop on one, the switch and the tracer on the other)" >&2; exit 1; }
cargo build --release --quiet --bin capture --example ktrace
BIN=target/release
KTRACE=$BIN/examples/ktrace
# shellcheck source=bench/kernel_lib.sh
. bench/kernel_lib.sh

# The client: connections until END (a time.time()), then every
# connection's end time, one a line.
cat >"$tmp/client.py" <<'EOF'
import socket, sys, time
from array import array
port, end = int(sys.argv[1]), float(sys.argv[2])
done = array("d")
while True:
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    s.sendall(b"x")
    s.recv(16)
    s.close()
    t = time.time()
    done.append(t)
    if t >= end:
        break
sys.stdout.write("\n".join(f"{t:.6f}" for t in done) + "\n")
EOF

# The switch: from START to END, 0 and 1 in turns into each enable file,
# one write() each; a line per switch: time before, time after, state.
# Leaves the events on.
cat >"$tmp/switch.py" <<'EOF'
import os, sys, time
phase, start, end = float(sys.argv[1]) / 1000, float(sys.argv[2]), float(sys.argv[3])
fds = [os.open(f, os.O_WRONLY) for f in sys.argv[4:]]
def set_all(v):
    for fd in fds:
        os.write(fd, v)
time.sleep(max(0.0, start - time.time()))
state, log = 1, []
while time.time() < end:
    state ^= 1
    t0 = time.time()
    set_all(b"1" if state else b"0")
    log.append(f"{t0:.6f} {time.time():.6f} {state}")
    time.sleep(phase)
set_all(b"1")
print("\n".join(log))
EOF

# The analysis: CONNS_FILE SWITCH_FILE GUARD_MS -> "off_rate median q1 q3 pooled n".
cat >"$tmp/analyse.py" <<'EOF'
import bisect, statistics, sys
ends = [float(l) for l in open(sys.argv[1]) if l.strip()]
sw = [l.split() for l in open(sys.argv[2]) if l.strip()]
guard = float(sys.argv[3]) / 1000
stretches = []  # (rate, state, conns, seconds)
for i in range(len(sw) - 1):
    a, b = float(sw[i][1]) + guard, float(sw[i + 1][0])
    if b <= a:
        continue
    n = bisect.bisect_left(ends, b) - bisect.bisect_left(ends, a)
    stretches.append((n / (b - a), int(sw[i][2]), n, b - a))
slow = []
for i in range(1, len(stretches) - 1):
    rate, state = stretches[i][0], stretches[i][1]
    if state != 1 or rate == 0:
        continue
    around = [stretches[j][0] for j in (i - 1, i + 1) if stretches[j][1] == 0]
    if around:
        slow.append(100 * (statistics.mean(around) / rate - 1))
def pooled(state):
    n = sum(s[2] for s in stretches if s[1] == state)
    t = sum(s[3] for s in stretches if s[1] == state)
    return n / t if t else 0
off, on = pooled(0), pooled(1)
if len(slow) < 4 or on == 0:
    sys.exit("too few stretches: make SECONDS longer or PHASE_MS shorter")
q = statistics.quantiles(slow, n=4)
print(f"{off:.0f} {statistics.median(slow):+.1f} {q[0]:+.1f} {q[2]:+.1f} {100 * (off / on - 1):+.1f} {len(slow)}")
EOF

# The newest socklab instances made by PID (capture's own, named
# socklab-PID-...).
instances_of_pid() {
    local d
    for d in "$TRACEFS"/instances/socklab-"$1"-*; do
        [ -d "$d" ] && basename "$d"
    done
}

# One mode: sets $row.
run_mode() {
    local mode=$1 port server enables=() dirs=() name e start end out
    port=$(free_port)
    local srv=(taskset -c 0 python3 labs/python/servidor_tcp.py --port "$port")
    tracer=
    case $mode in
        records)
            "${srv[@]}" >/dev/null 2>&1 &
            server=$!
            pids+=("$server")
            start_records "$port"
            dirs=("${rec_insts[@]}")
            ;;
        ports)
            "${srv[@]}" >/dev/null 2>&1 &
            server=$!
            pids+=("$server")
            start_ktrace "$tmp/kt-$mode.json" --port "$port"
            ;;
        follow)
            start_ktrace "$tmp/kt-$mode.json" -- "${srv[@]}"
            server=$(sed -n 's/.*"pid":\([0-9]*\),"type":"started".*/\1/p' "$tmp/kt-$mode.json" | head -1)
            ;;
        capture)
            "${srv[@]}" >/dev/null 2>&1 &
            server=$!
            pids+=("$server")
            start_capture "$port"
            ;;
    esac
    case $mode in
        ports | follow)
            for name in $(instances_of_ktrace "$tmp/kt-$mode.json"); do dirs+=("$TRACEFS/instances/$name"); done
            ;;
        capture)
            for name in $(instances_of_pid "$tracer"); do dirs+=("$TRACEFS/instances/$name"); done
            ;;
    esac
    # The events the tracer enabled (not the instance's events/enable,
    # which would switch on every event the kernel has).
    for name in "${dirs[@]}"; do
        for e in "$name"/events/*/*/enable; do
            [ "$(cat "$e")" = 1 ] && enables+=("$e")
        done
    done
    [ ${#enables[@]} -gt 0 ] || { echo "bench: $mode: no tracing instance to switch" >&2; exit 1; }
    wait_listening "$port"
    start=$(python3 -c 'import time; print(time.time() + 0.5)')
    end=$(python3 -c "print($start + $SECONDS_PER_MODE)")
    taskset -c 1 python3 "$tmp/switch.py" "$PHASE_MS" "$start" "$end" "${enables[@]}" >"$tmp/switch-$mode.txt" &
    local switch=$!
    pids+=("$switch")
    taskset -c 0 python3 "$tmp/client.py" "$port" "$(python3 -c "print($end + 0.2)")" >"$tmp/conns-$mode.txt"
    wait "$switch"
    out=$(python3 "$tmp/analyse.py" "$tmp/conns-$mode.txt" "$tmp/switch-$mode.txt" "$GUARD_MS")
    kill "$server" 2>/dev/null || true
    case $mode in
        records) wait "$server" 2>/dev/null || true; stop_records ;;
        follow) wait "$tracer" 2>/dev/null || true ;;
        *) wait "$server" 2>/dev/null || true; stop_ktrace ;;
    esac
    read -r off med q1 q3 pooled n <<<"$out"
    row="| $2 | $off | $med % ($q1 … $q3) | $pooled % | $n |"
    echo "$mode: $out" >&2
}

snapshot_events
rows=()
for mode in records ports follow capture; do
    case $mode in
        records) label="the kernel's records only" ;;
        ports) label="ktrace --port" ;;
        follow) label="ktrace -- PROGRAM" ;;
        capture) label="capture --port (its kernel view switched)" ;;
    esac
    run_mode "$mode" "$label"
    rows+=("$row")
done

echo "Kernel tracing switched on and off inside one accept loop, $(nproc) CPUs, $(uname -sr), ${SECONDS_PER_MODE} s per mode, ${PHASE_MS} ms stretches (first ${GUARD_MS} ms after a switch left out), client and server on CPU 0, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| mode (events switched) | connections/s, events off | slower when on: median of the stretches (middle half) | slower when on, pooled | on-stretches |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
