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
# a whole life: socket, connect, accept, send "x\n", echo, close on both
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
# - records-calls, records-states, records-lengths (only when asked for in
#   MODES): the records of one group of events alone, to see what each
#   costs: the socket calls (syscalls/*, and the process events), the TCP
#   states (inet_sock_set_state and tcp/*), the send and receive lengths;
# - records-one, records-exits, records-local (only in MODES): all the
#   records, set up another way, to see whether they could be had for
#   less: in one instance; with the syscalls' exits of send and receive
#   instead of the lengths; with the clock `local` (see variant_snaps in
#   bench/kernel_lib.sh). RECORDS_KB=N sets the records' buffer size.
#
# Usage: sudo bench/kernel_overhead_ab.sh [SECONDS] [PHASE_MS] [GUARD_MS]   (20 200 20)
#        sudo MODES="records records-calls records-states records-lengths" bench/kernel_overhead_ab.sh 30 300 20
#        sudo SERVER=tcp_server bench/kernel_overhead_ab.sh 30 300 20
#        (MODES: which modes, in that order; default "records ports follow capture".
#        SERVER: python, the course's server above (default), or tcp_server,
#        socklab's own lab server, `tcp_server --quiet`, a thread per client)
# Prints a Markdown table: for each mode, the connections per second with
# the events off, the median of the on-stretches' slowdowns against their
# neighbours (and the middle half of them), the pooled slowdown (all
# on-stretches against all off-stretches), and how much longer a
# connection takes when on (its median time, and its first and third
# quartiles, on against off: the steadiest of these figures, since a stall
# of the host lengthens a few connections and a cost on every connection
# moves them all). Needs root. Everything started
# here is stopped by its pid, and every instance removed, on exit.
set -euo pipefail

SECONDS_PER_MODE=${1:-20}
SERVER=${SERVER:-python}
case $SERVER in python | tcp_server) ;; *) echo "bench: SERVER is python or tcp_server" >&2; exit 2 ;; esac
PHASE_MS=${2:-200}
GUARD_MS=${3:-20}
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench: tracing needs root: sudo $0" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 is not installed" >&2; exit 1; }
command -v taskset >/dev/null || { echo "bench: needs taskset (util-linux)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 CPUs (the loop on one, the switch and the tracer on the other)" >&2; exit 1; }
cargo build --release --quiet --bin capture --bin tcp_server --example ktrace
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
    s.sendall(b"x\n")
    got = b""
    while not got.endswith(b"\n"):
        b = s.recv(16)
        if not b:
            sys.exit("bench: the server closed before its echo")
        got += b
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

# The analysis: CONNS_FILE SWITCH_FILE GUARD_MS ->
# "off_rate median q1 q3 pooled n conn_median conn_q1 conn_q3".
# The first five are about rates (connections per second in each stretch).
# The last three are about each connection's own time (from the end of the
# one before it to its end): a stall of the host lengthens a few
# connections only, while a cost paid by every connection moves them all.
# They compare the median connection time in the on-stretches with the
# off-stretches, and the same for the first and third quartiles.
cat >"$tmp/analyse.py" <<'EOF'
import bisect, statistics, sys
ends = [float(l) for l in open(sys.argv[1]) if l.strip()]
sw = [l.split() for l in open(sys.argv[2]) if l.strip()]
guard = float(sys.argv[3]) / 1000
stretches = []  # (rate, state, conns, seconds)
times = {0: [], 1: []}  # each connection's time, by state
for i in range(len(sw) - 1):
    a, b = float(sw[i][1]) + guard, float(sw[i + 1][0])
    if b <= a:
        continue
    lo, hi = bisect.bisect_left(ends, a), bisect.bisect_left(ends, b)
    n = hi - lo
    stretches.append((n / (b - a), int(sw[i][2]), n, b - a))
    # The connections that began and ended inside the stretch.
    times[int(sw[i][2])].extend(ends[j] - ends[j - 1] for j in range(max(lo, 1) + 1, hi))
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
if len(slow) < 4 or on == 0 or min(len(times[0]), len(times[1])) < 100:
    sys.exit("too few stretches: make SECONDS longer or PHASE_MS shorter")
q = statistics.quantiles(slow, n=4)
t_on, t_off = statistics.quantiles(times[1], n=4), statistics.quantiles(times[0], n=4)
c = [100 * (t_on[k] / t_off[k] - 1) for k in range(3)]
print(f"{off:.0f} {statistics.median(slow):+.1f} {q[0]:+.1f} {q[2]:+.1f} {100 * (off / on - 1):+.1f} {len(slow)} {c[1]:+.1f} {c[0]:+.1f} {c[2]:+.1f}")
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
    [ "$SERVER" = tcp_server ] && srv=(taskset -c 0 "$BIN/tcp_server" --quiet --port "$port")
    tracer=
    case $mode in
        records*)
            "${srv[@]}" >/dev/null 2>&1 &
            server=$!
            pids+=("$server")
            case $mode in
                records-one | records-exits | records-local)
                    start_records "$port" "" "$(variant_snaps "${mode#records-}")" ;;
                *) start_records "$port" "$(records_only "$mode")" ;;
            esac
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
        records*) wait "$server" 2>/dev/null || true; stop_records ;;
        follow) wait "$tracer" 2>/dev/null || true ;;
        *) wait "$server" 2>/dev/null || true; stop_ktrace ;;
    esac
    read -r off med q1 q3 pooled n cmed cq1 cq3 <<<"$out"
    row="| $2 | $off | $med % ($q1 … $q3) | $pooled % | $cmed % ($cq1, $cq3) | $n |"
    echo "$mode: $out" >&2
}

# The events of a records-GROUP mode (a regex on group/event), or all.
records_only() {
    case $1 in
        records-calls) echo '^(syscalls|sched|task)/' ;;
        records-states) echo '^(sock/inet_sock_set_state|tcp/)' ;;
        records-lengths) echo '^sock/sock_(send|recv)_length' ;;
        *) echo '' ;;
    esac
}

snapshot_events
rows=()
for mode in ${MODES:-records ports follow capture}; do
    case $mode in
        records) label="the kernel's records only" ;;
        records-calls) label="the records of the socket calls only (syscalls)" ;;
        records-states) label="the records of the TCP states only (inet_sock_set_state, tcp/*)" ;;
        records-lengths) label="the records of the send and receive lengths only" ;;
        records-one) label="all the records, in one instance" ;;
        records-exits) label="all the records, the syscalls' exits of send and receive instead of the lengths" ;;
        records-local) label="all the records, the clock local" ;;
        ports) label="ktrace --port" ;;
        follow) label="ktrace -- PROGRAM" ;;
        capture) label="capture --port (its kernel view switched)" ;;
        *) echo "bench: unknown mode $mode (records, records-calls, records-states, records-lengths, records-one, records-exits, records-local, ports, follow, capture)" >&2; exit 2 ;;
    esac
    run_mode "$mode" "$label"
    rows+=("$row")
done

echo "Kernel tracing switched on and off inside one accept loop, $(nproc) CPUs, $(uname -sr), ${SECONDS_PER_MODE} s per mode, ${PHASE_MS} ms stretches (first ${GUARD_MS} ms after a switch left out), client and server ($SERVER) on CPU 0, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| mode (events switched) | connections/s, events off | slower when on: median of the stretches (middle half) | slower when on, pooled | a connection's time, longer when on: median (first, third quartile) | on-stretches |"
echo "|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
