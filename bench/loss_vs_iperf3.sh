#!/usr/bin/env bash
# bench/loss_vs_iperf3.sh: UDP loss measured by tcp_vs_udp and by iperf3 on
# the same lossy link, and the time TCP and UDP take at each loss rate.
#
#   sudo bench/loss_vs_iperf3.sh                 # 5 runs at 1, 5, 10 and 20% loss
#   sudo RUNS=3 LOSSES="10" bench/loss_vs_iperf3.sh
#
# Part 1, accuracy: for each loss rate, RUNS times
#   tcp_vs_udp --scenario lossy --loss P --messages 10000 --proto udp --iperf3 --json
# which builds two namespaces (alice, bob) with the kernel dropping P% of
# the packets arriving in each, sends 10,000 UDP messages of 1000 bytes at
# 20,000 per second from alice to bob, then runs on the same link, at the
# same loss, with the same size, count, rate and socket buffers:
#   ip netns exec <bob>   iperf3 -s -1 -B <bob> -p 5201
#   ip netns exec <alice> iperf3 -u -c <bob> -p 5201 -b 160000000 -l 1000 -k 10000 -J -w 4194304
# and reads iperf3's end.sum.lost_percent.
#
# Part 2, time: one run of both protocols at each rate of TIME_SWEEP with
# TIME_MESSAGES messages (TCP at 20% loss takes minutes for 10,000).
#
# Results: one JSON object per line in bench/results/ (ignored by git), and
# a summary on stdout. Needs root, iproute2, nftables, iperf3 and jq.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
LOSSES=${LOSSES:-"1 5 10 20"}
MESSAGES=${MESSAGES:-10000}
SIZE=${SIZE:-1000}
RATE=${RATE:-20000}
TIME_SWEEP=${TIME_SWEEP:-"0,1,2,5,10,15,20"}
TIME_MESSAGES=${TIME_MESSAGES:-2000}

if [ "$(id -u)" -ne 0 ]; then
  echo "bench/loss_vs_iperf3.sh: needs root for the network namespaces: run it with sudo" >&2
  exit 1
fi
for tool in ip nft iperf3 jq; do
  command -v "$tool" >/dev/null || { echo "bench/loss_vs_iperf3.sh: $tool is not installed" >&2; exit 1; }
done

cargo build --release --quiet --bin tcp_vs_udp
BIN=target/release/tcp_vs_udp
mkdir -p bench/results
STAMP=$(date +%Y%m%d-%H%M%S)
ACCURACY=bench/results/loss_vs_iperf3-$STAMP.jsonl
TIMES=bench/results/time_sweep-$STAMP.jsonl

echo "# $(uname -sr), $(nproc) cores, $(iperf3 --version | head -1)"
echo "# accuracy: $RUNS runs per loss rate, $MESSAGES UDP messages of $SIZE bytes at $RATE/s"
for loss in $LOSSES; do
  for run in $(seq "$RUNS"); do
    cmd=("$BIN" --scenario lossy --loss "$loss" --messages "$MESSAGES" --size "$SIZE"
         --rate "$RATE" --proto udp --iperf3 --json)
    [ "$loss" = "${LOSSES%% *}" ] && [ "$run" = 1 ] && echo "\$ ${cmd[*]}"
    "${cmd[@]}" | tee -a "$ACCURACY" >/dev/null
  done
done

echo
{
printf 'loss %%\trun\ttcp_vs_udp lost %%\tiperf3 lost %%\tdifference\t95%% interval\tinside\trcvbuf errors\tiperf3 attempts\n'
jq -r --slurp '
  group_by(.loss_percent)[] | to_entries[] |
  .value as $r |
  [ $r.loss_percent, (.key + 1), $r.lost_percent_measured, $r.iperf3_lost_percent,
    (($r.lost_percent_measured - $r.iperf3_lost_percent) | fabs),
    "\($r.expected_loss_low * 100 | round / 100)–\($r.expected_loss_high * 100 | round / 100)",
    $r.loss_within_interval, $r.rcvbuf_errors, $r.iperf3_attempts ] |
  "\(.[0])\t\(.[1])\t\(.[2] * 100 | round / 100)\t\(.[3] * 100 | round / 100)\t\(.[4] * 100 | round / 100)\t\(.[5])\t\(.[6])\t\(.[7])\t\(.[8])"
' "$ACCURACY"
} | column -t -s $'\t'
echo
jq -r --slurp '
  "largest difference from iperf3: \(map((.lost_percent_measured - .iperf3_lost_percent) | fabs) | max * 100 | round / 100) points; " +
  "runs inside the 95% interval: \(map(select(.loss_within_interval)) | length) of \(length)"
' "$ACCURACY"

echo
cmd=("$BIN" --scenario lossy --sweep "$TIME_SWEEP" --messages "$TIME_MESSAGES" --size "$SIZE" --json)
echo "# time: \$ ${cmd[*]}"
"${cmd[@]}" | tee "$TIMES" >/dev/null
{
printf 'loss %%\tproto\tdelivered\telapsed s\tMbit/s\tp50 ms\tp99 ms\tretransmissions\n'
jq -r '[.loss_percent, .proto, .delivered, ((.elapsed_s // 0) * 1000 | round / 1000),
        ((.throughput_mbps // 0) * 10 | round / 10), ((.p50_ms // 0) * 1000 | round / 1000),
        ((.p99_ms // 0) * 1000 | round / 1000), (.retransmissions // "-")] | @tsv' "$TIMES"
} | column -t -s $'\t'
echo
echo "raw results: $ACCURACY $TIMES"
