#!/usr/bin/env bash
# What the kernel's view (src/kernel) costs the programs it watches, in the
# same run: each test with tracing off, with the tracer following every
# process on the test's port (what a plain `capture` does), and with it
# following one program (`capture -- PROGRAM`). The tracer is
# `examples/ktrace --count-only`: the real reader, joiner and queue, with
# the facts counted instead of printed.
#
# - throughput: `tcp_client --bytes SIZE` into `tcp_server --mode sink`;
# - accepts: CONNS connections one after the other from one Python client
#   into labs/python/servidor_tcp.py, each a whole life: socket, connect,
#   accept, send "x", echo, close on both sides. (One at a time, so that
#   the server's listen backlog never overflows: a dropped SYN would add a
#   1 s retransmission and measure that instead.)
#
# Usage: sudo bench/kernel_overhead.sh [SIZE] [CONNS] [ROUNDS]   (1G 1000 3)
#
# Rounds interleave the three modes; the table shows each mode's median
# and how much slower it is than tracing off (goal: under 10 %), and for
# the accepts the CPU time the client and server used and the tracer's own:
# on a shared machine wall times swing with the others' load, CPU times
# much less. Needs root. Everything started here is stopped by its pid on
# exit.
set -euo pipefail

SIZE=${1:-1G}
CONNS=${2:-1000}
ROUNDS=${3:-3}
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "bench: tracing needs root: sudo $0" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 is not installed" >&2; exit 1; }
cargo build --release --quiet --bin tcp_server --bin tcp_client --example ktrace
BIN=target/release
KTRACE=$BIN/examples/ktrace

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

free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! ss -Htan "sport = :$port" | grep -q .; then
            echo "$port"
            return
        fi
    done
}

wait_listening() {
    for _ in $(seq 200); do
        ss -Htln "sport = :$1" | grep -q . && return 0
        sleep 0.05
    done
    echo "bench: nothing listens on port $1" >&2
    return 1
}

# Start ktrace in the background (its pid in $tracer), wait for "ready".
start_ktrace() {
    local out=$1
    shift
    "$KTRACE" --count-only "$@" >"$out" 2>"$out.err" &
    tracer=$!
    pids+=("$tracer")
    for _ in $(seq 200); do
        grep -q '"type":"ready"' "$out" && return 0
        if grep -q '"type":"unavailable"' "$out"; then
            echo "bench: the tracer is unavailable: $(cat "$out.err")" >&2
            exit 1
        fi
        sleep 0.05
    done
    echo "bench: ktrace did not start" >&2
    cat "$out.err" >&2
    exit 1
}

stop_ktrace() {
    kill -INT "$tracer" 2>/dev/null || true
    wait "$tracer" 2>/dev/null || true
}

# The facts counted and the events the kernel lost, from ktrace's report.
report_of() {
    python3 -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1]) if "\"report\"" in l][-1]
print(r["facts"], r["kernel_lost"] + r["queue_dropped"])' "$1"
}

# One throughput run in MODE (off, ports, follow); Gbit/s in $result.
# (No command substitution: its subshell would hide the pids from cleanup.)
throughput() {
    local mode=$1 port server
    port=$(free_port)
    local sargs=(--mode sink --port "$port" --once --quiet)
    case $mode in
        off|ports)
            if [ "$mode" = ports ]; then start_ktrace "$tmp/kt-$mode-tp.json" --port "$port"; fi
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
    if [ "$mode" = ports ]; then stop_ktrace; fi
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
print(f"{time.perf_counter() - t0:.3f} {time.process_time() - c0:.3f}")
EOF

# CPU time (user + system) a process has used so far, in ms.
cpu_ms() {
    local hz
    hz=$(getconf CLK_TCK)
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk -v hz="$hz" '{ printf "%d", ($12 + $13) * 1000 / hz }'
}

# One accept-loop run in MODE: the seconds CONNS connections took in
# $result; the CPU the client and server used (ms) in $progs_cpu, and the
# tracer's own in $tracer_cpu. CPU time is far less disturbed than wall
# time by whatever else the machine is doing.
accepts() {
    local mode=$1 port server wall ccpu s0 k0=0 k1=0
    port=$(free_port)
    local srv=(python3 labs/python/servidor_tcp.py --port "$port")
    case $mode in
        off|ports)
            if [ "$mode" = ports ]; then start_ktrace "$tmp/kt-$mode-acc.json" --port "$port"; fi
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
    if [ "$mode" != off ]; then k0=$(cpu_ms "$tracer"); fi
    read -r wall ccpu < <(python3 "$tmp/connect_loop.py" "$port" "$CONNS")
    sleep 0.3 # the tracer catches up with the last records
    if [ "$mode" != off ]; then k1=$(cpu_ms "$tracer"); fi
    result=$wall
    progs_cpu=$(awk -v c="$ccpu" -v s0="$s0" -v s1="$(cpu_ms "$server")" \
        'BEGIN { printf "%d", c * 1000 + s1 - s0 }')
    tracer_cpu=$((k1 - k0))
    kill "$server" 2>/dev/null || true
    if [ "$mode" = follow ]; then
        # ktrace ends when its program does.
        wait "$tracer" 2>/dev/null || true
    else
        wait "$server" 2>/dev/null || true
        if [ "$mode" = ports ]; then stop_ktrace; fi
    fi
}

median() { sort -n | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }'; }
slower() { awk -v base="$1" -v x="$2" -v more_is_better="$3" 'BEGIN {
    d = more_is_better ? (base - x) / base : (x - base) / base
    printf "%+.1f %%", 100 * d }'; }

modes=(off ports follow)
declare -A tp acc pcpu kcpu facts_tp facts_acc
for round in $(seq "$ROUNDS"); do
    line="round $round:"
    for mode in "${modes[@]}"; do
        throughput "$mode"
        tp[$mode]+="$result "
        line+=" $mode ${result} Gbit/s"
        accepts "$mode"
        acc[$mode]+="$result "
        pcpu[$mode]+="$progs_cpu "
        kcpu[$mode]+="$tracer_cpu "
        line+=" ${result} s (CPU: programs ${progs_cpu} ms, tracer ${tracer_cpu} ms);"
        if [ "$mode" != off ]; then
            facts_tp[$mode]=$(report_of "$tmp/kt-$mode-tp.json")
            facts_acc[$mode]=$(report_of "$tmp/kt-$mode-acc.json")
        fi
    done
    echo "$line" >&2
done

echo "Kernel tracing cost, $(nproc) CPUs, $(uname -sr), $ROUNDS rounds (medians)"
printf '%-34s %14s %22s %22s\n' test "tracing off" "tracing, --port" "tracing, -- PROGRAM"
base=$(printf '%s\n' ${tp[off]} | median)
p=$(printf '%s\n' ${tp[ports]} | median)
f=$(printf '%s\n' ${tp[follow]} | median)
printf '%-34s %9s Gbit/s %9s (%s) %9s (%s)\n' "tcp_client --bytes $SIZE" "$base" \
    "$p" "$(slower "$base" "$p" 1)" "$f" "$(slower "$base" "$f" 1)"
base=$(printf '%s\n' ${acc[off]} | median)
p=$(printf '%s\n' ${acc[ports]} | median)
f=$(printf '%s\n' ${acc[follow]} | median)
printf '%-34s %11s s %11s (%s) %11s (%s)\n' "$CONNS connections (accept loop)" "$base" \
    "$p" "$(slower "$base" "$p" 0)" "$f" "$(slower "$base" "$f" 0)"
base=$(printf '%s\n' ${pcpu[off]} | median)
p=$(printf '%s\n' ${pcpu[ports]} | median)
f=$(printf '%s\n' ${pcpu[follow]} | median)
printf '%-34s %10s ms %10s ms (%s) %10s ms (%s)\n' "  CPU of client + server" "$base" \
    "$p" "$(slower "$base" "$p" 0)" "$f" "$(slower "$base" "$f" 0)"
p=$(printf '%s\n' ${kcpu[ports]} | median)
f=$(printf '%s\n' ${kcpu[follow]} | median)
printf '%-34s %13s %13s ms %19s ms\n' "  CPU of the tracer" "-" "$p" "$f"
echo "facts / events lost in the last round: throughput --port ${facts_tp[ports]}, -- PROGRAM ${facts_tp[follow]};" \
    "accepts --port ${facts_acc[ports]}, -- PROGRAM ${facts_acc[follow]}"
