#!/usr/bin/env bash
# What one kernel record costs the program that makes it: the floor under
# bench/kernel_overhead.sh's accept loop, measured apart from any reader.
#
# A small C program makes one system call over and over (close(-1): it
# fails at once, so nearly all of its time is the system call's entry and
# exit) and prints the nanoseconds per call. It runs with tracing off and
# with one event enabled in a private tracing instance, the way socklab
# enables it:
#
# - slow path: one *other* system call's tracepoint on (sys_enter_socket,
#   its filter rejecting everything): what every system call of every
#   process pays once any syscall tracepoint is on;
# - socklab's filter: sys_enter_close on with `common_pid != 1` (it
#   passes, as socklab's `common_pid != OWN_TID` does): one record;
# - rejected: sys_enter_close with a filter that rejects the record;
# - unfiltered: sys_enter_close with no filter.
#
# Beside them, in the same rounds, the tools a user would otherwise pick to
# see a program's system calls, each told to watch the same close() calls:
# `strace -e trace=close` (ptrace: the program stops at each call), a
# `bpftrace` program on the same tracepoint printing the pid, thread and
# descriptor (a BPF program and its perf buffer instead of a tracefs
# instance), and one that only counts the calls in a map, printing
# nothing: the least any BPF program on that tracepoint costs. Each is left out, saying so, when it is not installed; both
# read on CPU 1 while the loop runs on CPU 0, as socklab's reader does.
#
# A second program bounces one byte between two processes on one CPU
# (two pipes: each round trip is two context switches, as a client and
# server on one CPU make), with tracing off and with the pid filter of
# `capture -- PROGRAM` (set_event_pid of another process, event-fork, one
# event enabled), beside the slow path alone: what the pid filter costs
# each switch, whatever the followed program does.
#
# Usage: sudo bench/tracepoint_cost.sh [CALLS] [ROUNDS]   (2000000 7)
# Prints a Markdown table: the median over ROUNDS interleaved rounds.
# Needs root and tracefs; the instance is removed on exit.
set -euo pipefail

CALLS=${1:-2000000}
ROUNDS=${2:-7}
[ "$(id -u)" = 0 ] || { echo "bench: tracing needs root: sudo $0" >&2; exit 1; }
command -v cc >/dev/null || { echo "bench: needs a C compiler (cc)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "bench: needs taskset (util-linux)" >&2; exit 1; }
T=/sys/kernel/tracing
[ -d "$T/instances" ] || T=/sys/kernel/debug/tracing
[ -d "$T/instances" ] || { echo "bench: tracefs is not mounted: mount -t tracefs nodev /sys/kernel/tracing" >&2; exit 1; }

tmp=$(mktemp -d)
inst=
bt=
cleanup() {
    if [ -n "$bt" ]; then
        kill -INT "$bt" 2>/dev/null || true
        wait "$bt" 2>/dev/null || true
    fi
    if [ -n "$inst" ] && [ -d "$inst" ]; then
        for e in "$inst"/events/syscalls/*/enable; do echo 0 >"$e" 2>/dev/null || true; done
        echo >"$inst/set_event_pid" 2>/dev/null || true
        rmdir "$inst" 2>/dev/null || echo "bench: could not remove $inst" >&2
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$tmp/closer.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long n = atol(argv[1]);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) close(-1);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
    return 0;
}
EOF
cat >"$tmp/pingpong.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long n = atol(argv[1]);
    int up[2], down[2];
    char c = 'x';
    if (pipe(up) || pipe(down)) return 1;
    pid_t child = fork();
    if (child == 0) {
        for (long i = 0; i < n; i++) {
            if (read(down[0], &c, 1) != 1 || write(up[1], &c, 1) != 1) _exit(1);
        }
        _exit(0);
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        if (write(down[1], &c, 1) != 1 || read(up[0], &c, 1) != 1) return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    waitpid(child, NULL, 0);
    printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
    return 0;
}
EOF
cc -O2 -o "$tmp/closer" "$tmp/closer.c"
cc -O2 -o "$tmp/pingpong" "$tmp/pingpong.c"

inst=$T/instances/socklab-bench-$(basename "$tmp" | tr -dc 'A-Za-z0-9')
mkdir "$inst"
close_ev=$inst/events/syscalls/sys_enter_close
socket_ev=$inst/events/syscalls/sys_enter_socket

# Set up MODE in the instance (everything else off).
setup() {
    echo 0 >"$close_ev/enable"
    echo 0 >"$socket_ev/enable"
    echo 0 >"$close_ev/filter"
    echo 0 >"$socket_ev/filter"
    echo >"$inst/set_event_pid"
    echo 0 >"$inst/options/event-fork"
    case $1 in
        off) ;;
        slowpath) echo 'family == 12345' >"$socket_ev/filter"; echo 1 >"$socket_ev/enable" ;;
        record) echo 'common_pid != 1' >"$close_ev/filter"; echo 1 >"$close_ev/enable" ;;
        rejected) echo 'fd == 12345' >"$close_ev/filter"; echo 1 >"$close_ev/enable" ;;
        unfiltered) echo 1 >"$close_ev/enable" ;;
        pidfilter)
            # Follow a process that makes no socket() call (this script's parent,
            # waiting for it): the ping-pong is not followed, and pays only
            # for the filter's work at each switch.
            echo "$PPID" >"$inst/set_event_pid"
            echo 1 >"$inst/options/event-fork"
            echo 1 >"$socket_ev/enable"
            ;;
    esac
}

# The other tools, where installed.
others=()
if command -v strace >/dev/null; then others+=(strace); else echo "bench: strace is not installed: its column is left out (apt-get install strace)" >&2; fi
if command -v bpftrace >/dev/null; then others+=(bpftrace bpfcount); else echo "bench: bpftrace is not installed: its column is left out (apt-get install bpftrace)" >&2; fi

# One round of close(-1) under TOOL: ns per call in $v. strace makes each
# call a few microseconds, so it runs a tenth of the calls.
under() {
    case $1 in
        strace)
            v=$(taskset -c 1 strace -qq -e trace=close -o /dev/null taskset -c 0 "$tmp/closer" $((CALLS / 10)))
            ;;
        bpftrace | bpfcount)
            local prog='tracepoint:syscalls:sys_enter_close { printf("%d %d %d\n", pid, tid, args->fd); }'
            [ "$1" = bpfcount ] && prog='tracepoint:syscalls:sys_enter_close { @calls = count(); }'
            : >"$tmp/bt.out"
            taskset -c 1 bpftrace -e "$prog" >"$tmp/bt.out" 2>"$tmp/bt.err" &
            bt=$!
            for _ in $(seq 600); do
                grep -q '^Attaching' "$tmp/bt.out" && break
                kill -0 "$bt" 2>/dev/null || { echo "bench: bpftrace failed: $(head -c 300 "$tmp/bt.err")" >&2; exit 1; }
                sleep 0.05
            done
            grep -q '^Attaching' "$tmp/bt.out" || { echo "bench: bpftrace did not attach" >&2; exit 1; }
            v=$(taskset -c 0 "$tmp/closer" "$CALLS")
            kill -INT "$bt" 2>/dev/null || true
            wait "$bt" 2>/dev/null || true
            bt=
            # What it printed and what its buffer lost, for the line below.
            bt_lines=$(grep -c '^[0-9]' "$tmp/bt.out" || true)
            bt_lost=$(sed -n 's/.*Lost \([0-9]*\) events.*/\1/p' "$tmp/bt.out" "$tmp/bt.err" | awk '{ s += $1 } END { print s + 0 }')
            bt_count=$(sed -n 's/^@calls: \([0-9]*\)/\1/p' "$tmp/bt.out")
            : >"$tmp/bt.out"
            ;;
    esac
}

median() { sort -g | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }'; }
declare -A ns
close_modes=(off slowpath record rejected unfiltered)
pp_modes=(off slowpath pidfilter)
for round in $(seq "$ROUNDS"); do
    line="round $round:"
    for mode in "${close_modes[@]}"; do
        setup "$mode"
        v=$(taskset -c 0 "$tmp/closer" "$CALLS")
        ns[close_$mode]+="$v "
        line+=" close $mode $v ns;"
    done
    for tool in "${others[@]}"; do
        under "$tool"
        ns[close_$tool]+="$v "
        line+=" close under $tool $v ns;"
        if [ "$tool" = bpftrace ]; then line+=" (bpftrace printed $bt_lines lines, lost $bt_lost);"; fi
        if [ "$tool" = bpfcount ]; then line+=" (bpftrace counted ${bt_count:-nothing});"; fi
    done
    for mode in "${pp_modes[@]}"; do
        setup "$mode"
        v=$(taskset -c 0 "$tmp/pingpong" $((CALLS / 10)))
        ns[pp_$mode]+="$v "
        line+=" ping-pong $mode $v ns;"
    done
    setup off
    echo "$line" >&2
done

m() { printf '%s\n' ${ns[$1]} | median; }
more() { awk -v a="$(m "$1")" -v b="$(m "$2")" 'BEGIN { printf "%+.1f", b - a }'; }
off=$(m close_off)
echo "Cost of one kernel record, $(nproc) CPUs, $(uname -sr), $ROUNDS interleaved rounds (medians), $CALLS calls per round, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| \`close(-1)\`, ns per call | tracing off | slow path only | one record (socklab's filter) | record rejected by its filter | one record, no filter |"
echo "|---|---:|---:|---:|---:|---:|"
echo "| ns per call | $off | $(m close_slowpath) | $(m close_record) | $(m close_rejected) | $(m close_unfiltered) |"
echo "| more than off | – | $(more close_off close_slowpath) | $(more close_off close_record) | $(more close_off close_rejected) | $(more close_off close_unfiltered) |"
if [ ${#others[@]} -gt 0 ]; then
    echo
    row1="| \`close(-1)\`, ns per call | tracing off | socklab's record (as above)"
    row2="|---|---:|---:"
    row3="| ns per call (more than off) | $off | $(m close_record) ($(more close_off close_record))"
    for tool in "${others[@]}"; do
        case $tool in
            strace) row1+=" | \`strace -e trace=close\`" ;;
            bpftrace) row1+=" | \`bpftrace\`, a printf per call" ;;
            bpfcount) row1+=" | \`bpftrace\`, a count only" ;;
        esac
        row2+="|---:"
        row3+=" | $(m close_$tool) ($(more close_off close_$tool))"
    done
    printf '%s |\n%s|\n%s |\n' "$row1" "$row2" "$row3"
fi
echo
echo "| pipe ping-pong on one CPU (2 switches, 4 calls per round trip) | tracing off | slow path only | pid filter (\`-- PROGRAM\`) of another process |"
echo "|---|---:|---:|---:|"
echo "| ns per round trip | $(m pp_off) | $(m pp_slowpath) ($(more pp_off pp_slowpath)) | $(m pp_pidfilter) ($(more pp_off pp_pidfilter)) |"
