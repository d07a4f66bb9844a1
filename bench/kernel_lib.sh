# Shared by bench/kernel_overhead.sh and bench/kernel_overhead_ab.sh:
# the tracefs root, a private temporary directory and the cleanup of
# everything started (by pid) or created (instances), free ports, and
# starting and stopping the tracers: `examples/ktrace`, `capture`, and the
# kernel's records alone. Sourced after BIN and KTRACE are set; needs root.
# KEEP_TMP=1 keeps the temporary directory (its path on stderr).

TRACEFS=/sys/kernel/tracing
[ -d "$TRACEFS/instances" ] || TRACEFS=/sys/kernel/debug/tracing
[ -d "$TRACEFS/instances" ] || { echo "bench: tracefs is not mounted: mount -t tracefs nodev /sys/kernel/tracing" >&2; exit 1; }

tmp=$(mktemp -d)
[ -n "${KEEP_TMP:-}" ] && echo "bench: temporary files in $tmp" >&2
pids=()
rec_insts=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    stop_records
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/lib.sh
. bench/lib.sh

# The instances of the ktrace whose output is in FILE (its ready line).
instances_of_ktrace() {
    python3 -c 'import json,sys
r=[json.loads(l) for l in open(sys.argv[1]) if "\"ready\"" in l][0]
print(" ".join(r["instances"]))' "$1"
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

# Start `capture --port PORT [ARGS]` (its pid in $tracer), output to
# /dev/null; wait until it listens.
start_capture() {
    local port=$1
    shift
    "$BIN/capture" --port "$port" "$@" >/dev/null 2>"$tmp/capture.err" &
    tracer=$!
    pids+=("$tracer")
    for _ in $(seq 200); do
        grep -q 'listening on' "$tmp/capture.err" && return 0
        sleep 0.05
    done
    echo "bench: capture did not start" >&2
    cat "$tmp/capture.err" >&2
    exit 1
}

stop_ktrace() {
    kill -INT "$tracer" 2>/dev/null || true
    wait "$tracer" 2>/dev/null || true
}

# The kernel's records alone (mode "records"): what `ktrace --port` sets in
# its instances (clock, buffer size, each enabled event and its filter, the
# port written PORT), copied once from its live instances into
# $tmp/snap-N, then set up before each run in fresh private instances
# (socklab-bench-*, which socklab never takes for its own stale ones) that
# nothing reads. Records written over when a buffer is full cost the same.
snapshot_events() {
    local port names d i=0 e ev f
    port=$(free_port)
    start_ktrace "$tmp/kt-snap.json" --port "$port"
    names=$(instances_of_ktrace "$tmp/kt-snap.json")
    for name in $names; do
        d=$TRACEFS/instances/$name
        {
            echo "clock $(sed 's/.*\[\(.*\)\].*/\1/' "$d/trace_clock")"
            echo "kb $(awk '{ print $1; exit }' "$d/buffer_size_kb")"
            for e in "$d"/events/*/*/enable; do
                [ "$(cat "$e")" = 1 ] || continue
                ev=${e%/enable}
                f=$(cat "$ev/filter")
                [ "$f" = none ] && f=
                echo "event ${ev#"$d/events/"} $(sed -E "s/\b$port\b/PORT/g" <<<"$f")"
            done
        } >"$tmp/snap-$i"
        i=$((i + 1))
    done
    stop_ktrace
    [ "$i" -gt 0 ] && grep -q '^event ' "$tmp"/snap-* ||
        { echo "bench: could not read ktrace's events from its instances" >&2; exit 1; }
}

# The snapshot changed one way, to see whether the same records could be
# had for less (prints the directory of its snap-N files):
# - one: every event in one instance instead of one per kind;
# - exits: the syscalls' exits of send and receive (sys_exit_sendto,
#   recvfrom, sendmsg, recvmsg) instead of sock_send_length and
#   sock_recv_length;
# - local: the instances' clock `local` (the cheapest) instead of ktrace's.
variant_snaps() {
    local v=$1 out=$tmp/variant-$1 snap
    mkdir -p "$out"
    case $v in
        one)
            { grep -h -v '^event' "$tmp/snap-0"; grep -h '^event' "$tmp"/snap-*; } >"$out/snap-0"
            ;;
        exits)
            for snap in "$tmp"/snap-*; do
                grep -v '^event sock/sock_\(send\|recv\)_length' "$snap" >"$out/${snap##*/}" || true
                if grep -q '^event sock/sock_\(send\|recv\)_length' "$snap"; then
                    printf 'event syscalls/sys_exit_%s \n' sendto recvfrom sendmsg recvmsg >>"$out/${snap##*/}"
                fi
            done
            ;;
        local)
            for snap in "$tmp"/snap-*; do sed 's/^clock .*/clock local/' "$snap" >"$out/${snap##*/}"; done
            ;;
        *) echo "bench: unknown variant $v" >&2; exit 2 ;;
    esac
    echo "$out"
}

# start_records PORT [REGEX] [DIR]: the events of the snapshot in DIR
# (default: ktrace's own, in $tmp), only those whose name (group/event)
# matches the extended REGEX when it is given. RECORDS_KB, when set, is
# the buffer size per CPU in KiB instead of ktrace's.
start_records() {
    local port=$1 only=${2:-} dir=${3:-$tmp} snap d kind a rest
    for snap in "$dir"/snap-*; do
        d=$TRACEFS/instances/socklab-bench-$$-${snap##*-}
        mkdir "$d"
        rec_insts+=("$d")
        while read -r kind a rest; do
            case $kind in
                clock) echo "$a" >"$d/trace_clock" ;;
                kb) echo "${RECORDS_KB:-$a}" >"$d/buffer_size_kb" ;;
                event)
                    if [ -n "$only" ] && ! grep -Eq "$only" <<<"$a"; then continue; fi
                    if [ -n "$rest" ]; then echo "${rest//PORT/$port}" >"$d/events/$a/filter"; fi
                    echo 1 >"$d/events/$a/enable"
                    ;;
            esac
        done <"$snap"
    done
}

stop_records() {
    local d
    for d in "${rec_insts[@]}"; do
        echo 0 >"$d/events/enable" 2>/dev/null || true
        rmdir "$d" 2>/dev/null || echo "bench: could not remove $d" >&2
    done
    rec_insts=()
}

