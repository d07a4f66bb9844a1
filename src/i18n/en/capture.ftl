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

## The demo.

capture-demo-live = socklab demo: tcp_client sends two lines to tcp_server (127.0.0.1:{ $tcp }) and closes; then udp_client sends to udp_server (127.0.0.1:{ $udp }).
capture-demo-replayed = socklab demo (replayed from a recording made with `sudo capture demo -w demo.pcap`)
capture-demo-how-to-read =
    How to read it, in time order:
      │ tcp_client │ ...        what the program itself prints (its own narration)
      tcp_client[pid]: ...      the same socket call, as the capture received it, and what it caused (-> SYN)
      #1 client ──SYN──▶ server a segment on the wire, client on the left, server on the right;
                                the indented line under it says what it does and each side's TCP state
    Then each conversation as a ladder diagram, and a table of the connections.
capture-demo-how-to-read-recorded =
    How to read it, in time order:
      tcp_client[pid]: ...      a socket call a program made, and what it caused (-> SYN)
      #1 client ──SYN──▶ server a segment on the wire, client on the left, server on the right;
                                the indented line under it says what it does and each side's TCP state
    Then each conversation as a ladder diagram, and a table of the connections.
capture-demo-no-tcp-port = cannot find a free TCP port
capture-demo-no-udp-port = cannot find a free UDP port
capture-demo-cannot-write = cannot write { $path }
capture-demo-as-user = capture: now running as user { $uid } (replaying a recording needs no root)
capture-demo-cannot-drop = could not drop root privileges before replaying the recording
capture-demo-no-tempdir = cannot create a private temporary directory for the recording
capture-demo-or-replay = { $error }; or replay the recorded demo without privileges: capture demo --from-file

## Errors (each says what happened and what to do).

capture-error = capture: { $word }: { $error }
capture-err-permission = permission denied capturing on { $iface }: capture needs CAP_NET_RAW; run it with sudo, or once: sudo setcap cap_net_raw,cap_net_admin=eip { $exe }
capture-err-no-interface = no interface named { $iface }: list them with `ip link` (the loopback is { $default })
capture-err-open = cannot capture on { $iface }: { $message }
capture-err-file-missing = cannot read { $path }: no such file; check the path given to -r
capture-err-file = cannot read { $path }: { $message }; -r needs a pcap file as written by tcpdump -w or capture -w
capture-err-filter = bad filter { $filter }: { $message }; filters use tcpdump's syntax, e.g. 'tcp port 5000'
capture-err-write = cannot write { $path }: { $message }
capture-err-read = reading packets failed: { $message }
capture-err-cannot-read = cannot read { $path }
capture-err-read-and-run = -r reads a file; it cannot run a program at the same time
capture-err-drop-root = could not drop root privileges after opening the capture: { $error }
capture-err-quiz-udp = --conn u{ $n } is a UDP flow: the quiz asks about TCP segments; give a connection number (--conn 1)
capture-err-time-scale = `{ $text }` is not a usable scale: give the time one row stands for, from 0.000001 (a microsecond) to 60s, e.g. 10ms
capture-err-not-a-conversation = { $text } is not a connection: give its number as the summary shows it (3 or #3), or uN for UDP flow N (u2)
capture-err-no-connection = --conn #{ $n }: no connection #{ $n } in this capture; the text view and the summary table give the numbers
capture-err-no-flow = --conn u{ $n }: no UDP flow u{ $n } in this capture; the text view and the summary table give the numbers
capture-err-web-bind = cannot serve the browser view on { $addr }: { $error }; choose another address or port, e.g. --web=127.0.0.1:8080
capture-err-web-address = --web={ $given }: not an address; write --web=PORT, --web=ADDR:PORT or --web=[IPv6]:PORT
capture-err-no-such-program = cannot run { $name }: no such file
capture-err-program-not-found = cannot run { $name }: not found { $beside } nor { $on_path }; build the lab programs with `cargo build --release` and put { $name } beside capture or on PATH, or give its path
capture-looked-beside = beside capture (in { $dir })
capture-looked-beside-unknown = beside capture (its own path is unknown)
capture-looked-path-empty = on PATH (empty)
capture-looked-path = on PATH ({ $dirs })
capture-err-cannot-start = cannot start { $path }
capture-err-not-ready = { $name } did not print { $ready } within { $timeout }
capture-err-thread = the thread running the programs panicked

## Status lines (on stderr).

capture-as-user = capture: capture is open; now running as user { $uid } (root dropped, as tcpdump -Z does)
capture-no-calls = capture: note: socket calls will not be shown: { $error }
capture-listening = capture: listening on { $source } ({ $link }), filter: { $filter }
capture-filter-none = none
capture-kernel-counters = capture: { $received } packets received by filter, { $dropped } dropped by kernel, { $if_dropped } dropped by interface
capture-dropped-by-capture = , { $n } dropped by capture (its queue was full: the output did not keep up)
capture-no-ctrl-c = capture: note: Ctrl-C will not stop cleanly: { $error }
capture-program-exited = capture: note: { $name } exited with { $status }
capture-program-stopped = capture: note: { $name } did not finish in { $timeout }; stopped it
capture-web-local = capture: browser view at { $url } (this machine only)
capture-web-shared = capture: browser view at { $url }: shared with the network, read-only; anyone who can reach it sees the packets, payloads included
capture-web-stays-up = capture: the capture is over; the browser view stays up at { $url } until Ctrl-C
capture-web-any-address = <this machine's address>

## -v: what the header fields' values mean (the field names stay as the RFCs name them).

capture-v-checksum-good = good
capture-v-checksum-bad = bad, should be { $expected }
capture-v-checksum-partial = unverified: offloaded, only the pseudo-header sum is there; loopback never fills it in
capture-v-checksum-absent = none: the sender did not compute one
capture-v-checksum-unverified = unverified: the capture cut the packet
capture-v-none = none
capture-v-title = { $layer } header, { $n } bytes
capture-v-window-syn = { $window } (a SYN's window is never scaled)
capture-v-window-scaled = { $window } (×{ $factor } = { $bytes } with wscale { $shift } from the { $from })
capture-v-window-off = { $window } (not scaled: a SYN had no window scale)
capture-v-window-unknown = { $window } (scale unknown: the handshake was not captured)
capture-v-relative = { $n } (relative { $rel })
capture-v-ack-unused = { $n } (not used: no ACK flag)
capture-v-udp-length = { $len } (8 header + { $data } data)
capture-v-option-end = end of options
capture-v-option-unknown = kind { $kind } ({ $n } bytes: { $hex })
capture-v-option-malformed = kind { $kind } with impossible length { $len } (the rest is not read)

## --quiz: predict each segment.

capture-quiz-intro = Predict each segment before you see it: type your answer and Enter; an empty answer shows it. End of input (Ctrl-D) ends the quiz with your score.
capture-quiz-left-out = (the quiz covers the first { $max } segments and calls; { $n } more are left out)
capture-quiz-next = #{ $conn } next: the { $from } ({ $src }) sends a segment to the { $to } ({ $dst }).
capture-quiz-ask-flags = which flags? (e.g. SYN ACK, or none)
capture-quiz-ask-ack = what ack number? (relative, or none)
capture-quiz-ask-state = which state is the { $side } in after it?
capture-quiz-none = none
capture-quiz-no-ack = none (the ACK flag is off)
capture-quiz-ack = { $rel } (absolute { $abs })
capture-quiz-right = right: { $answer }
capture-quiz-not-quite = not quite: { $answer }
capture-quiz-it-was = it was: { $segment }
capture-quiz-reveal = { $segment } · client { $client } · server { $server } ({ $step })
capture-quiz-score = Score: { $score }
capture-quiz-kind-flags = flags
capture-quiz-kind-ack = ack number
capture-quiz-kind-state = state
capture-quiz-total = total { $right }/{ $asked }

## The output.

capture-output-blocked = stopped while nobody was reading the output: its end and the summary were not written
capture-output-cannot-write = cannot write the output
capture-reader-stopped = the packet reader stopped

## The kernel's view (tracefs) and the link's events
capture-kernel-on = capture: also reading the kernel's own view of socket calls and TCP states (tracing instances { $instances }; --no-kernel turns it off)
capture-kernel-stale-removed = capture: removed the tracing instances a capture that was killed left behind: { $instances }
capture-kernel-off = capture: note: { $why }
capture-kernel-end = capture: kernel view: { $calls } calls shown, { $confirmed } of socklab's own programs confirmed, { $states } TCP state changes, { $lost } events lost by the kernel{ $dropped ->
    [0] {""}
   *[other] , { $dropped } dropped (a queue was full)
}{ $removed ->
    [yes] ; tracing instances removed
   *[no] ; a tracing instance was left behind
}
capture-err-link-events-file = --link-events is for a live capture: the link's events of a file are not kept
capture-err-link-socket = cannot make the link's events socket { $path }: { $error }{ $in_use ->
    [yes] : something is there already; remove it or choose another path
   *[no] {""}
}

## h-i18n-rest: why the kernel's view is off (kernel::Unavailable).

capture-kernel-unavailable = { $why }; the segments and the calls of socklab's own programs are still shown
capture-kernel-unavailable-not-linux = the kernel's view of socket calls needs Linux
capture-kernel-unavailable-not-root = the kernel's view of socket calls needs root (run capture with sudo)
capture-kernel-unavailable-no-tracefs = no kernel tracing: { $why }
capture-kernel-unavailable-no-instances = this kernel has no private tracing instances (Linux 3.19 or later needed)
capture-kernel-unavailable-missing-events = this kernel lacks the tracing events { $events }
capture-kernel-unavailable-failed = kernel tracing could not start: { $why }

## h-i18n-rest: the events socket's private directory (events::check_private_dir).

capture-events-dir-unusable = cannot use { $dir }: { $error }
capture-events-dir-symlink = { $dir } is a symbolic link, not the private directory of the events socket: someone else may have made it; remove it, or set { $var } to a path of your own
capture-events-dir-not-dir = { $dir } is not a directory; remove it, or set { $var } to a path of your own
capture-events-dir-owner = { $dir } belongs to user { $owner }, not to user { $uid }: another user made it, perhaps to receive your events; have it removed (as root), or set { $var } to a path of your own
capture-events-dir-mode = { $dir } has mode { $mode }, so other users can reach the events socket in it; run `chmod 700 { $dir }`, or set { $var } to a path of your own
capture-events-dir-parent = { $parent } is writable by other users and not sticky, so the private directory in it is not safe; set { $var } to a path of your own
capture-kernel-not-removed = capture: warning: a tracing instance could not be removed; the next capture as root removes it

## h-i18n-rest 2: the events socket already there (events::check_existing), the kernel tracer's own part of why it could not start (kernel::tracer, kernel::tracefs), the web page's refusals (web::http), the SVG file.

capture-events-cannot-create = cannot create { $path }: { $error }
capture-events-cannot-use = cannot use { $path }: { $error }
capture-events-not-socket = { $path } exists and is not a socket; remove it or set { $var }
capture-events-in-use = another capture is already receiving events on { $path }; stop it or set { $var } to another path
capture-events-other-user-live = { $path } is the events socket of another user (uid { $uid }), whose capture is running: set { $var } to a path of your own
capture-events-other-user-stale = { $path } is an events socket left by another user (uid { $uid }): it is not yours to remove; set { $var } to a path of your own
capture-kernel-cannot-create-instance = cannot create a tracing instance: { $error }
capture-kernel-cannot-set-up = cannot set up the tracing instance ({ $what }): { $error }
capture-kernel-cannot-start-reader = cannot start the reader thread: { $error }
capture-kernel-cannot-follow = cannot follow our children: { $error }
capture-kernel-cannot-start = cannot start tracing: { $error }
capture-kernel-header-page = events/header_page not understood ({ $why }); the 64-bit layout is assumed
capture-tracefs-not-built = this kernel has no tracefs (built without CONFIG_TRACING)
capture-tracefs-not-mounted = tracefs is not mounted (mount it: sudo mount -t tracefs nodev { $path })
capture-tracefs-mount-failed = tracefs is not mounted and mounting it on { $path } failed: { $error }
capture-web-too-many = too many connections
capture-web-too-large = request too large
capture-web-method = this page only reads: GET and HEAD
capture-web-wrong-host = wrong Host: open the address capture printed
capture-web-bad-request = bad request
capture-web-not-found = not found
capture-svg-cannot-write = cannot write { $path }: { $error }

## The -v view: the size of a segment's data, and how much of it is shown.
capture-v-data-bytes = { $bytes ->
    [one] { $bytes } byte
   *[other] { $bytes } bytes
}
capture-v-data-shown = {" "}(the first { $shown } shown)
