#!/usr/bin/env bash
# Live capture under a loopback flood, capture side by side with tcpdump in
# the same run. iperf3 sends 16-byte UDP datagrams at each RATE for SECS
# seconds while the capturing program writes its text either to /dev/null
# (`capture --port P > /dev/null`, `tcpdump -nn udp port P > /dev/null`) or
# to a terminal (a pseudo-terminal read at once and thrown away, by python's
# `pty`: as fast as a terminal would take it; then both use immediate mode).
# The two programs of a pair run back to back (capture first, then tcpdump),
# so they see the same load. Reported per run: the flood's own rate (what
# iperf3 managed), the packets seen (kernel: received by filter, minus the
# drops), the kernel's drops, capture's own drops (its bounded queue) and
# the peak RSS (/usr/bin/time). Each packet is seen twice on lo (sent and
# received), so "received by filter" is about twice the datagrams sent.
# Needs root; loopback only. Prints the Markdown table of docs/performance.md.
# A RATE of `max` floods as fast as one CPU can: bench/link_probe's
# `flood` writes 64-byte UDP frames on lo through a packet socket with
# sendmmsg (iperf3, paced, reaches only about 140,000 datagrams/s here).
# Usage: bench/capture_live.sh [SECS] [RATE...]   (default: 5 100000 300000 max)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(100000 300000 max)
len=16
if [ "$(id -u)" != 0 ]; then
  echo "bench/capture_live.sh: needs root (live capture on lo)" >&2
  exit 1
fi
cargo build --release -q --bin capture --example link_probe
work=$(mktemp -d "/tmp/socklab-live-$$-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export SOCKLAB_EVENTS="$work/events.sock"

# Run a command on a pseudo-terminal whose output is read and dropped.
cat > "$work/ptyread.py" <<'EOF'
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdout=s, stdin=subprocess.DEVNULL)
os.close(s)
while True:
    try:
        if not os.read(m, 1 << 16):
            break
    except OSError:
        break
sys.exit(p.wait())
EOF

port_free() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# flood PORT PPS: iperf3 for SECS seconds; prints the rate it managed.
flood() {
  local port=$1 pps=$2
  if [ "$pps" = max ]; then
    target/release/examples/link_probe flood lo 00:00:00:00:00:00 127.0.0.1 127.0.0.1 "$secs" 64 "$port" \
      > "$work/flood.json" 2>/dev/null || true
    python3 -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["per_second"])' "$work/flood.json" 2>/dev/null || echo 0
    return
  fi
  iperf3 -s -1 -B 127.0.0.1 -p "$port" >/dev/null 2>&1 & local srv=$!
  pids+=("$srv")
  sleep 0.5
  iperf3 -u -c 127.0.0.1 -p "$port" -l "$len" -b $((pps * len * 8)) -t "$secs" -J \
    > "$work/flood.json" 2>/dev/null || true
  wait "$srv" 2>/dev/null || true
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["end"]["sum"]; print("%.0f" % (s["packets"]/s["seconds"]))' "$work/flood.json" 2>/dev/null || echo 0
}

# one TOOL OUT PPS: a capture by TOOL (capture|tcpdump) to OUT (null|tty)
# during a flood; prints a table row.
one() {
  local tool=$1 out=$2 pps=$3 port cmd
  port=$(port_free)
  if [ "$tool" = capture ]; then
    cmd=(target/release/capture --port "$port" --color never)
  else
    cmd=(tcpdump -i lo -nn "udp port $port")
    [ "$out" = tty ] && cmd=(tcpdump -i lo --immediate-mode -l -nn "udp port $port")
  fi
  local depth=1
  if [ "$out" = tty ]; then
    depth=2
    /usr/bin/time -f "%M" -o "$work/rss" python3 "$work/ptyread.py" "${cmd[@]}" \
      2> "$work/err" & local job=$!
  else
    /usr/bin/time -f "%M" -o "$work/rss" "${cmd[@]}" > /dev/null 2> "$work/err" & local job=$!
  fi
  pids+=("$job")
  sleep 1.5
  local rate
  rate=$(flood "$port" "$pps")
  sleep 1
  # time -> (python ->) the capturing program: Ctrl-C to the program.
  local leaf=$job i
  for ((i = 0; i < depth; i++)); do leaf=$(pgrep -P "$leaf" | head -1 || true); done
  if [ -n "$leaf" ]; then kill -INT "$leaf" 2>/dev/null || true; fi
  wait "$job" 2>/dev/null || true
  python3 - "$tool" "$out" "$pps" "$rate" "$work/err" "$work/rss" <<'EOF'
import re, sys
tool, out, pps, rate, err, rss = sys.argv[1:]
text = open(err, errors="replace").read()
def num(pat):
    m = re.search(pat, text)
    return int(m.group(1)) if m else 0
recv = num(r"(\d+) packets received by filter")
kdrop = num(r"(\d+) (?:packets )?dropped by kernel")
cdrop = num(r"(\d+) dropped by capture")
seen = recv - kdrop - cdrop
try:
    peak = int(open(rss).read().split()[-1]) // 1024
except Exception:
    peak = 0
where = "terminal (pty)" if out == "tty" else "/dev/null"
who = "`capture --port P`" if tool == "capture" else "`tcpdump -nn`"
asked = "as fast as it goes" if pps == "max" else f"{int(pps):,}"
print(f"| {where} | {who} | {asked} | {int(rate):,} | {seen:,} | {kdrop:,} | "
      f"{format(cdrop, ',') if tool == 'capture' else '–'} | {peak} |")
EOF
}

rows=()
for pps in "${rates[@]}"; do
  for out in null tty; do
    for tool in capture tcpdump; do
      rows+=("$(one "$tool" "$out" "$pps")")
      echo "${rows[-1]}" >&2
    done
  done
done
read -r l1 l5 l15 _ < /proc/loadavg
echo "$secs s floods of ${len}-byte UDP datagrams on lo; load average $l1 $l5 $l15, $(nproc) CPUs"
echo
echo "| output | program | asked, packets/s | flood, packets/s | packets seen | dropped by kernel | dropped by capture | peak RSS, MB |"
echo "|--------|---------|-----------------:|-----------------:|-------------:|------------------:|-------------------:|-------------:|"
printf '%s\n' "${rows[@]}"
