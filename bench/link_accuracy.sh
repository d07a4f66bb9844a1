#!/usr/bin/env bash
# Accuracy of socklab's link emulator (src/link/), on a twohost network of
# its own (prefix bench<pid>): each figure against what was configured.
#
#   bench/link_accuracy.sh [all|rtt|rate|loss|reorder|forward]
#
# rtt      median UDP round trip for --delay 10ms, 50ms, 100ms: within 10 % of 2 x delay
# rate     --rate 10mbit: iperf3 TCP (10 s) and tcp_client --bytes 12M into tcp_server --mode sink
# loss     --loss 2: 10,000 numbered datagrams; missing within the 95 % interval, and = the link's count
# reorder  --reorder 2 --duplicate 2: what bob saw = what the link reports
# forward  no limits: frames forwarded per second (and per second of the link thread's CPU)
#
# Runs with sudo (namespaces on the machine) or without root (a user
# namespace of its own); needs iperf3 and jq. Prints one line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
cargo build --release --quiet --bin twohost --bin tcp_server --bin tcp_client --example link_probe
BIN=$PWD/target/release
PROBE=$BIN/examples/link_probe
P=bench$$
S=240
A=10.203.$S.1
B=10.203.$S.2
th() { "$BIN/twohost" --prefix "$P" --subnet "$S" "$@"; }
on() { local host=$1; shift; th exec "$host" "$@"; }
trap 'th down >/dev/null 2>&1 || true' EXIT
up() { th up "$@" >/dev/null; sleep 0.3; }
stat() { th status --json | jq -r "$1"; }
# Start `link_probe recv` on bob and wait until it is bound.
recv_on_bob() {
    local port=$1 out=$2 ready=/tmp/link_ready.$$
    rm -f "$ready"
    on bob "$PROBE" recv "$B:$port" 10000 "$ready" >"$out" &
    for _ in $(seq 200); do [[ -e $ready ]] && break; sleep 0.05; done
    rm -f "$ready"
}

if [[ $what == all || $what == rtt ]]; then
    for d in 10 50 100; do
        up --delay ${d}ms
        on bob "$PROBE" echo "$B:7100" >/dev/null &
        sleep 0.5
        r=$(on alice "$PROBE" rtt "$B:7100" 20)
        med=$(jq -r .median_ms <<<"$r")
        wait
        th down >/dev/null
        awk -v d="$d" -v m="$med" 'BEGIN { e = 2 * d; printf "rtt      delay %3d ms each way: median RTT %8.3f ms, expected %d ms, error %+.2f %%\n", d, m, e, (m - e) / e * 100 }'
    done
fi

if [[ $what == all || $what == rate ]]; then
    up --rate 10mbit
    on bob iperf3 -s -1 -B "$B" -p 5299 >/dev/null 2>&1 &
    sleep 0.7
    bps=$(on alice iperf3 -c "$B" -p 5299 -t 10 -J | jq '.end.sum_received.bits_per_second')
    wait
    awk -v b="$bps" 'BEGIN { printf "rate     --rate 10mbit, iperf3 TCP 10 s: %.3f Mbit/s received (goodput), error %+.2f %%\n", b / 1e6, (b / 1e7 - 1) * 100 }'
    out=$(mktemp)
    on bob "$BIN/tcp_server" --host "$B" --port 5300 --mode sink --once --quiet >"$out" 2>&1 &
    sleep 0.7
    line=$(on alice "$BIN/tcp_client" --host "$B" --port 5300 --bytes 12M --quiet | grep '^sent ')
    wait
    rm -f "$out"
    awk -v l="$line" 'BEGIN { split(l, w, " "); b = w[2]; t = w[7]; r = b * 8 / t
        printf "rate     --rate 10mbit, tcp_client --bytes 12M into tcp_server --mode sink: %d bytes in %.3f s = %.3f Mbit/s (goodput), error %+.2f %%\n", b, t, r / 1e6, (r / 1e7 - 1) * 100 }'
    th down >/dev/null
fi

if [[ $what == all || $what == loss ]]; then
    up --loss 2
    before=$(stat '.directions["alice->bob"].dropped')
    recv_on_bob 7101 /tmp/link_recv.$$
    on alice "$PROBE" send "$B:7101" 10000 5000 >/dev/null
    wait
    after=$(stat '.directions["alice->bob"].dropped')
    missing=$(jq .missing /tmp/link_recv.$$)
    rm -f /tmp/link_recv.$$
    awk -v m="$missing" -v l=$((after - before)) 'BEGIN {
        p = 0.02; n = 10000; h = 1.96 * sqrt(p * (1 - p) / n) * 100
        printf "loss     --loss 2, 10,000 datagrams: %d missing (%.2f %%), 95 %% interval %.2f-%.2f %%: %s; link dropped %d\n",
            m, m / n * 100, 2 - h, 2 + h, (m / n * 100 >= 2 - h && m / n * 100 <= 2 + h) ? "inside" : "OUTSIDE", l }'
    th down >/dev/null
fi

if [[ $what == all || $what == reorder ]]; then
    up --reorder 2 --duplicate 2
    b_re=$(stat '.directions["alice->bob"].reordered')
    b_du=$(stat '.directions["alice->bob"].duplicated')
    recv_on_bob 7102 /tmp/link_recv.$$
    on alice "$PROBE" send "$B:7102" 10000 5000 >/dev/null
    wait
    re=$(( $(stat '.directions["alice->bob"].reordered') - b_re ))
    du=$(( $(stat '.directions["alice->bob"].duplicated') - b_du ))
    seen=$(cat /tmp/link_recv.$$)
    rm -f /tmp/link_recv.$$
    echo "reorder  --reorder 2 --duplicate 2, 10,000 datagrams: bob saw $(jq .late <<<"$seen") late and $(jq .duplicates <<<"$seen") duplicates; the link reports $re reordered and $du duplicated"
    th down >/dev/null
fi

if [[ $what == all || $what == forward ]]; then
    up
    owner=$(stat .owner)
    bob_ns=$(stat .bob.ns)
    mac=$(on bob cat /sys/class/net/veth-bob/address)
    # The link thread's CPU time (utime + stime, clock ticks).
    tid=$(grep -l '^link$' /proc/"$owner"/task/*/comm | head -1 | cut -d/ -f5)
    cpu() { awk '{ print $14 + $15 }' /proc/"$owner"/task/"$tid"/stat; }
    f0=$(stat '.directions["alice->bob"].forwarded'); c0=$(cpu); t0=$(date +%s.%N)
    sent=$(on alice "$PROBE" flood veth-alice "$mac" "$A" "$B" 5 64)
    # The link may still be draining its socket buffer: wait until it is idle.
    f1=-1
    while :; do
        f=$(stat '.directions["alice->bob"].forwarded')
        [[ $f == "$f1" ]] && break
        f1=$f; c1=$(cpu); t1=$(date +%s.%N)
        sleep 0.2
    done
    overrun=$(stat .overrun)
    hz=$(getconf CLK_TCK)
    awk -v f=$((f1 - f0)) -v t0="$t0" -v t1="$t1" -v c=$((c1 - c0)) -v hz="$hz" -v o="$overrun" -v s="$(jq .per_second <<<"$sent")" 'BEGIN {
        w = t1 - t0; cs = c / hz
        printf "forward  no limits, 64-byte frames for 5 s: offered %.0f/s, forwarded %d in %.2f s = %.0f frames/s; link thread CPU %.2f s = %.0f frames per CPU second; %d not read in time\n",
            s, f, w, f / w, cs, (cs > 0 ? f / cs : 0), o }'
    : "$bob_ns"
    th down >/dev/null
fi
