# socklab messages, English: experiment.
# Every message here has a twin in ../pt-BR/experiment.ftl with the same variables.
#
# tcp_vs_udp and the experiment behind it (src/bin/tcp_vs_udp.rs,
# src/experiment/). Numbers with decimals arrive already formatted.

## The options (usage errors, exit status 2).

exp-opt-message-too-small = a message needs at least { $min } bytes: its sequence number and send time
exp-opt-rcvbuf-range = a receive buffer is between 1 byte and 1G
exp-opt-bad-rate = `{ $text }` is not a rate: use messages per second, a number above 0 (e.g. 20000), or max
exp-opt-bad-percent = loss is a percentage from 0 to 100 (10 means 10%), not `{ $text }`
exp-opt-lossy-only = { $option } belongs to --scenario lossy (the overload scenario runs on loopback, with no link in between)
exp-opt-lossy-needs-loss = --scenario lossy needs --loss PERCENT or --sweep LIST (or --delay, --delay-sweep), e.g. --loss 10
exp-opt-iperf3-udp = --iperf3 compares UDP loss: use it with --proto udp or both

## What tcp_vs_udp says, and the steps its errors name.

exp-step-lossy-private = lossy scenario without root
exp-step-lossy = lossy scenario
exp-step-loopback-run = { $proto } run on loopback
exp-plot-written = plot written to { $path }
exp-interrupted-cleaned = tcp_vs_udp: interrupted: namespaces and processes removed
exp-lossy-up = two hosts up: { $alice } ({ $alice_ip }) and { $bob } ({ $bob_ip }); the link between them: { $link }
exp-link-now = the link now: { $link }
exp-lossy-removed = namespaces { $alice } and { $bob } removed

## The experiment's errors (src/experiment/).

exp-err-no-sender = no sender connected within { $waited }: the sender failed to start; see its error above
exp-err-child = the { $role ->
    [receiver] receiver
   *[sender] sender
} in namespace { $ns } failed: { $detail }
exp-err-interrupted = interrupted
exp-err-panicked = a { $thread ->
    [receiver] receiver
   *[sender] sender
} thread panicked: this is a bug in socklab
exp-child-no-report = it ended without a report
exp-child-said = said `{ $line }`
exp-child-not-ready = not ready after { $waited }
exp-step-socket-call = socket call
exp-step-start = starting { $program }
exp-step-find-exe = finding this program's path
exp-no-pipes = no pipes to the process

## iperf3 on the same link.

exp-iperf3-command = iperf3 on the same link: { $command }
exp-iperf3-attempt-failed = iperf3 attempt { $attempt } failed: { $error }
exp-iperf3-gave-up = { $attempts } attempts failed, the last with: { $error }
exp-iperf3-no-ip = `ip` not found: install iproute2
exp-iperf3-no-server = the server did not start: { $stderr }
exp-iperf3-no-result = no result within { $waited } (its opening datagram was probably lost)
exp-iperf3-not-json = output is not JSON: { $error }
exp-iperf3-no-sum = no end.sum in its JSON
exp-iperf3-no-field = no { $field }

## The narration of the two ends (src/experiment/endpoint.rs).

exp-connected = connected (three-way handshake done)
exp-sent-messages = { $n } messages, { $bytes }
exp-end-markers = then { $n } end markers: UDP has no end of stream, and any of them may be lost
exp-rcvbuf = receive buffer: { $bytes } (SO_RCVBUF; the kernel doubles what is asked, for its own bookkeeping, up to net.core.rmem_max)
exp-received-messages = { $n } messages
exp-no-end-marker = no end marker arrived: stopped after { $waited } without a datagram
exp-new-socket = new socket for { $peer }
exp-received-fin = { $n } messages, then 0 bytes: the sender closed (FIN received)
exp-progress-sent = sent
exp-progress-received = { $n } received

## The table (src/experiment/report.rs).

exp-col-link-loss = link loss
exp-col-proto = proto
exp-col-sent = sent
exp-col-delivered = delivered
exp-col-lost = lost
exp-col-dup = dup
exp-col-out-of-order = out of order
exp-col-elapsed = elapsed
exp-col-mbits = Mbit/s
exp-col-p50 = p50 latency
exp-col-p99 = p99 latency
exp-col-kernel = kernel counters
exp-cell-loopback = none (loopback)
exp-cell-loss = { $loss }%
exp-cell-loss-rtt = { $loss }%, RTT { $rtt } ms
exp-cell-retransmitted = { $n } retransmitted
exp-cell-link-dropped = link dropped { $n }

## What the numbers mean: one finding per protocol per run.

exp-note-udp-lossy = UDP at { $loss }% link loss: { $lost }% of { $sent } datagrams lost, { $inside ->
    [yes] inside
   *[no] OUTSIDE
} the 95% interval { $low }–{ $high }% for { $loss }% over { $sent } messages{ $buffer }
exp-note-udp-lossy-buffer = ; { $n } of them were dropped by the receiver's full buffer, not by the link
exp-note-iperf3 = iperf3 on the same link: { $lost }% lost ({ $lost_packets } of { $packets }); tcp_vs_udp measured { $ours }%: { $apart } percentage points apart
exp-note-tcp-lossy = TCP at { $loss }% link loss: { $delivered } of { $sent } delivered in { $elapsed }; the kernel retransmitted { $segments }{ $handshake }
exp-note-tcp-unknown-retransmissions = an unknown number of segments
exp-note-tcp-handshake = ; the handshake before it took { $time }
exp-note-udp-overload = UDP: { $lost } of { $sent } datagrams never reached the application; { $kernel }
exp-note-kernel-socket = the kernel dropped { $drops } datagrams on this socket's full receive buffer{ $markers } (RcvbufErrors grew by { $errors } on the whole machine)
exp-note-kernel-markers = : these { $lost } and { $markers } end or warm-up marker(s)
exp-note-kernel-machine = RcvbufErrors grew by { $errors }
exp-note-kernel-unknown = the kernel's counters could not be read
exp-note-tcp-overload-held = TCP: { $lost } lost; flow control held the sender back to the receiver's pace: { $elapsed } for { $sent } messages
exp-note-tcp-overload = TCP: { $lost } lost; { $elapsed } for { $sent } messages

## The plots (src/experiment/plot.rs).

exp-plot-title-rtt = TCP vs UDP: { $messages } messages of { $size } bytes, { $loss }% loss each way, against the link's round trip
exp-plot-title-loss = TCP vs UDP: { $messages } messages of { $size } bytes over a link losing a share of packets each way
exp-plot-time = Time from first send to last receive
exp-plot-rtt-axis = round-trip time of the link (ms)
exp-plot-elapsed-axis = elapsed (s)
exp-plot-delivered = Messages delivered
exp-plot-loss-axis = link loss in each direction (%)
exp-plot-delivered-axis = delivered (%)
exp-plot-expected = 100 − loss (what UDP should get)
exp-plot-elapsed-log-axis = elapsed (s, log scale)
exp-plot-failed = drawing { $path }: { $error }

## The tags of the narration of the two ends on loopback.

exp-tag-sender = { $proto } sender
exp-tag-receiver = { $proto } receiver
