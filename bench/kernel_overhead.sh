#!/usr/bin/env bash
# What the kernel's view (src/kernel) costs the programs it watches, in the
# same run: each test with tracing off, with the kernel's records alone
# (the events and filters of `ktrace --port`, in private instances that
# nothing reads: the floor under every mode that reads them), with the
# tracer following every process on the test's port (what a plain
# `capture` does), and with it
# following one program (`capture -- PROGRAM`), and under the real
# `capture --port N` (its output to /dev/null) with the kernel's view and
# with `--no-kernel`, so that what the kernel's view adds to a capture is
# seen apart from what capturing the packets costs. The tracer of the
# first two is `examples/ktrace --count-only`: the real reader, joiner and
# queue, with the facts counted instead of printed.
#
# - throughput: `tcp_client --bytes SIZE` into `tcp_server --mode sink`;
# - accepts: CONNS connections one after the other from one Python client
#   into labs/python/servidor_tcp.py, each a whole life: socket, connect,
#   accept, send "x", echo, close on both sides. (One at a time, so that
#   the server's listen backlog never overflows: a dropped SYN would add a
#   1 s retransmission and measure that instead.)
#
# Usage: sudo bench/kernel_overhead.sh [SIZE] [CONNS] [ROUNDS]   (1G 1000 3)
#        sudo PIN_CPU=0 bench/kernel_overhead.sh ...
#
# SIZE 0 leaves the throughput test out: the accept loop alone, whose
# rounds then take well under a second each, so that many of them fit in
# a run (on a noisy host the median of many close pairs says more than a
# few far apart).
#
# PIN_CPU=N runs the accept loop's client and server on CPU N only
# (taskset), the tracer wherever the scheduler puts it: the loop then
# measures what the traced programs pay in the kernel, apart from how a
# virtual machine wakes an idle CPU (on this project's 2-CPU VMs that
# alone swings the unpinned loop by ±50 % between runs).
#
# Rounds interleave the six modes; the table (Markdown rows, as
# docs/performance.md shows it) gives each mode's median and the median of
# its per-round ratio to tracing off in the same round (goal: under 10 %
# slower), and for the accepts the CPU time the client and server used and
# the tracer's (or capture's) own:
# on a shared machine wall times swing with the others' load, CPU times
# much less. Needs root. Everything started here is stopped by its pid on
# exit.
set -euo pipefail

SIZE=${1:-1G}
CONNS=${2:-1000}
ROUNDS=${3:-3}
cd "$(dirname "$0")/.."
PIN=()
if [ -n "${PIN_CPU:-}" ]; then
    command -v taskset >/dev/null || { echo "bench: PIN_CPU needs taskset (util-linux)" >&2; exit 1; }
    PIN=(taskset -c "$PIN_CPU")
fi

[ "$(id -u)" = 0 ] || { echo "bench: tracing needs root: sudo $0" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 is not installed" >&2; exit 1; }
cargo build --release --quiet --bin tcp_server --bin tcp_client --bin capture --example ktrace
BIN=target/release
KTRACE=$BIN/examples/ktrace
# shellcheck source=bench/kernel_lib.sh
. bench/kernel_lib.sh

# Start the tracer of MODE for PORT: ktrace (ports) or capture.
start_tracer() {
    local mode=$1 port=$2 out=$3
    case $mode in
        records) start_records "$port"; tracer= ;;
        ports) start_ktrace "$out" --port "$port" ;;
        capture) start_capture "$port" ;;
        nokernel) start_capture "$port" --no-kernel ;;
    esac
}

# Stop what start_tracer started for MODE.
stop_tracer() {
    case $1 in
        records) stop_records ;;
        off | follow) ;;
        *) stop_ktrace ;;
    esac
}

# The facts counted and the events the kernel lost, from ktrace's report.
report_of() {
    python3 -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1]) if "\"report\"" in l][-1]
print(r["facts"], r["kernel_lost"] + r["queue_dropped"])' "$1"
}

# One throughput run in MODE (off, ports, follow, capture, nokernel); Gbit/s in $result.
# (No command substitution: its subshell would hide the pids from cleanup.)
throughput() {
    local mode=$1 port server
    port=$(free_port)
    local sargs=(--mode sink --port "$port" --once --quiet)
    case $mode in
        off|records|ports|capture|nokernel)
            if [ "$mode" != off ]; then start_tracer "$mode" "$port" "$tmp/kt-$mode-tp.json"; fi
            "$BIN/tcp_server" "${sargs[@]}" >"$tmp/server.txt" 2>&1 &
            server=$!
            pids+=("$server")
            ;;
        follow)
            start_ktrace "$tmp/kt-$mode-tp.json" -- "$BIN/tcp_server" "${sargs[@]}"
            server=$tracer
            ;;
    esac
    wait_listening "$port"
    "$BIN/tcp_client" --port "$port" --bytes "$SIZE" --quiet >"$tmp/client.txt"
    wait "$server" 2>/dev/null || true
    stop_tracer "$mode"
    grep -q '^reply: sink received' "$tmp/client.txt" ||
        { echo "bench: the sink did not confirm the bytes" >&2; cat "$tmp/client.txt" >&2; return 1; }
    result=$(sed -n 's/^sent .*: \([0-9.]*\) Gbit\/s$/\1/p' "$tmp/client.txt")
}

# The client of the accept loop: CONNS connections, each waits for its
# echo before closing; prints its wall time and its own CPU time (s).
cat >"$tmp/connect_loop.py" <<'EOF'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
t0, c0 = time.perf_counter(), time.process_time()
for _ in range(n):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    s.sendall(b"x")
    s.recv(16)
    s.close()
print(f"{time.perf_counter() - t0:.4f} {time.process_time() - c0:.4f}")
EOF

# CPU time a process's threads have used so far, in ms, from the
# scheduler's own nanosecond count (/proc/PID/task/*/schedstat): the ticks
# of /proc/PID/stat are 10 ms, as long as a whole 1000-connection loop.
cpu_ms() {
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ ns += $1 } END { printf "%.1f", ns / 1e6 }'
}

# One accept-loop run in MODE: the seconds CONNS connections took in
# $result; the CPU the client and server used (ms) in $progs_cpu, and the
# tracer's own in $tracer_cpu. CPU time is far less disturbed than wall
# time by whatever else the machine is doing.
accepts() {
    local mode=$1 port server wall ccpu s0 k0=0 k1=0
    port=$(free_port)
    local srv=("${PIN[@]}" python3 labs/python/servidor_tcp.py --port "$port")
    case $mode in
        off|records|ports|capture|nokernel)
            if [ "$mode" != off ]; then start_tracer "$mode" "$port" "$tmp/kt-$mode-acc.json"; fi
            "${srv[@]}" >"$tmp/server-out.txt" 2>&1 &
            server=$!
            pids+=("$server")
            ;;
        follow)
            start_ktrace "$tmp/kt-$mode-acc.json" -- "${srv[@]}"
            server=$(sed -n 's/.*"pid":\([0-9]*\),"type":"started".*/\1/p' "$tmp/kt-$mode-acc.json" | head -1)
            ;;
    esac
    wait_listening "$port"
    s0=$(cpu_ms "$server")
    if [ -n "${tracer:-}" ] && [ "$mode" != off ]; then k0=$(cpu_ms "$tracer"); fi
    read -r wall ccpu < <("${PIN[@]}" python3 "$tmp/connect_loop.py" "$port" "$CONNS")
    sleep 0.3 # the tracer catches up with the last records
    if [ -n "${tracer:-}" ] && [ "$mode" != off ]; then k1=$(cpu_ms "$tracer"); fi
    result=$wall
    progs_cpu=$(awk -v c="$ccpu" -v s0="$s0" -v s1="$(cpu_ms "$server")" \
        'BEGIN { printf "%.1f", c * 1000 + s1 - s0 }')
    tracer_cpu=$(awk -v a="$k0" -v b="$k1" 'BEGIN { printf "%.1f", b - a }')
    kill "$server" 2>/dev/null || true
    if [ "$mode" = follow ]; then
        # ktrace ends when its program does.
        wait "$tracer" 2>/dev/null || true
    else
        wait "$server" 2>/dev/null || true
        stop_tracer "$mode"
    fi
}

median() { sort -g | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }'; }
# How much slower X is than BASE, in %, from one round's pair.
slower() { awk -v base="$1" -v x="$2" -v more_is_better="$3" 'BEGIN {
    d = more_is_better ? (base - x) / base : (x - base) / base
    printf "%.1f", 100 * d }'; }

modes=(off records ports follow capture nokernel)
snapshot_events
declare -A tp acc pcpu kcpu facts_tp facts_acc d_tp d_acc d_cpu
for round in $(seq "$ROUNDS"); do
    line="round $round:"
    for mode in "${modes[@]}"; do
        if [ "$SIZE" != 0 ]; then
            throughput "$mode"
            tp[$mode]+="$result "
            declare "tp_$mode=$result"
            line+=" $mode ${result} Gbit/s"
        else
            line+=" $mode"
        fi
        accepts "$mode"
        acc[$mode]+="$result "
        pcpu[$mode]+="$progs_cpu "
        kcpu[$mode]+="$tracer_cpu "
        declare "acc_$mode=$result" "cpu_$mode=$progs_cpu"
        line+=" ${result} s (CPU: programs ${progs_cpu} ms, tracer ${tracer_cpu} ms);"
        if [ "$mode" = ports ] || [ "$mode" = follow ]; then
            if [ "$SIZE" != 0 ]; then facts_tp[$mode]=$(report_of "$tmp/kt-$mode-tp.json"); fi
            facts_acc[$mode]=$(report_of "$tmp/kt-$mode-acc.json")
        fi
    done
    for mode in "${modes[@]:1}"; do
        if [ "$SIZE" != 0 ]; then v=tp_$mode; d_tp[$mode]+="$(slower "$tp_off" "${!v}" 1) "; fi
        v=acc_$mode; d_acc[$mode]+="$(slower "$acc_off" "${!v}" 0) "
        v=cpu_$mode; d_cpu[$mode]+="$(slower "$cpu_off" "${!v}" 0) "
    done
    echo "$line" >&2
done

# "+4.1 % (−2.0 … +9.3)": the median of the per-round differences and
# their spread.
spread() {
    local m lo hi
    m=$(printf '%s\n' $1 | median)
    lo=$(printf '%s\n' $1 | sort -g | head -1)
    hi=$(printf '%s\n' $1 | sort -g | tail -1)
    printf '%+.1f %% (%+.1f … %+.1f)' "$m" "$lo" "$hi"
}
col() { printf '%s\n' $1 | median; }

echo "Kernel tracing cost, $(nproc) CPUs, $(uname -sr), $ROUNDS interleaved rounds (medians; slower than tracing off: median of the per-round differences, and their spread), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| test | tracing off | the kernel's records only | ktrace --port | ktrace -- PROGRAM | capture --port | capture --port --no-kernel |"
echo "|---|---:|---:|---:|---:|---:|---:|"
if [ "$SIZE" != 0 ]; then
    row="| \`tcp_client --bytes $SIZE\` | $(col "${tp[off]}") Gbit/s"
    for mode in "${modes[@]:1}"; do row+=" | $(col "${tp[$mode]}") Gbit/s, $(spread "${d_tp[$mode]}")"; done
    echo "$row |"
fi
pinned=${PIN_CPU:+, client and server on CPU $PIN_CPU}
row="| $CONNS connections (accept loop$pinned) | $(col "${acc[off]}") s"
for mode in "${modes[@]:1}"; do row+=" | $(col "${acc[$mode]}") s, $(spread "${d_acc[$mode]}")"; done
echo "$row |"
row="| CPU of client + server | $(col "${pcpu[off]}") ms"
for mode in "${modes[@]:1}"; do row+=" | $(col "${pcpu[$mode]}") ms, $(spread "${d_cpu[$mode]}")"; done
echo "$row |"
row="| CPU of the tracer (of capture) | –"
for mode in "${modes[@]:1}"; do
    if [ "$mode" = records ]; then row+=" | –"; else row+=" | $(col "${kcpu[$mode]}") ms"; fi
done
echo "$row |"
echo
if [ "$SIZE" != 0 ]; then
    echo "Facts / events lost in the last round: throughput --port ${facts_tp[ports]}, -- PROGRAM ${facts_tp[follow]};" \
        "accepts --port ${facts_acc[ports]}, -- PROGRAM ${facts_acc[follow]}"
else
    echo "Facts / events lost in the last round: accepts --port ${facts_acc[ports]}, -- PROGRAM ${facts_acc[follow]}"
fi
