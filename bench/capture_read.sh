#!/usr/bin/env bash
# Reading a big pcap file: capture's annotated text and --json against
# tcpdump and tshark, side by side in one run (issue 16).
#
# Method: every command is paired with a tcpdump run just before it, and
# the pairs are interleaved (tcpdump, capture text, tcpdump, capture json,
# ...), so that a load that comes and goes hits both halves of a pair
# alike. The table gives, per command, the median time, the median of the
# per-pair ratios to tcpdump and their spread (lowest–highest ratio), and
# the peak resident memory (`/usr/bin/time -f %M`). The file is read once
# first so that it is in the page cache; output goes to /dev/null.
#
# Usage: bench/capture_read.sh [PCAP] [PAIRS] [TSHARK_PAIRS]
#   PCAP defaults to bench/results/big.pcap, made by bench/make_big_pcap.sh
#   (1,000,000 packets; needs root) when missing. PAIRS defaults to 5,
#   TSHARK_PAIRS to 2 (tshark takes ten times as long).
#   OLD=/path/to/an/older/capture adds its text and --json rows, paired
#   the same way (before/after a change, in one run).
# Needs tcpdump, tshark and GNU time (/usr/bin/time, Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
pcap=${1:-bench/results/big.pcap}
pairs=${2:-5}
tshark_pairs=${3:-2}
mkdir -p bench/results
[ -f "$pcap" ] || bench/make_big_pcap.sh "$pcap" 1000000
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
cargo build --release -q --bin capture
capture=target/release/capture
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat "$pcap" >/dev/null # into the page cache
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# run NAME CMD...: one timed run; appends "seconds rss_kb" to $work/NAME.
run() {
  local name=$1
  shift
  local s e
  s=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>"$work/err" || {
    echo "failed: $*" >&2
    cat "$work/err" >&2
    exit 1
  }
  e=$(date +%s.%N)
  echo "$(awk "BEGIN{printf \"%.4f\", $e - $s}") $(tail -1 "$work/rss")" >>"$work/$name"
}

# pair NAME CMD...: tcpdump, then the command; the ratio goes to NAME.ratio.
pair() {
  local name=$1
  shift
  run tcpdump tcpdump -nn -r "$pcap"
  run "$name" "$@"
  local t c
  t=$(tail -1 "$work/tcpdump" | cut -d' ' -f1)
  c=$(tail -1 "$work/$name" | cut -d' ' -f1)
  awk "BEGIN{printf \"%.4f\n\", $c / $t}" >>"$work/$name.ratio"
}

for _ in $(seq "$pairs"); do
  pair text "$capture" -r "$pcap" --color never
  pair json "$capture" -r "$pcap" --json
  pair text_pt "$capture" -r "$pcap" --color never --lang pt-BR
  if [ -n "${OLD:-}" ]; then
    pair old_text "$OLD" -r "$pcap" --color never
    pair old_json "$OLD" -r "$pcap" --json
  fi
done
for _ in $(seq "$tshark_pairs"); do
  pair tshark tshark -n -r "$pcap"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -g | awk '{v[NR]=$1} END{if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
col() { cut -d' ' -f"$2" "$work/$1"; }

row() { # row NAME LABEL
  local name=$1 label=$2 secs rss ratio spread
  secs=$(col "$name" 1 | median)
  rss=$(col "$name" 2 | sort -g | tail -1)
  if [ "$name" = tcpdump ]; then
    ratio="1.00×"
    spread="—"
  else
    ratio=$(median <"$work/$name.ratio" | awk '{printf "%.2f×", $1}')
    spread=$(sort -g "$work/$name.ratio" | awk 'NR==1{lo=$1} {hi=$1} END{printf "%.2f–%.2f×", lo, hi}')
  fi
  printf '| `%s` | %d | %.2f s | %s | %s | %.0f MB |\n' "$label" "$(wc -l <"$work/$name")" "$secs" "$ratio" "$spread" "$(awk "BEGIN{print $rss / 1024}")"
}

packets=$(capinfos -M -c "$pcap" 2>/dev/null | awk -F: '/Number of packets/{gsub(/ /,"",$2); print $2}')
[ -n "$packets" ] || packets=$(tcpdump -nn -r "$pcap" 2>/dev/null | wc -l)
size=$(du -m "$pcap" | cut -f1)
cpu=$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)
tcpdump_v=$(tcpdump --version 2>&1 | awk 'NR==1{print $3}')
libpcap_v=$(tcpdump --version 2>&1 | awk 'NR==2{print $3}')
tshark_v=$(tshark --version 2>/dev/null | awk 'NR==1{print $3}')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

echo "File: $(basename "$pcap"), $packets packets, $size MB. $pairs pairs per capture command, $tshark_pairs for tshark; each paired with a tcpdump run just before it; output to /dev/null, file in the page cache."
echo
echo "| command | runs | median time | × tcpdump (median of pairs) | spread of pairs | peak memory |"
echo "|---|---:|---:|---:|---:|---:|"
row tcpdump "tcpdump -nn -r FILE"
row text "capture -r FILE --color never"
row json "capture -r FILE --json"
row text_pt "capture -r FILE --color never --lang pt-BR"
row tshark "tshark -n -r FILE"
if [ -n "${OLD:-}" ]; then
  row old_text "OLD -r FILE --color never"
  row old_json "OLD -r FILE --json"
fi
echo
echo "Machine: $(nproc) CPUs ($cpu), load average $load_before before and $load_after after; tcpdump $tcpdump_v (libpcap $libpcap_v), TShark $tshark_v, capture at commit $commit${OLD:+; OLD is $OLD}."
