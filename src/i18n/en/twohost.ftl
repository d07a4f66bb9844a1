# socklab messages, English: twohost.
# Every message here has a twin in ../pt-BR/twohost.ftl with the same variables.
#
# twohost, the lab network (src/netns.rs), its link (src/link/) and the
# private user namespaces (src/userns.rs), which capture --private and
# tcp_vs_udp --scenario lossy use too.

## What twohost says.

twohost-up = { $hosts ->
    [3] three hosts
   *[other] two hosts
} up: { $names }, each joined by its own cable to the link
twohost-up-rebuilt = removed the network left from before, and built it again
twohost-link-now = link: { $link }
twohost-where-private = without root: in your own user namespace, nothing made on the machine
twohost-where-namespaces = namespaces: { $names }
twohost-and = { $rest } and { $last }
twohost-down-leftovers = removed { $names } (left by a run that was killed)
twohost-down-nothing = nothing to remove: the two hosts were not up
twohost-down-removed = removed { $names } (and with them the cables and the link)
twohost-set-done = the link now: { $link }
twohost-status-up = { $hosts ->
    [3] three hosts
   *[other] two hosts
}: up
twohost-status-dropped-here = dropped on the way here: { $n }
twohost-status-direction = { $forwarded } forwarded, { $dropped } dropped, { $reordered } reordered, { $duplicated } duplicated
twohost-status-half-built = two hosts: half built (only { $names } exist, an interrupted run?): `twohost down` removes it
twohost-status-leftovers = two hosts: down, but { $names } were left by a run that was killed: `twohost down` (or the next `twohost up`) removes them
twohost-status-down = two hosts: down (build them with `twohost up`)
twohost-shell = a shell on { $host } ({ $addr }): every program started here runs on { $host }; `exit` leaves
twohost-examples-intro = Run a program on a host with `{ $twohost } exec HOST PROGRAM`, or open a shell there with `{ $twohost } shell HOST`:
twohost-examples-capture = watch the cable from alice's side
twohost-examples-udp-server = a UDP server on bob, over IPv6
twohost-examples-done = When done: { $twohost } down

## twohost's errors.

twohost-bad-prefix = a prefix is at most 24 letters, digits, - or _
twohost-set-nothing = say what to change, e.g. `twohost set --delay 20ms` (see --help)
twohost-not-up = the two hosts are not up: run `twohost up` first
twohost-unreadable-link = the owner answered a link we cannot read: { $error }
twohost-already-up = a network with this name is already up: `twohost down` first
twohost-owner-did-not-end = the network's owner did not end within { $seconds }s
twohost-owner-silent = the network's owner ended without a word
twohost-no-such-host = there is no host `{ $host }`: the hosts are { $hosts }
twohost-built-with-sudo = this network was built with sudo: run it with sudo too (`sudo twohost exec { $host } ...`)
twohost-no-ip = `ip` is not installed: install iproute2
twohost-step-find-exe = finding this program's path
twohost-step-start-owner = starting the network's owner
twohost-step-control-name = taking the control socket's name
twohost-step-run = running { $program } on { $host }

## The lab network (src/netns.rs).

twohost-err-not-root = the two-host network needs root: run it with sudo
twohost-err-missing = `{ $cmd }` is not installed: install iproute2 (it gives the `ip` command)
twohost-err-command = `{ $cmd }` failed: { $stderr }
twohost-err-not-up-yet = { $ifname } is still not up after 5 s: { $state }
twohost-err-thread-panicked = a namespace thread panicked
twohost-step-offloads = turning off the offloads of { $ifname }
twohost-step-start-link = starting the link in { $ns }

## The link: what it does, in one line (src/link/mod.rs).

twohost-link-delay = delay { $delay } each way
twohost-link-delay-jitter = delay { $delay } ± { $jitter } each way
twohost-link-rate = { $rate } (queue of { $queue ->
    [one] { $queue } frame
   *[other] { $queue } frames
})
twohost-link-loss = loss { $percent }
twohost-link-loss-burst = loss { $percent } in bursts of { $burst } frames on average
twohost-link-reorder = reorder { $percent } (held behind { $gap ->
    [one] { $gap } later frame
   *[other] { $gap } later frames
})
twohost-link-duplicate = duplicate { $percent }
twohost-link-perfect = a perfect cable: no delay, no loss, as fast as the machine forwards

## The link's options (shared by twohost and tcp_vs_udp). What to type
## keeps its own spelling: 50ms, 1.5s, 10mbit.

twohost-link-bad-delay = `{ $text }` is not a delay: use a number with ms, s or us (50ms, 1.5s, 200us)
twohost-link-negative-delay = `{ $text }`: a delay cannot be negative
twohost-link-delay-too-long = `{ $text }` is longer than a minute: no network is that slow (use at most 60s)
twohost-link-bad-rate = `{ $text }` is not a rate: use a number with bit, kbit, mbit or gbit (10mbit means 10 Mbit/s)
twohost-link-rate-not-positive = `{ $text }`: a rate must be above 0
twohost-link-rate-too-low = `{ $text }` is below 1kbit: a single frame would take over 10 s
twohost-link-rate-too-high = `{ $text }` is above 100gbit
twohost-link-bad-percent = `{ $text }` is not a percentage: use a number from 0 to 100
twohost-link-percent-range = { $value } is not a percentage from 0 to 100 (20 means 20 %)
twohost-link-bad-burst = `{ $text }` is not a burst length: use a number of frames, 1 or more
twohost-link-burst-range = a burst of { $value } frames: use a mean length from 1 to { $max }
twohost-link-bad-queue = `{ $text }` is not a queue length: use a number of frames from 1 to { $max }
twohost-link-burst-needs-loss = --burst shapes the losses of --loss: give a --loss too
twohost-link-burst-too-short = a loss of { $loss }% cannot come in bursts as short as { $burst } frames: use --burst { $min } or more
twohost-link-reorder-gap = a reordered frame needs at least one later frame to pass it
twohost-link-thread-ended = the link thread ended before it started
twohost-link-thread-panicked = the link thread panicked

## The control socket of a running network (src/link/control.rs).

twohost-control-not-owner = only the user who built this network (or root) may change or stop it
twohost-control-not-a-request = not a request
twohost-control-squatted = the control socket `{ $name }` is held by process { $pid } of user { $uid }, not by you or root: not trusting it
twohost-control-not-json = the owner of the network answered something that is not JSON: { $error }
twohost-control-not-a-number = { $key } is not a number

## Private user namespaces (src/userns.rs): what blocks them, and the fix.

-sudo-still-works = or run the same command with sudo, which needs none of this
twohost-userns-debian = this system forbids user namespaces to ordinary users (kernel.unprivileged_userns_clone = 0); an administrator can allow them once with `sudo sysctl -w kernel.unprivileged_userns_clone=1` (and `echo kernel.unprivileged_userns_clone=1 | sudo tee /etc/sysctl.d/50-socklab.conf` to keep it), { -sudo-still-works }
twohost-userns-none-allowed = this system allows no user namespaces at all (user.max_user_namespaces = 0; usual in containers): an administrator can raise it with `sudo sysctl -w user.max_user_namespaces=15000` (a container needs it set on its host, and a seccomp profile that allows unshare), { -sudo-still-works }
twohost-userns-apparmor = AppArmor restricts user namespaces for ordinary users (kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 23.10 and later): an administrator can allow socklab's programs once with an AppArmor profile granting `userns,` (see docs/instructor.md, "Live labs without root"), or for everyone with `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, { -sudo-still-works }
twohost-userns-limit = the limit on user namespaces is reached (user.max_user_namespaces, or this user's share of it): close other sandboxes or ask an administrator to raise it, { -sudo-still-works }
twohost-userns-no-kernel-support = this kernel has no user namespaces (CONFIG_USER_NS is off), { -sudo-still-works }
twohost-userns-other = could not create a user namespace ({ $error }); a container or a security module may forbid it (a seccomp profile that blocks unshare, for one), { -sudo-still-works }
twohost-userns-unsettled = your private network kept appearing and vanishing: try again
twohost-userns-no-program = `{ $program }`: no such program
twohost-userns-banner-created = private network: a network of your own, no root needed (only lo, 127.0.0.1 and ::1); run `capture shell` in another terminal to work in it; it lasts while this program (or a shell in it) runs
twohost-userns-banner-joined = private network: joined yours (made by process { $pid }); `exit` or Ctrl-D leaves
twohost-userns-step-write = writing /proc/self/{ $file }
twohost-userns-step-open = opening the { $kind } namespace of process { $pid }
twohost-userns-step-join = joining the { $kind } namespace of process { $pid }
twohost-userns-step-look = looking for your private network
twohost-userns-step-name = naming your private network
twohost-userns-step-lo = bringing up lo
twohost-userns-step-thread = starting the private network's control thread
twohost-userns-step-start = starting { $program }
twohost-userns-step-private-mounts = making the private mounts private
twohost-userns-step-private-netns = mounting a private /run/netns
twohost-userns-step-read-run = reading /run
twohost-userns-step-scratch = making a scratch directory
twohost-userns-step-scratch-tmpfs = mounting a scratch tmpfs
twohost-userns-step-scratch-tree = making the scratch tree
twohost-userns-step-bind-run = binding /run aside
twohost-userns-step-new-run = mounting the new /run
twohost-userns-step-make-netns = making /run/netns
twohost-userns-step-move-run = putting the new /run in place

## ---- per-direction link settings (h-rootless) ----
twohost-link-bad-direction = `{ $text }` is not a direction and a value: write FROM-to-TO=VALUE between two of alice, bob and carol, e.g. alice-to-bob=50ms,bob-to-alice=5ms
twohost-link-direction-twice = { $direction } is given twice: give each direction once
twohost-link-no-such-direction = this network has no direction { $direction }: its directions are { $known } (carol needs --carol)
twohost-link-direction-now = link { $direction }: { $link }
twohost-link-delay-one-way = delay { $delay }
twohost-link-delay-jitter-one-way = delay { $delay } ± { $jitter }
