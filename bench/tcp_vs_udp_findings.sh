#!/usr/bin/env bash
# bench/tcp_vs_udp_findings.sh: the runs docs/findings.md is written from.
# Prints each command, then its table. The lossy runs need root.
#
#   sudo bench/tcp_vs_udp_findings.sh | tee bench/results/findings.txt
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin tcp_vs_udp
BIN=target/release/tcp_vs_udp

run() {
  echo "\$ tcp_vs_udp $*"
  "$BIN" "$@"
  echo
}

echo "# $(uname -sr), $(nproc) cores, $(date -u +%Y-%m-%d)"
# 1. Overload on loopback: a slow receiver (0.1 ms per message).
run --quiet
# 2. The receive buffer: bigger, then smaller.
run --quiet --proto udp --rcvbuf 4M
run --quiet --proto udp --rcvbuf 16K
# 3. No overload: the receiver keeps up, the sender is paced.
run --quiet --recv-delay 0 --rate 20000 --rcvbuf 4M
# 4. Speed on a clean loopback: both as fast as they can.
run --quiet --recv-delay 0 --messages 100000 --repeat 3
run --quiet --recv-delay 0 --messages 100000 --rcvbuf 4M --proto udp --repeat 3
if [ "$(id -u)" -eq 0 ]; then
  # 5. The lossy link: 10% each way, 10,000 messages, and iperf3 on the same link.
  run --quiet --scenario lossy --loss 10 --messages 10000 --iperf3
  # 6. The sweep behind images/tcp_vs_udp_sweep.svg.
  run --quiet --scenario lossy --sweep 0,1,2,5,10,15,20 --repeat 3 --messages 2000 \
    --svg images/tcp_vs_udp_sweep.svg
  # 7. The same 20% link with small messages: TCP's cost is per segment.
  run --quiet --scenario lossy --loss 20 --messages 2000 --size 100 --repeat 3
  # 8. Speed on a clean two-host link, unpaced.
  run --quiet --scenario lossy --loss 0 --rate max --messages 100000 --repeat 3
else
  echo "# (the lossy runs need root: run with sudo)"
fi
