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

start_records() {
    local port=$1 snap d kind a rest
    for snap in "$tmp"/snap-*; do
        d=$TRACEFS/instances/socklab-bench-$$-${snap##*-}
        mkdir "$d"
        rec_insts+=("$d")
        while read -r kind a rest; do
            case $kind in
                clock) echo "$a" >"$d/trace_clock" ;;
                kb) echo "$a" >"$d/buffer_size_kb" ;;
                event)
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

