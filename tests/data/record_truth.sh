#!/usr/bin/env bash
# Record the captures that check what `capture` says must be true on a real
# link (issue 10): a SYN-ACK lost after the capture point, a 1-byte write
# lost twice next to real keep-alives, a last ACK lost four times, FINs that
# cross, and a segment overtaken by the next one. Needs root: two network
# namespaces joined by a veth pair, with nftables rules that drop chosen
# packets where they arrive, and tbf to make the link slow. Everything is
# removed on exit. The endpoints are small Python programs, so that each
# capture shows exactly one thing. The kernel's own counters are printed
# beside each capture (nstat in the sender's namespace), to compare with
# what `capture -r` says about it.
#   tests/data/record_truth.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/data
A=trutha$$ B=truthb$$ VA=vta$$ VB=vtb$$
IPA=10.231.0.1 IPB=10.231.0.2 PORT=5000
cleanup() { ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true; }
trap cleanup EXIT

# A fresh pair of hosts, A (client, where the capture runs) and B (server).
hosts() {
  cleanup
  ip netns add "$A"; ip netns add "$B"
  ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B"
  ip -n "$A" addr add "$IPA/24" dev "$VA"; ip -n "$B" addr add "$IPB/24" dev "$VB"
  for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
  ip -n "$A" link set "$VA" up; ip -n "$B" link set "$VB" up
  # Offloads off: the capture must see the segments the kernel really sent.
  ip netns exec "$A" ethtool -K "$VA" tso off gso off gro off >/dev/null 2>&1 || true
  ip netns exec "$B" ethtool -K "$VB" tso off gso off gro off >/dev/null 2>&1 || true
}

# drop NS RULE: drop packets matching RULE where they arrive in NS.
drop() {
  ip netns exec "$1" nft -f - <<NFT
table inet truth { chain lossy { type filter hook prerouting priority -300; policy accept; $2 counter drop; }; }
NFT
}

# capture NAME SECONDS PY_SERVER PY_CLIENT: capture on A's veth while the
# Python server runs in B and the client in A.
capture() {
  local name=$1 secs=$2 srv=$3 cli=$4
  ip netns exec "$A" nstat -n >/dev/null
  ip netns exec "$A" tcpdump -i "$VA" -U --immediate-mode -s 200 -w "$out/$name.pcap" "tcp port $PORT" 2>/dev/null & local td=$!
  ip netns exec "$B" python3 -c "$srv" & local sv=$!
  sleep 0.7
  ip netns exec "$A" timeout 30 python3 -c "$cli" || true
  sleep "$secs"
  kill -INT "$td"; wait "$td" || true
  kill "$sv" 2>/dev/null || true; wait "$sv" 2>/dev/null || true
  echo "$name.pcap: $(tcpdump -nn -r "$out/$name.pcap" 2>/dev/null | wc -l) packets;" \
    "kernel (client side): $(ip netns exec "$A" nstat -a 2>/dev/null | awk '/TcpRetransSegs|TcpExtTCPSynRetrans|TcpExtTCPKeepAlive/ {printf "%s %s  ", $1, $2}')"
}

SERVER_ECHO="
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$IPB', $PORT)); s.listen(1)
c, _ = s.accept()
while True:
    d = c.recv(100)
    if not d: break
c.close()"

# 1. A SYN-ACK seen at the client's capture point, dropped before the
#    client's TCP: the SYN comes again 1 s later, the SYN-ACK again, then
#    the handshake completes.
hosts
drop "$A" "tcp flags & (syn|ack) == (syn|ack) quota until 74 bytes"
capture lost_synack 0.5 "$SERVER_ECHO" "
import socket, time
c = socket.create_connection(('$IPB', $PORT), timeout=10)
c.send(b'hi'); time.sleep(0.2); c.close()"

# 2. A 1-byte write whose segment is dropped twice on its way (so the kernel
#    counts 2 retransmissions), then keep-alives on the idle connection.
hosts
drop "$B" "ip length 53 quota until 106 bytes"
capture lost_one_byte 0.5 "$SERVER_ECHO" "
import socket, time
c = socket.create_connection(('$IPB', $PORT))
c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
c.send(b'x'); time.sleep(4.5); c.close()"

# 3. The last ACK lost six times: the server sends its FIN again and again
#    (its timer doubling from 0.2 s), the client answers from TIME-WAIT
#    each time; the seventh copy of the last ACK arrives, seconds after the
#    first.
hosts
capture lost_last_ack 9 "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$IPB', $PORT)); s.listen(1)
c, _ = s.accept()
c.recv(100)
time.sleep(0.5); c.close(); time.sleep(12)" "
import socket, subprocess, time
c = socket.create_connection(('$IPB', $PORT))
c.shutdown(socket.SHUT_WR)
time.sleep(0.2)
# From now on the client sends only its last ACKs: drop six where they arrive.
subprocess.run(['ip', 'netns', 'exec', '$B', 'nft', '-f', '-'], check=True, input=b'''
table inet truth { chain lossy { type filter hook prerouting priority -300; policy accept;
  ip saddr $IPA tcp flags & (fin|syn|rst|psh) == 0 quota until 312 bytes counter drop; }; }''')
time.sleep(9); c.close()"

# 4. FINs that cross: a slow link (tbf, 32 kbit/s each way) and both
#    programs write 2000 bytes and shutdown(SHUT_WR) at the same instant:
#    each FIN waits in its host's queue behind that data, so each leaves
#    before the other arrives. A simultaneous close: neither side is ever in
#    CLOSE-WAIT. Both then read to the end before close(), so no RST.
hosts
ip netns exec "$A" tc qdisc add dev "$VA" root tbf rate 32kbit burst 1540 latency 5s
ip netns exec "$B" tc qdisc add dev "$VB" root tbf rate 32kbit burst 1540 latency 5s
capture crossing_fins 2 "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$IPB', $PORT)); s.listen(1)
c, _ = s.accept()
at = float(c.recv(100).decode())
time.sleep(max(0, at - time.time())); c.sendall(b'b' * 2000); c.shutdown(socket.SHUT_WR)
while c.recv(4096): pass
c.close(); time.sleep(1)" "
import socket, time
c = socket.create_connection(('$IPB', $PORT))
at = time.time() + 0.5
c.send(repr(at).encode())
time.sleep(max(0, at - time.time())); c.sendall(b'a' * 2000); c.shutdown(socket.SHUT_WR)
while c.recv(4096): pass
c.close(); time.sleep(1)"

# 5. A segment overtaken by the next one. Neither veth nor tbf reorder on
#    one link, so A gets a second, slower link to B (tbf, 64 kbit/s, its
#    bucket emptied by a UDP filler just before), and the policy routing of
#    A sends the segment whose payload is "b" that way: it arrives ~30 ms
#    after the "c" segment sent 2 ms after it. SACK and tail-loss probes
#    are off on A so that nothing is sent again within those 40 ms, and
#    autocorking too, so that "c" does not wait for "b" to leave. The
#    capture runs on B, on both links (-i any), where the reordering shows.
hosts
VA2=vta2$$ VB2=vtb2$$
ip link add "$VA2" netns "$A" type veth peer name "$VB2" netns "$B"
ip -n "$A" addr add 10.232.0.1/24 dev "$VA2"; ip -n "$B" addr add 10.232.0.2/24 dev "$VB2"
ip -n "$A" link set "$VA2" up; ip -n "$B" link set "$VB2" up
ip netns exec "$A" tc qdisc add dev "$VA2" root tbf rate 64kbit burst 1540 latency 5s
ip netns exec "$A" sysctl -qw net.ipv4.tcp_sack=0 net.ipv4.tcp_early_retrans=0 net.ipv4.tcp_autocorking=0
ip netns exec "$B" sysctl -qw net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.$VB2.rp_filter=0"
ip -n "$A" rule add fwmark 7 lookup 100
ip -n "$A" route add "$IPB/32" via 10.232.0.2 dev "$VA2" src "$IPA" table 100
ip netns exec "$A" nft -f - <<NFT
table inet truth { chain slow_b { type route hook output priority 0; policy accept;
  tcp dport $PORT @ih,0,8 0x62 meta mark set 7; }; }
NFT
ip netns exec "$A" nstat -n >/dev/null
ip netns exec "$B" tcpdump -i any -U --immediate-mode -s 200 -w "$out/reordered.pcap" "tcp port $PORT" 2>/dev/null & td=$!
ip netns exec "$B" python3 -c "$SERVER_ECHO" & sv=$!
sleep 0.7
ip netns exec "$A" python3 -c "
import socket, time
c = socket.create_connection(('$IPB', $PORT))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.send(b'a' * 100); time.sleep(0.1)
filler = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
filler.sendto(b'.' * 1400, ('10.232.0.2', 9)); filler.sendto(b'.' * 150, ('10.232.0.2', 9))
c.send(b'b' * 100); time.sleep(0.002); c.send(b'c' * 100)
time.sleep(0.5); c.close()" || true
sleep 0.5
kill -INT "$td"; wait "$td" || true
kill "$sv" 2>/dev/null || true; wait "$sv" 2>/dev/null || true
echo "reordered.pcap: $(tcpdump -nn -r "$out/reordered.pcap" 2>/dev/null | wc -l) packets;" \
  "kernel (client side): $(ip netns exec "$A" nstat -a 2>/dev/null | awk '/TcpRetransSegs/ {printf "%s %s  ", $1, $2}')"
