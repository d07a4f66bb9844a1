#!/usr/bin/env bash
# Re-record the pcap fixtures of tests/data from real loopback traffic made by
# the lab programs. Needs root. The offline tests read these files back.
#   tests/data/record.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q --bins
bin=target/debug
out=tests/data
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# record NAME TCPDUMP_ARGS -- COMMANDS...: capture with tcpdump while a shell snippet runs.
record() {
  local name=$1 args=$2 script=$3
  tcpdump -i lo -U --immediate-mode $args -w "$out/$name.pcap" 2>/dev/null & local td=$!
  sleep 1
  bash -c "$script" >/dev/null 2>&1 || true
  sleep 0.5
  kill -INT "$td"; wait "$td" || true
  echo "$name.pcap: $(tcpdump -nn -r "$out/$name.pcap" 2>/dev/null | wc -l) packets"
}

server() { # start tcp_server in the background on $1 with extra args, wait for it
  "$bin/tcp_server" --quiet --port "$1" "${@:2}" & sleep 0.3
}

p=$(free_port)
record reset "tcp port $p" "$bin/tcp_server --quiet --once --port $p & sleep 0.3; $bin/tcp_client --quiet --port $p --message hi --reset; sleep 0.3"
p=$(free_port)
record refused "tcp port $p" "$bin/tcp_client --quiet --port $p --message hi"
p=$(free_port)
record half_close "tcp port $p" "$bin/tcp_server --quiet --once --port $p & sleep 0.3; $bin/tcp_client --quiet --port $p --message 'last words' --shutdown; sleep 0.3"
p=$(free_port)
# Four separate teardown segments: a server that closes 300 ms after the
# client's FIN, so its ACK (sent at once by the kernel) and its FIN travel apart.
record four_way "tcp port $p" "python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"127.0.0.1\", $p)); s.listen(1)
c, _ = s.accept()
while c.recv(100): c.send(b\"ok\\n\")
time.sleep(0.3); c.close()' & sleep 0.3; $bin/tcp_client --quiet --port $p --message hello; sleep 0.6"
p=$(free_port)
record udp "udp port $p" "$bin/udp_server --quiet --port $p & sleep 0.3; $bin/udp_client --quiet --port $p --message hello --message off; sleep 0.3"
p=$(free_port)
record ipv6 "tcp port $p" "$bin/tcp_server --quiet --once --host ::1 --port $p & sleep 0.3; $bin/tcp_client --quiet --host ::1 --port $p --message 'over IPv6'; sleep 0.3"
p=$(free_port)
# -i any with Linux cooked headers, v1 (SLL) and v2 (SLL2); and a snaplen cut.
tcpdump -i any -U --immediate-mode -w "$out/any_sll.pcap" "tcp port $p" 2>/dev/null & td1=$!
tcpdump -i any -U --immediate-mode -y LINUX_SLL2 -w "$out/any_sll2.pcap" "tcp port $p" 2>/dev/null & td2=$!
tcpdump -i lo -U --immediate-mode -s 60 -w "$out/snaplen60.pcap" "tcp port $p" 2>/dev/null & td3=$!
tcpdump -i lo -U --immediate-mode -s 90 -w "$out/snaplen90.pcap" "tcp port $p" 2>/dev/null & td4=$!
sleep 1
"$bin/tcp_server" --quiet --once --port "$p" >/dev/null & sleep 0.3
"$bin/tcp_client" --quiet --port "$p" --message "a message longer than the sixty bytes the snaplen keeps of each packet" >/dev/null || true
sleep 0.5
kill -INT $td1 $td2 $td3 $td4; wait $td1 $td2 $td3 $td4 || true
for f in any_sll any_sll2 snaplen60 snaplen90; do echo "$f.pcap: $(tcpdump -nn -r "$out/$f.pcap" 2>/dev/null | wc -l) packets"; done
# Not a pcap file at all, and a pcap file cut in the middle of a record.
printf 'this is not a pcap file\n' > "$out/not_a_pcap.txt"
head -c 300 "$out/reset.pcap" > "$out/cut_short.pcap"

# Retransmissions and duplicate ACKs: a transfer over a link that drops 20 %
# of packets, between two network namespaces, captured on alice's veth.
tw=target/debug/twohost
$tw --prefix rec --subnet 99 up --loss 20 >/dev/null
trap '$tw --prefix rec --subnet 99 down >/dev/null' EXIT
ip netns exec recbob "$bin/tcp_server" --quiet --once --mode sink --host 10.203.99.2 --port 5000 >/dev/null & sleep 0.5
ip netns exec recalice tcpdump -i veth-recalice -U --immediate-mode -s 128 -w "$out/lossy.pcap" tcp 2>/dev/null & td=$!
sleep 1
ip netns exec recalice "$bin/tcp_client" --quiet --host 10.203.99.2 --port 5000 --bytes 1M >/dev/null || true
sleep 1
kill -INT $td; wait $td || true
echo "lossy.pcap: $(tcpdump -nn -r "$out/lossy.pcap" 2>/dev/null | wc -l) packets"

# Recorded by capture itself, so that the socket calls come in a .events
# sidecar (ladder and SVG draw them).
cap=target/release/capture
cargo build -q --release --bins
ev=$(mktemp -d)/events.sock
# A UDP datagram to a closed port, answered by ICMP port unreachable, in a
# private network namespace (no other ICMP on its loopback).
SOCKLAB_EVENTS=$ev unshare -n bash -c "ip link set lo up; $cap -w $out/udp_refused.pcap 'udp port 5009 or icmp' -- target/release/udp_client --port 5009 --message 'anyone there?' --timeout 500ms" >/dev/null 2>&1
echo "udp_refused.pcap: $(tcpdump -nn -r "$out/udp_refused.pcap" 2>/dev/null | wc -l) packets"
# 40 KiB over a cable with 50 ms each way (a 100 ms round trip), seen from
# alice: slow start in rounds, one round trip apart (--time-scale).
tw2="target/release/twohost --prefix recd --subnet 98"
$tw2 up --delay 50ms >/dev/null
SOCKLAB_EVENTS=$ev $tw2 exec bob target/release/tcp_server --host 10.203.98.2 --port 5000 --once --mode sink --quiet >/dev/null & sleep 0.5
SOCKLAB_EVENTS=$ev $tw2 exec alice $cap -i veth-alice -w $out/delay50.pcap -- target/release/tcp_client --host 10.203.98.2 --port 5000 --bytes 40K >/dev/null 2>&1 || true
$tw2 down >/dev/null
echo "delay50.pcap: $(tcpdump -nn -r "$out/delay50.pcap" 2>/dev/null | wc -l) packets"
