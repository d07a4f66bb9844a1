# socklab messages, English: lab.
# Every message here has a twin in ../pt-BR/lab.ftl with the same variables.
#
# The narration of the lab programs (src/narrate.rs, src/lab.rs) and their
# own output (src/bin/tcp_server.rs, tcp_client.rs, udp_server.rs,
# udp_client.rs). What a call returned is also sent to capture, always in
# English: these English texts are the events protocol's too.

## What a call returned (after "->").

lab-call-error = error: { $why }
lab-bytes = { $n } bytes
lab-repeated = { $sig } x { $times } calls
lab-new-socket = new socket for { $peer }
lab-recv-zero-shut-rd = 0 bytes: we stopped reading (SHUT_RD)
lab-recv-zero-fin = 0 bytes: peer closed its side (FIN received)
lab-buffer = { $size } buffer
lab-bytes-then-error = { $n } bytes, then error: { $why }
lab-bytes-last-call = { $n } bytes, the last call { $last }
lab-icmp-refused = error: ECONNREFUSED (an ICMP port unreachable came back)
lab-bytes-from = { $n } bytes from { $from }
lab-fd-limit-already = { $soft } (already the most it can be)
lab-refusing = new socket for { $peer }, but { $max } clients are connected already (--max-clients): refusing it

## Around the calls.

lab-no-thread = cannot start a thread for { $name }: { $error }; its connection is closed
lab-addresses-listen = { $n } addresses found: listening on the first, { $first }
lab-addresses-send = { $n } addresses found: sending to the first, { $first }
lab-places = each client's socket is a file descriptor: at most { $max } clients at once (--max-clients), one more is refused
lab-places-fewer = (not { $asked }: { $limit } open files leave room for { $max } clients; raise `ulimit -Hn` for more)
lab-rate-sent = sent { $bytes } bytes ({ $human }) in { $seconds } s: { $rate } Gbit/s
lab-rate-received = received { $bytes } bytes ({ $human }) in { $seconds } s: { $rate } Gbit/s
lab-reading-stdin = reading stdin
lab-no-address = no address to connect to
lab-listening = listening on { $addr }
lab-server-stopped = server stopped: a client sent `off`

## tcp_server

lab-server-accept-off = a connection, but a client sent `off`: stopping
lab-server-new-client = new socket for { $peer } (client { $n })
lab-client-tag = client { $n }
lab-server-once-done = served one client (--once): exiting
lab-server-mid-line = the stream ended in the middle of a line: { $n } bytes without a newline, dropped: { $data }
lab-server-idle = nothing arrived for --idle-timeout: closing this connection, so that idle clients cannot keep others out
lab-server-client-gone = this client is gone; the server goes on serving the others
lab-server-once-client-gone = this client is gone; with --once it was the only one, so the server closes and ends
lab-server-off = `off`: say goodbye, then stop the whole server
lab-server-too-long = a line longer than { $max } bytes: rejected, and skipped up to its newline
lab-server-waking = waking the main thread's accept() by connecting to { $target }
lab-server-cannot-wake = cannot wake the accepting thread ({ $error }); exiting

## tcp_client

lab-client-ephemeral = we did not bind(): the kernel chose our address, { $addr }, with a free (ephemeral) port
lab-client-hint = type a line and press Enter to send it; Ctrl-D closes the connection, `off` stops the server
lab-client-server-closed = the server closed the connection
lab-client-no-reply = no reply within { $timeout } (the server did not answer in time; one in --mode print never does)
lab-client-reply = reply: { $reply }
lab-client-reply-unfinished = reply: { $reply } (no newline before the server closed)
lab-client-reply-too-long = reply: (a line over 64 KiB, skipped)

## udp_server, udp_client

lab-udp-from = from { $sender }: { $message }
lab-udp-off = `off`: stopping the server
lab-udp-client-hint = type a line and press Enter to send it as one datagram; Ctrl-D ends, `off` stops the server
lab-udp-reply = reply from { $from }: { $reply }
lab-udp-no-reply = no reply within { $timeout }: UDP does not retransmit; the datagram or its reply was lost, or nothing answers on { $server }
lab-udp-count = sent { $count } datagrams, { $replies } replies came back ({ $missing } missing)

## h-i18n-rest: typed results (what capture shows of a lab program's call).

lab-calls-result = { $times } calls: { $what }
