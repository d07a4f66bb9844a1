#!/usr/bin/env bash
# Reading a big pcap file: capture (text and --json) against tcpdump and
# tshark, in the same run, best of R runs each. Output to /dev/null.
# Usage: bench/capture_read.sh [PCAP] [RUNS]   (makes the pcap if missing; needs root then)
set -euo pipefail
cd "$(dirname "$0")/.."
pcap=${1:-bench/results/big.pcap}
runs=${2:-3}
mkdir -p bench/results
[ -f "$pcap" ] || bench/make_big_pcap.sh "$pcap" 1000000
cargo build --release -q --bin capture
packets=$(tcpdump -nn -r "$pcap" 2>/dev/null | wc -l)

best() { # best wall time of $runs runs of "$@"
  local best=""
  for _ in $(seq "$runs"); do
    local s e t
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    t=$(awk "BEGIN{print $e - $s}")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  printf '%.2f' "$best"
}

tcpdump_t=$(best tcpdump -nn -r "$pcap")
text_t=$(best target/release/capture -r "$pcap" --color never)
json_t=$(best target/release/capture -r "$pcap" --json)
tshark_t=$(runs=1 best tshark -n -r "$pcap")

echo "file: $pcap ($packets packets), best of $runs runs (tshark: 1 run), output to /dev/null"
printf '%-40s %8s %10s\n' "command" "seconds" "vs tcpdump"
for row in "tcpdump -nn -r FILE|$tcpdump_t" "capture -r FILE|$text_t" "capture -r FILE --json|$json_t" "tshark -n -r FILE|$tshark_t"; do
  name=${row%%|*}; t=${row##*|}
  printf '%-40s %8s %9.2fx\n' "$name" "$t" "$(awk "BEGIN{print $t / $tcpdump_t}")"
done
