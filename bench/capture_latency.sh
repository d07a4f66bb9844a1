#!/usr/bin/env bash
# Live latency: from the wire to the line on standard output, capture side
# by side with `tcpdump --immediate-mode -l -nn`. Needs root; loopback only.
#
# A sender on 127.0.0.1 sends RATE packets a second for SECS seconds, each
# with a payload length of its own, and notes when it sent each one. The
# capturing program writes to a pseudo-terminal (python's `pty`: it behaves
# as on a terminal, immediate mode and a line at a time), read at once by
# this script, which notes when each line arrives; a line's packet is found
# by its length (`len N` / `length N`). Latency = arrival - send.
#
# Three cases, each run by capture and by tcpdump in turn (ROUNDS rounds,
# the two commands of a case always back to back, so both see the same
# load):
#   plain      `capture --port P` (as root the kernel's view is on) and
#              `tcpdump -i lo --immediate-mode -l -nn udp port P`: UDP
#              datagrams from a plain Python socket, no lab program;
#   no-kernel  the same with `capture --no-kernel`;
#   lab        `tcp_client` sending each line it reads to `tcp_server`
#              (both report their calls to capture): the segment of each
#              line is timed (the write to tcp_client's input is the send).
# Prints the Markdown table published in docs/performance.md.
# Usage: bench/capture_latency.sh [RATE] [SECS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-50}
secs=${2:-10}
rounds=${3:-3}
if [ "$(id -u)" != 0 ]; then
  echo "bench/capture_latency.sh: needs root (live capture on lo)" >&2
  exit 1
fi
cargo build --release -q --bin capture --bin tcp_server --bin tcp_client
exec python3 - "$rate" "$secs" "$rounds" <<'EOF'
import fcntl, os, pty, re, signal, socket, statistics, struct, subprocess
import sys, termios, threading, time

rate, secs, rounds = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
BASE = 20        # the first payload length; each packet's is BASE + 3 * i
STEP = 3         # apart enough that a newline counted or not is no doubt
LEN = re.compile(rb"\blen(?:gth)? (\d+)")
work = f"/tmp/socklab-latency-{os.getpid()}"
os.mkdir(work, 0o700)
env = dict(os.environ, SOCKLAB_EVENTS=f"{work}/events.sock", NO_COLOR="1")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(cmd):
    """Run cmd on a pseudo-terminal; return (process, master fd, stderr
    lines) once it says it is listening."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=subprocess.PIPE, env=env)
    os.close(slave)
    err = []
    ready = threading.Event()

    def drain():
        for line in p.stderr:
            err.append(line)
            if b"listening on" in line:
                ready.set()
        ready.set()
    threading.Thread(target=drain, daemon=True).start()
    ready.wait(20)
    return p, master, err


def read_lines(master, arrived, stop):
    """Note the arrival of the first line naming each length."""
    buf = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            return
        if not data:
            return
        now = time.time()
        buf += data
        *lines, buf = buf.split(b"\n")
        for line in lines:
            m = LEN.search(line)
            if m:
                arrived.setdefault(int(m.group(1)), now)


def paced(sent, send):
    """Call send(length) RATE times a second for SECS seconds, noting in
    sent[length] when each was sent."""
    t0 = time.time()
    for i in range(int(rate * secs)):
        due = t0 + i / rate
        while time.time() < due:
            time.sleep(max(0.0, due - time.time()))
        length = BASE + STEP * i
        sent[length] = time.time()
        send(length)


def udp_sender(port, sent):
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", port))
    rx.setblocking(False)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    def send(length):
        tx.sendto(b"x" * length, ("127.0.0.1", port))
        try:
            while True:
                rx.recv(65536)
        except BlockingIOError:
            pass
    paced(sent, send)
    rx.close()


def lab_sender(port, sent):
    quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL, env=env)
    srv = subprocess.Popen(["target/release/tcp_server", "--port", str(port),
                            "--color", "never"], **quiet)
    time.sleep(0.5)
    cli = subprocess.Popen(["target/release/tcp_client", "--port", str(port),
                            "--color", "never"], stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=env)
    time.sleep(0.5)
    def send(length):
        cli.stdin.write(b"y" * (length - 1) + b"\n")
        cli.stdin.flush()
    paced(sent, send)
    cli.stdin.close()
    cli.wait(10)
    srv.send_signal(signal.SIGINT)
    try:
        srv.wait(5)
    except subprocess.TimeoutExpired:
        srv.kill()


def one(cmd, case):
    port = free_port()
    cmd = [c.replace("PORT", str(port)) for c in cmd]
    p, master, err = start(cmd)
    sent, arrived = {}, {}
    stop = threading.Event()
    reader = threading.Thread(target=read_lines, args=(master, arrived, stop),
                              daemon=True)
    reader.start()
    time.sleep(0.3)
    (lab_sender if case == "lab" else udp_sender)(port, sent)
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    reader.join(2)
    os.close(master)
    lat = []
    for length, t in sent.items():
        got = [arrived[k] for k in (length, length - 1, length + 1) if k in arrived]
        if got:
            lat.append((min(got) - t) * 1000)
    return lat, len(sent)


CASES = [
    ("plain", "`capture --port P`",
     ["target/release/capture", "--port", "PORT", "--color", "never"],
     ["tcpdump", "-i", "lo", "--immediate-mode", "-l", "-nn", "udp port PORT"]),
    ("no-kernel", "`capture --no-kernel --port P`",
     ["target/release/capture", "--no-kernel", "--port", "PORT", "--color", "never"],
     ["tcpdump", "-i", "lo", "--immediate-mode", "-l", "-nn", "udp port PORT"]),
    ("lab", "`capture --port P`, tcp_client → tcp_server",
     ["target/release/capture", "--port", "PORT", "--color", "never"],
     ["tcpdump", "-i", "lo", "--immediate-mode", "-l", "-nn", "tcp port PORT"]),
]

res = {}
for r in range(rounds):
    for case, _, cap, td in CASES:
        for tool, cmd in (("capture", cap), ("tcpdump", td)):
            lat, n = one(cmd, case)
            d = res.setdefault((case, tool), {"lat": [], "sent": 0, "medians": []})
            d["lat"] += lat
            d["sent"] += n
            if lat:
                d["medians"].append(statistics.median(lat))
            print(f"round {r + 1} {case:9} {tool:7}: {len(lat)}/{n} lines, "
                  f"median {statistics.median(lat) if lat else float('nan'):.2f} ms",
                  file=sys.stderr)
os.rmdir(work) if not os.listdir(work) else None


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q / 100 * (len(v) - 1))))] if v else float("nan")


load = os.getloadavg()
print(f"{rate:g} packets/s for {secs:g} s, {rounds} rounds; load average "
      f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs")
print()
print("| case | program | median, ms | p90, ms | lines / sent | per-round medians, ms |")
print("|------|---------|-----------:|--------:|-------------:|-----------------------|")
for case, title, cap, td in CASES:
    for tool in ("capture", "tcpdump"):
        d = res[(case, tool)]
        who = title if tool == "capture" else "`tcpdump --immediate-mode -l -nn`"
        meds = ", ".join(f"{m:.2f}" for m in d["medians"])
        print(f"| {case} | {who} | {pct(d['lat'], 50):.2f} | {pct(d['lat'], 90):.2f} "
              f"| {len(d['lat'])} / {d['sent']} | {meds} |")
EOF
