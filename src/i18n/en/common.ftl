# socklab messages, English: what every program shares.
# Every message here has a twin in ../pt-BR/common.ftl with the same variables.
#
# Conventions: C calls (connect()), TCP flags (SYN), RFC state names
# (ESTABLISHED) and errno names (ECONNREFUSED) stay as they are in every
# language. Numbers that need decimals arrive already formatted.

common-error = error
common-segments = { $n ->
    [one] { $n } segment
   *[other] { $n } segments
}

## Usage errors (the first line; clap's usage follows).

usage-error = error: { $what }
usage-unknown-argument = unexpected argument '{ $arg }' found
usage-invalid-value = invalid value '{ $value }' for '{ $arg }' (possible values: { $valid })
usage-value-validation = invalid value '{ $value }' for '{ $arg }': { $why }
usage-missing-argument = the following required arguments were not provided: { $arg }
usage-conflict = the argument '{ $arg }' cannot be used with '{ $other }'
usage-invalid-subcommand = unrecognized subcommand '{ $arg }'
usage-missing-subcommand = a subcommand is required
usage-no-equals = equal sign is needed when assigning values to '{ $arg }'
usage-wrong-number = wrong number of values for '{ $arg }' ({ $value })
usage-other = { $what }

## Values on the command line.

cli-not-a-language = `{ $text }` is not a language socklab speaks: use en or pt-BR

## Numbers on the command line (the standard library's own words, translated).

usage-int-empty = an empty value is not a number
usage-int-invalid = not a whole number
usage-int-range = the number is out of range

## Socket errors and their hints (src/net.rs), and the lab programs'
## values on the command line (src/cli.rs): h-i18n-lab.
## A socket error is one line: what happened, then what to try.

net-resolve = cannot resolve host `{ $host }`: { $error }: check the spelling, or use an address such as 127.0.0.1 or ::1
net-no-address = host `{ $host }` has no address: use an address such as 127.0.0.1 or ::1
net-socket = socket({ $what }): { $why }
net-bind = bind { $addr }: { $why }
net-setsockopt = setsockopt({ $option }): { $why }
net-listen = listen on { $addr }: { $why }
net-accept = accept on { $addr }: { $why }
net-connect = connect { $addr }: { $why }
net-transfer = { $call } with { $peer }: { $why }
net-datagram-too-large = a message of { $len } bytes is larger than a UDP datagram can carry ({ $max } bytes over { $family }): send less, or use TCP, which cuts a byte stream into segments for you

# What an errno means, in the course's words (after "error: " in a narration line).
net-refused = connection refused: nothing listens there
net-refused-tcp = connection refused: nothing listens there (an RST came back)
net-refused-udp = connection refused: nothing listens there (an ICMP port unreachable came back)
net-reset = connection reset by peer (RST received)
net-aborted = connection aborted
net-broken-pipe = broken pipe: the connection is already closed
net-addr-in-use = address already in use
net-addr-not-available = address not available on this machine
net-permission-denied = permission denied
net-timed-out = timed out
net-not-connected = not connected
net-network-unreachable = network unreachable
net-host-unreachable = host unreachable
net-message-too-long = message too long for one datagram
net-family-not-supported = address family not supported

# getaddrinfo()'s own words (glibc's gai_strerror), word for word in English.
net-lookup-failed = failed to lookup address information: { $why }
net-gai-noname = Name or service not known
net-gai-again = Temporary failure in name resolution
net-gai-nodata = No address associated with hostname

# Hints: $what is the error in the words above.
net-hint-no-ipv6 = { $what }: IPv6 may be disabled here; use 127.0.0.1
net-hint-too-many-files = { $what }: too many open files; close some connections or raise `ulimit -n`
net-hint-port-in-use = { $what }: another program listens on port { $port }; stop it or choose another --port
net-hint-low-port = { $what }: ports below 1024 are reserved for root; choose --port 1024 or above (e.g. { $default })
net-hint-not-our-address = { $what }: { $ip } is not an address of this machine; use 127.0.0.1 or ::1
net-hint-refused = connection refused: nothing is listening on { $addr }; start the server first or check --host and --port
net-hint-no-answer = timed out: { $addr } never answered our SYN; check the address (the lab runs on 127.0.0.1 or ::1)
net-hint-no-route = { $what }: this machine has no route to { $ip }; the lab runs on loopback: use 127.0.0.1 or ::1
net-hint-aborted = { $what }: the other side aborted the connection
net-hint-closed = { $what }: the other side has closed it

# Sizes, durations and timeouts on the command line.
cli-not-a-size = `{ $text }` is not a size: use a whole number with an optional K, M or G (e.g. 64K, 1G)
cli-size-too-large = `{ $text }` is too large
cli-not-a-duration = `{ $text }` is not a duration: use seconds (1, 2.5, 3s) or milliseconds (500ms)
cli-unusable-duration = `{ $text }` is not a usable duration
cli-zero-timeout = `{ $text }` is no time at all: give a timeout above 0

## h-i18n-rest 2: going back from sudo to the user who ran it (sys::sudo_invoker).

common-sudo-uid-bad = SUDO_UID={ $raw } is not a user id, so the user to go back to is unknown; unset SUDO_UID to run as root, or start it with sudo again
common-sudo-gid-missing = SUDO_GID is missing or not a group id and user { $uid } (SUDO_UID) has no passwd entry to take the group from; set SUDO_GID, or unset SUDO_UID to run as root
