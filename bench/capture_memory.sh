#!/usr/bin/env bash
# Peak memory of `capture -r FILE --ladder` and `--svg` (issue 16): it must
# stay under 100 MB whatever the file's size, because a ladder is drawn as
# soon as its connection ends and at most 1,000 diagrams are kept.
#
# Files: the 1M-packet capture of bench/make_big_pcap.sh (few long
# connections, small messages) and files of many short connections one
# after the other (handshake, 5 bytes each way, FIN/ACK teardown: 8
# segments each), written here by Python (no root needed), at two sizes so
# that a growth would show. Peak resident memory from `/usr/bin/time -f
# %M`; output to a file in a private temporary directory, to count its size.
#
# Usage: bench/capture_memory.sh [PCAP] [CONNECTIONS...]
#   PCAP defaults to bench/results/big.pcap (made by bench/make_big_pcap.sh
#   when missing; needs root then); CONNECTIONS default to 100000 1000000.
# Needs python3 and GNU time (/usr/bin/time, Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
pcap=${1:-bench/results/big.pcap}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
mkdir -p bench/results
[ -f "$pcap" ] || bench/make_big_pcap.sh "$pcap" 1000000
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
cargo build --release -q --bin capture
capture=target/release/capture
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# conns FILE N: N sequential TCP connections, distinct 4-tuples (50,000
# client ports per server port), 100 µs between segments.
conns() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10
cip, sip = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2])
ci, si = 1000, 9000
segs = [(True, ci, 0, SYN, b''), (False, si, ci + 1, SYN | ACK, b''),
        (True, ci + 1, si + 1, ACK, b''), (True, ci + 1, si + 1, PSH | ACK, b'hello'),
        (False, si + 1, ci + 6, PSH | ACK, b'hello'), (True, ci + 6, si + 6, FIN | ACK, b''),
        (False, si + 6, ci + 7, FIN | ACK, b''), (True, ci + 7, si + 7, ACK, b'')]
with open(path, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    t = 1_700_000_000 * 1_000_000
    for i in range(n):
        cport, sport = 10_000 + i % 50_000, 5_000 + i // 50_000
        out = []
        for from_client, seq, ack, flags, payload in segs:
            src, dst, sp, dp = (cip, sip, cport, sport) if from_client else (sip, cip, sport, cport)
            tcp = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65495, 0, 0) + payload
            ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
            ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
            frame = b'\0' * 12 + b'\x08\x00' + ip + tcp
            t += 100
            out.append(struct.pack('<IIII', t // 1_000_000, t % 1_000_000, len(frame), len(frame)) + frame)
        t += 1000
        f.write(b''.join(out))
PY
}

# measure LABEL FILE: one row per view (the ladder on stdout; the SVG in
# its file, the text view beside it to /dev/null).
measure() {
  local label=$1 file=$2
  /usr/bin/time -f %M -o "$work/rss" "$capture" -r "$file" --color never --ladder >"$work/out" 2>"$work/err" ||
    fail "$file --ladder"
  row "$label" "--ladder" "$work/out"
  /usr/bin/time -f %M -o "$work/rss" "$capture" -r "$file" --svg "$work/out.svg" >/dev/null 2>"$work/err" ||
    fail "$file --svg"
  row "$label" "--svg OUT.svg" "$work/out.svg"
  rm -f "$work/out" "$work/out.svg"
}
fail() {
  echo "failed: capture -r $1" >&2
  cat "$work/err" >&2
  exit 1
}
row() { # row LABEL VIEW OUTPUT_FILE
  printf '| %s | `capture -r FILE %s` | %.0f MB | %.1f MB |\n' "$1" "$2" \
    "$(awk "BEGIN{print $(tail -1 "$work/rss") / 1024}")" "$(awk "BEGIN{print $(stat -c %s "$3") / 1048576}")"
}

big_packets=$(capinfos -M -c "$pcap" 2>/dev/null | awk -F: '/Number of packets/{gsub(/ /,"",$2); print $2}')
big_conns=$("$capture" -r "$pcap" --json | grep -c '"type":"connection"' || true)
rows=()
rows+=("$(measure "$(basename "$pcap"): ${big_packets:-?} packets, $big_conns connections, $(du -m "$pcap" | cut -f1) MB" "$pcap")")
for n in "${sizes[@]}"; do
  conns "$work/conns.pcap" "$n"
  rows+=("$(measure "$n sequential connections ($((n * 8)) packets, $(du -m "$work/conns.pcap" | cut -f1) MB)" "$work/conns.pcap")")
  rm -f "$work/conns.pcap"
done

echo "| file | command | peak memory | output |"
echo "|---|---|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "Machine: $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), load average $(cut -d' ' -f1-3 /proc/loadavg); capture at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
