#!/usr/bin/env bash
# Record a real loopback capture of N TCP packets (default 1,000,000) for the
# read benchmarks. Many short connections (handshake, small messages sent
# with TCP_NODELAY so each is its own segment, teardown), captured by
# tcpdump. Needs root and python3. Usage: bench/make_big_pcap.sh OUT [N]
set -euo pipefail
out=${1:?usage: make_big_pcap.sh OUT [PACKETS]}
n=${2:-1000000}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
tcpdump -i lo -s 256 -w "$out" -c "$n" "tcp port $port" 2>/dev/null & tcpdump_pid=$!; pids+=($tcpdump_pid)
sleep 1
python3 - "$port" "$tcpdump_pid" <<'PY' & pids+=($!)
import os, socket, sys, threading
port, watch = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(64)
def serve():
    while True:
        c, _ = srv.accept()
        while True:
            d = c.recv(65536)
            if not d: break
            c.sendall(d[:16])          # a short reply now and then
        c.close()
threading.Thread(target=serve, daemon=True).start()
msg = b"socklab benchmark message\n" * 3
def alive():
    try: os.kill(watch, 0); return True
    except OSError: return False
while alive():
    c = socket.create_connection(("127.0.0.1", port))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for _ in range(2000):
        c.send(msg)
    c.shutdown(socket.SHUT_WR)
    while c.recv(65536): pass
    c.close()
PY
wait "$tcpdump_pid" || true
echo "wrote $out: $(tcpdump -nn -r "$out" 2>/dev/null | wc -l) packets"
