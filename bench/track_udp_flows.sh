#!/usr/bin/env bash
# UDP flows past the table's cap (10,000): how many datagrams per second
# `capture -r` reads when every datagram opens a new flow, so that each one
# makes the tracker forget the idlest flow (issue 10, item 17), and, for
# comparison, when 16 flows take turns (no eviction at all).
# The pcap files are made here (Ethernet/IPv4/UDP on 127.0.0.x, written by
# Python): no root needed.
# Usage: bench/track_udp_flows.sh [DATAGRAMS] [RUNS]
#   OLD=/path/to/an/older/capture bench/track_udp_flows.sh   also times that binary
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
runs=${2:-3}
mkdir -p bench/results
cargo build --release -q --bin capture

# make FILE FLOWS: N datagrams of 8 bytes, flow i % FLOWS each (FLOWS=0: all
# different), from 127.0.0.x:port to 127.0.0.1:9999.
make() {
  python3 - "$1" "$n" "$2" <<'PY'
import struct, sys
path, n, flows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
payload = b'socklab!'
for i in range(n):
    f = i if flows == 0 else i % flows
    src = bytes([127, 0, 1 + (f >> 16) % 250, (f >> 8) & 255])
    sport = 1024 + (f & 255) * 200 + (f >> 24)
    udp = struct.pack('!HHHH', sport, 9999, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, bytes([127, 0, 0, 1]))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    frame = b'\0' * 12 + b'\x08\x00' + ip + udp
    t = 1_700_000_000 * 1_000_000 + i
    out.append(struct.pack('<IIII', t // 1_000_000, t % 1_000_000, len(frame), len(frame)) + frame)
open(path, 'wb').write(b''.join(out))
PY
}

best() { # best wall time of $runs runs of "$@", output to /dev/null
  local best=""
  for _ in $(seq "$runs"); do
    local s e t
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    t=$(awk "BEGIN{print $e - $s}")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}

new_flows=bench/results/udp_new_flows.pcap
few_flows=bench/results/udp_16_flows.pcap
make "$new_flows" 0
make "$few_flows" 16
echo "$n datagrams per file, best of $runs runs, capture -r FILE --json > /dev/null"
printf '%-44s %-26s %8s %12s\n' binary workload seconds datagrams/s
for bin in target/release/capture ${OLD:-}; do
  for row in "every datagram a new flow|$new_flows" "16 flows taking turns|$few_flows"; do
    name=${row%%|*}; file=${row##*|}
    t=$(best "$bin" -r "$file" --json)
    printf '%-44s %-26s %8.2f %12.0f\n' "$bin" "$name" "$t" "$(awk "BEGIN{print $n / $t}")"
  done
done
