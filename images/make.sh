#!/usr/bin/env bash
# Regenerate every diagram in images/ from the real captures in tests/data
# (recorded by tests/data/record.sh and `capture demo -w`). No root needed.
#   images/make.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release --bin capture
cap=target/release/capture
$cap -r tests/data/demo.pcap --svg images/demo_tcp.svg --conn 1 >/dev/null
$cap -r tests/data/demo.pcap --svg images/demo_all.svg >/dev/null
$cap -r tests/data/four_way.pcap --svg images/teardown_four_way.svg >/dev/null
$cap -r tests/data/ipv6.pcap --svg images/teardown_three_way_ipv6.svg >/dev/null
$cap -r tests/data/half_close.pcap --svg images/half_close.svg >/dev/null
$cap -r tests/data/reset.pcap --svg images/reset.svg >/dev/null
$cap -r tests/data/refused.pcap --svg images/refused.svg >/dev/null
$cap -r tests/data/udp.pcap --svg images/udp.svg >/dev/null
$cap -r tests/data/udp_refused.pcap --svg images/udp_refused.svg >/dev/null
# Bulk data is one band per run; --all-segments would draw all 94 segments.
$cap -r tests/data/lossy.pcap --svg images/retransmissions.svg >/dev/null
# Time to scale (10 px for 10 ms): the 100 ms round trip of a delayed cable.
$cap -r tests/data/delay50.pcap --svg images/round_trip_time_scale.svg --time-scale >/dev/null
# The tcp_vs_udp plots are made by the experiment itself (see images/README.md).
echo "images/: $(ls images/*.svg | wc -l) SVG files"
