# socklab messages, English: capture.
# Every message here has a twin in ../pt-BR/capture.ftl with the same variables.
#
# The sentences of capture's notes are not here: they are made from typed
# facts in src/i18n/en.rs and src/i18n/pt_br.rs (see src/i18n/mod.rs).

## The two sides, and what the text view shows of them.

capture-side-client = client
capture-side-server = server
capture-side-sender = sender
capture-side-receiver = receiver
capture-states = client { $client } · server { $server }

## Outcomes of a connection, as people read them (JSON keeps its own values).

capture-handshake-complete = complete
capture-handshake-refused = refused
capture-handshake-incomplete = incomplete
capture-handshake-not-seen = not-seen
capture-teardown-four-way = four-way
capture-teardown-three-way = three-way
capture-teardown-simultaneous = simultaneous
capture-teardown-reset = reset
capture-teardown-open = open
capture-half-close = (half-close)
capture-closed-by = closed by the { $side }

## A socket call and the segments around it.

capture-call-returned = returned
capture-caused-segment = -> { $flags }
capture-caused-segment-bytes = -> { $flags } ({ $len } bytes)
capture-caused-datagram = -> UDP datagram
capture-caused-datagram-bytes = -> UDP datagram ({ $len } bytes)
capture-closes-listener = (the listening socket: nothing goes on the wire; new connections are refused from now on, the accepted one stays open)
capture-returned-after-handshake-1 = returned after handshake step 1/3 (SYN)
capture-returned-after-handshake-2 = returned after handshake step 2/3 (SYN-ACK)
capture-returned-after-handshake-3 = returned after handshake step 3/3 (ACK)
capture-returned-after-teardown-1 = returned after teardown step 1 (FIN)
capture-returned-after-teardown-2 = returned after teardown step 2 (ACK of the FIN)
capture-returned-after-teardown-3 = returned after teardown step 3 (FIN)
capture-returned-after-teardown-4 = returned after teardown step 4 (last ACK)
capture-returned-after-reset = returned after a reset (RST)
capture-returned-after-data = returned after data arrived
capture-returned-after-ack = returned after an ACK
capture-returned-after-retransmission = returned after a retransmission
capture-returned-after-other = returned after a segment

## The text view's lines.

capture-tag-end = end
capture-tag-other = other
capture-connection-end = connection #{ $conn } { $client } ↔ { $server }: handshake { $handshake }, teardown { $teardown }{ $closed }, { $segments } segments{ $trouble }
capture-retransmissions = { $n ->
    [one] { $n } retransmission
   *[other] { $n } retransmissions
}
capture-dup-acks = { $n ->
    [one] { $n } duplicate ACK
   *[other] { $n } duplicate ACKs
}

## The summary table.

capture-col-client = client
capture-col-server = server
capture-col-handshake = handshake
capture-col-teardown = teardown
capture-col-closed-by = closed by
capture-col-duration = duration
capture-col-segments-both = segments c→s/s→c
capture-col-segments = segments
capture-col-bytes-both = bytes c→s/s→c
capture-col-rtt = handshake RTT
capture-col-retrans = retrans.
capture-col-dup-acks = dup ACKs
capture-no-connection = no TCP connection seen
capture-more-connections = ... and { $n } more connections (not listed)
capture-connection-paragraph = #{ $conn } { $client } → { $server }: handshake { $handshake }, teardown { $teardown }{ $half }{ $closed }, { $duration }, segments { $seg_c2s }/{ $seg_s2c }, bytes { $bytes_c2s }/{ $bytes_s2c }{ $rtt }, { $retransmissions } retransmissions, { $dup_acks } duplicate ACKs
capture-paragraph-rtt = , handshake RTT { $rtt }
capture-totals = { $packets } packets: { $tcp } TCP, { $udp } UDP, { $other } other
capture-totals-bad = , { $truncated } truncated, { $malformed } malformed
capture-totals-untracked = , { $n } segments of untracked connections (over the connection cap)
capture-totals-events = ; { $n } socket calls from lab programs
capture-totals-rejected = {" "}({ $n } bad event datagrams ignored)
capture-totals-events-dropped = {" "}({ $n } dropped: more arrived at once than the capture keeps)

## The ladder and the SVG.

capture-ladder-caption = handshake { $handshake } · teardown { $teardown }{ $closed }
capture-ladder-closed-by = {" "}· closed by the { $side }
capture-udp-caption = UDP: no handshake, no teardown: each datagram stands alone
capture-udp-unreachable = UDP: no handshake; nothing listens on port { $port }, so its host answered with ICMP port unreachable (the UDP counterpart of TCP's RST)
capture-gap-later-long = { $duration } later (not to scale)
capture-gap-later = { $duration } later
capture-more-rungs = ... { $n } more rungs not drawn
capture-ladder-left-out = ... and { $n } more connections or flows not drawn: a ladder keeps the first { $max }, as the summary table does; --conn N draws connection N
capture-svg-nothing = No connection or datagram was captured.
capture-svg-scale = time to scale: { $px } px = { $per_row }; each rung also takes its own room; a gap over { $gap } is cut (≈)
capture-svg-by-kernel = sent by the kernel: no socket
capture-band-data = { $n } data segments { $way }, seq { $lo }–{ $hi }{ $again }
capture-band-data-again = { $n ->
    [one] {" "}(1 of them a retransmission)
   *[other] {" "}({ $n } of them retransmissions)
}
capture-band-acks = { $n } ACKs { $way }{ $dup }
capture-band-dup = {" "}({ $n } duplicate)
capture-band-took = in { $duration }
