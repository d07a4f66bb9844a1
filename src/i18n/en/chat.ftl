# socklab messages, English: chat.
# Every message here has a twin in ../pt-BR/chat.ftl with the same variables.
#
# The chat's screen, notes and final report (src/chat/, src/bin/chat.rs).

## What the sequence numbers show (before an arriving message, after "-- ").

chat-gap = { $count ->
    [one] { $count } message lost (seq { $first })
   *[other] { $count } messages lost (seq { $first }-{ $last })
}
chat-late = late: seq { $seq } arrived after { $after }
chat-duplicate = duplicate seq { $seq } (not shown again)
chat-too-old = seq { $seq } is too old to tell whether it is late or a copy (not shown)
chat-restart = seq 1 again after { $after }: the peer started afresh, counting starts over
chat-bogus = bogus message: seq { $seq } is more than { $jump } past the highest so far ({ $after }), not a number this chat can reach (not shown, not counted)

## Bytes that are not a chat message, and names.

chat-parse-kind = does not start with `msg` or `bye`
chat-parse-seq = the sequence number is not a whole number from 1 up
chat-parse-time = the time is not a number of milliseconds
chat-parse-name = the sender's name is missing
chat-not-a-message = -- not a chat message ({ $why }): { $bytes }
chat-name-length = a name has 1 to { $max } characters
chat-name-spaces = a name cannot contain spaces or control characters (it is one field of the message header)
chat-role-tcp = over TCP one side waits (--listen) and the other calls (--connect PEER_IP); --peer is for UDP
chat-role-udp = over UDP there is no listener and no caller: both sides use --peer PEER_IP

## The conversation.

chat-listening = listening on { $addr }: on the other computer, run `chat --proto tcp --connect ADDRESS`
chat-refused = connect { $addr }: connection refused (RST received): nothing listens on port { $port } there; start `chat --proto tcp --listen` on the other computer first, with the same --port
chat-host-family = --host { $host } has no address of the peer's family ({ $peer }): use an IPv4 or an IPv6 address for both
chat-udp-connect = no packet was sent: a UDP connect() only records the peer's address
chat-no-peer = the socket has no peer address
chat-chatting = chatting with { $peer } over { $proto } as { $name }: type a line and press Enter; /quit or Ctrl-D leaves
chat-hidden = -- { $n } messages not shown (more than { $limit } a second); the counters include them
chat-explain-numbers = UDP does not number, acknowledge or retransmit datagrams: only our own sequence numbers show what the network lost or reordered
chat-explain-icmp = a datagram of ours reached the peer's computer, but no program there had the port open: it answered with an ICMP "port unreachable" message, which the kernel reports on our next send() or recv() because the socket is connected
chat-nobody-there = -- nobody is listening on { $peer } (ICMP port unreachable): what we sent was lost; the chat goes on, start the other side
chat-typed-too-long = message not sent: a line longer than { $max } bytes
chat-message-too-long = message not sent: longer than { $max } bytes
chat-received-too-long = -- a line longer than { $max } bytes, skipped
chat-left-mid-line = -- the peer left in the middle of a line: { $partial }
chat-left-fin = -- peer left: it closed the connection (FIN received)
chat-not-sent-warning = message not sent: { $why }
chat-not-sent = -- message not sent: { $why }
chat-fragments = { $n } bytes do not fit in one { $mtu }-byte Ethernet frame: IP cuts the datagram into fragments, and losing any one of them loses the whole message
chat-goodbye-sent = our goodbye: if this datagram is lost, the peer never learns that we left (UDP has no FIN)
chat-left-bye = -- peer left: it sent a goodbye datagram. UDP itself would never tell you: with no connection, a peer that left and a peer that is silent look the same

## The report at the end.

chat-report = sent { $sent }, received { $received }, lost { $lost }, reordered { $reordered }, duplicates { $duplicates }
chat-report-bogus = , bogus { $bogus }
chat-report-line = report: { $report }
chat-why-udp = why: these counts come from our own sequence numbers: UDP itself numbers nothing, acknowledges nothing and never retransmits, so a datagram lost on the way is simply gone
chat-why-tcp = why: over TCP lost, reordered and duplicates stay at 0: TCP numbers every byte, the receiver acknowledges them, the sender retransmits what was lost, and recv() hands the bytes over in order
chat-why-tcp-retransmitted = why: over TCP lost, reordered and duplicates stay at 0: TCP numbers every byte, the receiver acknowledges them, the sender retransmits what was lost ({ $retransmitted ->
    [0] none was needed on this connection
    [one] the kernel retransmitted { $retransmitted } segment on this connection
   *[other] the kernel retransmitted { $retransmitted } segments on this connection
}), and recv() hands the bytes over in order
