//! The lab network: "computers" on one machine, network namespaces `alice`
//! and `bob` (and `carol` when asked), each joined by its own veth pair to
//! a middle namespace where socklab's link emulator ([`crate::link`])
//! carries the frames between them, with the delay, bandwidth, loss,
//! reordering and duplication it is given.
//!
//! ```text
//!   socklab-PID-alice        socklab-PID-link                 socklab-PID-bob
//!   veth-alice 10.203.0.1 -- link-alice [emulator] link-bob -- veth-bob 10.203.0.2
//!              fd00:5:1ab::1                                           fd00:5:1ab::2
//! ```
//!
//! **Names.** Every namespace socklab makes is called
//! `socklab-<PID>-<prefix><role>`: one recognisable prefix, and the process
//! id of the run that owns it (the process running its emulator). A run
//! that ends removes its namespaces; one killed with SIGKILL cannot, so
//! every run first removes the namespaces of owners that no longer exist
//! ([`remove_leftovers`]), and never those of a live run, whoever's it is.
//! (A pid reused by an unrelated process only delays that removal.)
//!
//! Everything happens inside the namespaces: the host's own interfaces,
//! routes and firewall are never touched, and deleting the namespaces
//! removes the veth pairs with them. Needs CAP_SYS_ADMIN and CAP_NET_ADMIN:
//! root, or the private user namespace of [`crate::userns`], inside which
//! the same code runs unchanged. Uses the `ip` tool (iproute2).

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::i18n::{tr_in, Lang};
use crate::link::{self, Impairments, Link, LinkSpec, Port, Snapshot};
use crate::sys::linux as sys;
use crate::t;

/// The start of every namespace name socklab makes.
pub const NS_PREFIX: &str = "socklab-";
/// Where `ip netns` keeps its names.
pub const NETNS_DIR: &str = "/run/netns";

/// Why the lab network could not be built or changed. Its message is in
/// the process's language ([`NetnsError::message_in`] for another).
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// Building namespaces needs root (or the private lab of `userns`).
    #[error("{}", self.message_in(crate::i18n::lang()))]
    NotRoot,
    /// A command (`ip`) is not installed.
    #[error("{}", self.message_in(crate::i18n::lang()))]
    Missing { cmd: String },
    /// A command failed; what it said.
    #[error("{}", self.message_in(crate::i18n::lang()))]
    Command { cmd: String, stderr: String },
    /// Impairments that do not go together (the message says why).
    #[error("{0}")]
    BadSettings(String),
    /// A system call failed while doing `what` (already in the process's
    /// language).
    #[error("{what}: {error}")]
    Io {
        what: String,
        #[source]
        error: std::io::Error,
    },
}

impl NetnsError {
    /// The one-line message in `lang` (what happened, what to do).
    pub fn message_in(&self, lang: Lang) -> String {
        match self {
            NetnsError::NotRoot => tr_in(lang, "twohost-err-not-root", &[]),
            NetnsError::Missing { cmd } => {
                tr_in(lang, "twohost-err-missing", &[("cmd", cmd.into())])
            }
            NetnsError::Command { cmd, stderr } => tr_in(
                lang,
                "twohost-err-command",
                &[("cmd", cmd.into()), ("stderr", stderr.into())],
            ),
            NetnsError::BadSettings(why) => why.clone(),
            NetnsError::Io { what, error } => format!("{what}: {error}"),
        }
    }
}

/// One of the hosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// What the course calls it: `alice`.
    pub name: String,
    /// Namespace name: `socklab-4242-alice`.
    pub ns: String,
    /// Its end of its veth pair: `veth-alice`.
    pub veth: String,
    /// The other end, in the link's namespace: `link-alice`.
    pub link_end: String,
    pub v4: Ipv4Addr,
    pub v6: Ipv6Addr,
}

impl Host {
    /// The address of the given family.
    pub fn addr(&self, ipv6: bool) -> IpAddr {
        if ipv6 {
            IpAddr::V6(self.v6)
        } else {
            IpAddr::V4(self.v4)
        }
    }

    /// `ip netns exec <ns> <program>`: run a program on this host.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns, program]);
        c
    }
}

/// The hosts of one lab network and the namespace of its link. Names are
/// `socklab-<owner>-<prefix>alice` and so on, so that tests can build their
/// own network without touching an instructor's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwoHosts {
    pub alice: Host,
    pub bob: Host,
    /// A third host, for one server and several clients.
    pub carol: Option<Host>,
    /// The middle namespace, where the link emulator runs.
    pub link_ns: String,
    /// The process that owns (and runs the link of) this network.
    pub owner: u32,
    /// The name prefix (`""` for the default network).
    pub prefix: String,
}

impl TwoHosts {
    /// The layout for a name prefix (`""` gives alice and bob) and a subnet
    /// number (the third byte of 10.203.N.0/24), owned by this process.
    pub fn layout(prefix: &str, subnet: u8) -> TwoHosts {
        TwoHosts::layout_owned(prefix, subnet, std::process::id(), false)
    }

    /// The layout of the network that process `owner` runs, with or
    /// without carol.
    pub fn layout_owned(prefix: &str, subnet: u8, owner: u32, carol: bool) -> TwoHosts {
        let host = |name: &str, n: u8| Host {
            name: name.to_string(),
            ns: format!("{NS_PREFIX}{owner}-{prefix}{name}"),
            // Made inside its namespace, so no other network's can clash.
            veth: format!("veth-{name}"),
            link_end: format!("link-{name}"),
            v4: Ipv4Addr::new(10, 203, subnet, n),
            v6: Ipv6Addr::new(0xfd00, 5, 0x1ab, subnet as u16, 0, 0, 0, n as u16),
        };
        TwoHosts {
            alice: host("alice", 1),
            bob: host("bob", 2),
            carol: carol.then(|| host("carol", 3)),
            link_ns: format!("{NS_PREFIX}{owner}-{prefix}link"),
            owner,
            prefix: prefix.to_string(),
        }
    }

    /// The default layout: alice (10.203.0.1) and bob (10.203.0.2).
    pub fn default_layout() -> TwoHosts {
        TwoHosts::layout("", 0)
    }

    /// The hosts, alice first.
    pub fn hosts(&self) -> Vec<&Host> {
        let mut v = vec![&self.alice, &self.bob];
        v.extend(self.carol.as_ref());
        v
    }

    /// The host called `name` (`alice`, `bob`, `carol`).
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts().into_iter().find(|h| h.name == name)
    }

    /// Every namespace of this network, the link's last.
    pub fn namespaces(&self) -> Vec<String> {
        let mut v: Vec<String> = self.hosts().iter().map(|h| h.ns.clone()).collect();
        v.push(self.link_ns.clone());
        v
    }

    /// The namespaces of this network that exist now: all of them when
    /// up, none when down, some after an interrupted run.
    pub fn existing(&self) -> Result<Vec<String>, NetnsError> {
        let names = list_namespaces()?;
        Ok(self
            .namespaces()
            .into_iter()
            .filter(|n| names.contains(n))
            .collect())
    }

    /// True when every namespace exists.
    pub fn is_up(&self) -> Result<bool, NetnsError> {
        Ok(self.existing()?.len() == self.namespaces().len())
    }

    /// Remove the namespaces (and with them the veth pairs), after asking
    /// the programs still running in them to end (SIGTERM). Doing it twice,
    /// or on a half-built network, is fine.
    pub fn down(&self) -> Result<(), NetnsError> {
        for ns in self.existing()? {
            delete_namespace(&ns, sys::SIGTERM)?;
        }
        Ok(())
    }
}

/// The namespaces `ip netns list` shows, by name.
pub fn list_namespaces() -> Result<Vec<String>, NetnsError> {
    let out = output(&["ip", "netns", "list"])?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect())
}

/// The owner pid and the rest of a socklab namespace name:
/// `socklab-4242-c17ialice` is `(4242, "c17ialice")`.
pub fn parse_name(name: &str) -> Option<(u32, &str)> {
    let rest = name.strip_prefix(NS_PREFIX)?;
    let (pid, role) = rest.split_once('-')?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) || role.is_empty() {
        return None;
    }
    Some((pid.parse().ok()?, role))
}

/// True while process `pid` runs: it exists and is not a zombie (a dead
/// process whose parent has not collected it yet).
pub fn process_running(pid: u32) -> bool {
    if !sys::process_exists(pid) {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // "pid (comm) S ...": the state follows the last ')'.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .map_or(true, |state| state != "Z" && state != "X"),
        Err(_) => true,
    }
}

/// Which of `names` are leftovers: socklab namespaces whose owner, by the
/// `alive` test, no longer exists.
pub fn leftovers(names: &[String], alive: impl Fn(u32) -> bool) -> Vec<String> {
    names
        .iter()
        .filter(|n| parse_name(n).is_some_and(|(pid, _)| !alive(pid)))
        .cloned()
        .collect()
}

/// Remove the namespaces of socklab runs whose process no longer exists
/// (a run killed with SIGKILL), with anything still running in them.
/// Returns the names removed. Never touches a live run's namespaces.
pub fn remove_leftovers() -> Result<Vec<String>, NetnsError> {
    let gone = leftovers(&list_namespaces()?, process_running);
    let mut removed = Vec::new();
    for ns in gone {
        // Another run may be removing the same leftover right now.
        if delete_namespace(&ns, sys::SIGKILL).is_ok() {
            removed.push(ns);
        }
    }
    Ok(removed)
}

/// The live networks with this prefix: (owner, layout). Several only if
/// someone else started one too (as root, on a shared machine).
pub fn find_networks(prefix: &str, subnet: u8) -> Result<Vec<TwoHosts>, NetnsError> {
    let names = list_namespaces()?;
    let link_role = format!("{prefix}link");
    let carol_role = format!("{prefix}carol");
    let mut found = Vec::new();
    for name in &names {
        let Some((pid, role)) = parse_name(name) else {
            continue;
        };
        if role != link_role || !process_running(pid) {
            continue;
        }
        let has_carol = names
            .iter()
            .any(|n| parse_name(n) == Some((pid, carol_role.as_str())));
        found.push(TwoHosts::layout_owned(prefix, subnet, pid, has_carol));
    }
    Ok(found)
}

/// The namespaces with this prefix whose owner is gone (for `status`).
pub fn dead_networks(prefix: &str) -> Result<Vec<String>, NetnsError> {
    let roles: Vec<String> = ["alice", "bob", "carol", "link"]
        .iter()
        .map(|r| format!("{prefix}{r}"))
        .collect();
    Ok(leftovers(&list_namespaces()?, process_running)
        .into_iter()
        .filter(|n| parse_name(n).is_some_and(|(_, role)| roles.iter().any(|r| r == role)))
        .collect())
}

fn delete_namespace(ns: &str, signal: i32) -> Result<(), NetnsError> {
    // Programs left in it would keep an unnamed copy of it alive.
    if let Ok(pids) = output(&["ip", "netns", "pids", ns]) {
        for pid in pids
            .split_whitespace()
            .filter_map(|p| p.parse::<u32>().ok())
        {
            if pid != std::process::id() {
                let _ = sys::kill(pid, signal);
            }
        }
    }
    run(&["ip", "netns", "del", ns])
}

/// A lab network this process built and owns: its namespaces and its
/// running link. Dropping it removes everything.
pub struct Network {
    pub hosts: TwoHosts,
    link: Option<Link>,
}

/// How to build a [`Network`].
#[derive(Clone, Debug, Default)]
pub struct NetworkOptions {
    pub impairments: Impairments,
    /// Send the link's events to the Unix datagram socket at this path.
    pub events: Option<PathBuf>,
    /// Seed of the link's random draws (`None`: from the clock).
    pub seed: Option<u64>,
}

impl Network {
    /// Build the network of `hosts` (owned by this process): remove
    /// leftovers of dead runs and any earlier network with these names,
    /// make the namespaces, cables and addresses, and start the link.
    pub fn build(hosts: &TwoHosts, opts: &NetworkOptions) -> Result<Network, NetnsError> {
        link::check(&opts.impairments).map_err(NetnsError::BadSettings)?;
        if !crate::sys::is_root() {
            return Err(NetnsError::NotRoot);
        }
        remove_leftovers()?;
        hosts.down()?;
        let mut net = Network {
            hosts: hosts.clone(),
            link: None,
        };
        net.make(opts)?;
        Ok(net)
    }

    fn make(&mut self, opts: &NetworkOptions) -> Result<(), NetnsError> {
        let h = &self.hosts;
        for ns in h.namespaces() {
            run(&["ip", "netns", "add", &ns])?;
        }
        let link_ns = h.link_ns.as_str();
        run(&["ip", "-n", link_ns, "link", "set", "lo", "up"])?;
        for host in h.hosts() {
            run(&[
                "ip",
                "link",
                "add",
                &host.veth,
                "netns",
                &host.ns,
                "type",
                "veth",
                "peer",
                "name",
                &host.link_end,
                "netns",
                link_ns,
            ])?;
            // The link's ends are wires, not hosts: no addresses, so its
            // kernel never speaks on them (no IPv6 link-local, no DAD).
            run(&[
                "ip",
                "-n",
                link_ns,
                "link",
                "set",
                &host.link_end,
                "addrgenmode",
                "none",
            ])?;
            run(&["ip", "-n", link_ns, "link", "set", &host.link_end, "up"])?;
            let v4 = format!("{}/24", host.v4);
            let v6 = format!("{}/64", host.v6);
            run(&["ip", "-n", &host.ns, "link", "set", "lo", "up"])?;
            run(&["ip", "-n", &host.ns, "addr", "add", &v4, "dev", &host.veth])?;
            // nodad: the address is usable at once, no duplicate detection wait.
            run(&[
                "ip", "-n", &host.ns, "-6", "addr", "add", &v6, "dev", &host.veth, "nodad",
            ])?;
            let veth = host.veth.clone();
            in_namespace(&host.ns, move || sys::disable_offloads(&veth)).map_err(|error| {
                NetnsError::Io {
                    what: t!("twohost-step-offloads", ifname = &host.veth),
                    error,
                }
            })?;
            run(&["ip", "-n", &host.ns, "link", "set", &host.veth, "up"])?;
        }
        // `ip link set up` returns before the carrier is up: wait for it, so
        // that the first thing a user sees (`ip -brief address`) says UP.
        for host in h.hosts() {
            wait_up(&host.ns, &host.veth)?;
        }
        let spec = LinkSpec {
            ports: h
                .hosts()
                .iter()
                .map(|host| Port {
                    host: host.name.clone(),
                    ifname: host.link_end.clone(),
                })
                .collect(),
            impairments: opts.impairments.clone(),
            events: opts.events.clone(),
            seed: opts.seed.unwrap_or_else(clock_seed),
        };
        let path = Path::new(NETNS_DIR).join(link_ns);
        self.link = Some(Link::start(&path, spec).map_err(|error| NetnsError::Io {
            what: t!("twohost-step-start-link", ns = link_ns),
            error,
        })?);
        Ok(())
    }

    /// Change what the link does, from now on.
    pub fn set_impairments(&self, cfg: Impairments) -> Result<(), NetnsError> {
        link::check(&cfg).map_err(NetnsError::BadSettings)?;
        if let Some(l) = &self.link {
            l.set_impairments(cfg);
        }
        Ok(())
    }

    /// Change what the link does in each direction, from now on: `each`
    /// maps [`link::direction_key`] names (`alice->bob`) to settings; a
    /// direction it does not name gets `all`.
    pub fn set_each(
        &self,
        all: Impairments,
        each: &std::collections::BTreeMap<String, Impairments>,
    ) -> Result<(), NetnsError> {
        link::check(&all).map_err(NetnsError::BadSettings)?;
        let mut by_hosts = std::collections::BTreeMap::new();
        for (key, cfg) in each {
            link::check(cfg).map_err(NetnsError::BadSettings)?;
            if let Some((from, to)) = key.split_once("->") {
                by_hosts.insert((from.to_string(), to.to_string()), cfg.clone());
            }
        }
        if let Some(l) = &self.link {
            l.set_each(all, by_hosts);
        }
        Ok(())
    }

    /// Count the drops of one flow apart, from zero (see [`link::Watch`]).
    pub fn watch(&self, watch: Option<link::Watch>) {
        if let Some(l) = &self.link {
            l.watch(watch);
        }
    }

    /// What the link has done so far.
    pub fn snapshot(&self) -> Snapshot {
        self.link.as_ref().map(Link::snapshot).unwrap_or_default()
    }

    /// What the link has done with every frame it has read so far
    /// ([`Link::fresh_snapshot`]): for counts read at the end of a run.
    pub fn fresh_snapshot(&self) -> Snapshot {
        self.link
            .as_ref()
            .map(Link::fresh_snapshot)
            .unwrap_or_default()
    }

    /// True while the link forwards.
    pub fn link_running(&self) -> bool {
        self.link.as_ref().is_some_and(Link::is_running)
    }

    /// Stop the link and remove the namespaces; the link's final counts.
    pub fn down(mut self) -> Result<Snapshot, NetnsError> {
        self.teardown()
    }

    fn teardown(&mut self) -> Result<Snapshot, NetnsError> {
        let snap = match self.link.take() {
            Some(l) => l.stop().unwrap_or_default(),
            None => Snapshot::default(),
        };
        self.hosts.down()?;
        Ok(snap)
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let _ = self.teardown();
    }
}

/// Wait (up to 5 s) until interface `ifname` of namespace `ns` is
/// operationally up.
fn wait_up(ns: &str, ifname: &str) -> Result<(), NetnsError> {
    let start = std::time::Instant::now();
    loop {
        let out = output(&["ip", "-n", ns, "-brief", "link", "show", "dev", ifname])?;
        if out.split_whitespace().nth(1) == Some("UP") {
            return Ok(());
        }
        if start.elapsed() > std::time::Duration::from_secs(5) {
            return Err(NetnsError::Command {
                cmd: format!("ip -n {ns} link set {ifname} up"),
                stderr: t!(
                    "twohost-err-not-up-yet",
                    ifname = ifname,
                    state = out.trim()
                ),
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

fn clock_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// Run `f` on a thread that has joined network namespace `ns` (only that
/// thread moves; the process stays where it is).
pub fn in_namespace<R: Send>(
    ns: &str,
    f: impl FnOnce() -> std::io::Result<R> + Send,
) -> std::io::Result<R> {
    let file = File::open(Path::new(NETNS_DIR).join(ns))?;
    std::thread::scope(|s| {
        s.spawn(move || {
            sys::setns(&file, sys::NEW_NET)?;
            f()
        })
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other(t!("twohost-err-thread-panicked"))))
    })
}

fn spawn_error(cmd: &str, e: std::io::Error) -> NetnsError {
    if e.kind() == std::io::ErrorKind::NotFound {
        NetnsError::Missing {
            cmd: cmd.to_string(),
        }
    } else {
        NetnsError::Command {
            cmd: cmd.to_string(),
            stderr: e.to_string(),
        }
    }
}

fn output(argv: &[&str]) -> Result<String, NetnsError> {
    let out = Command::new(argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| spawn_error(argv[0], e))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(NetnsError::Command {
            cmd: argv.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

fn run(argv: &[&str]) -> Result<(), NetnsError> {
    output(argv).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_speaks_both_languages() {
        let io = || std::io::Error::from_raw_os_error(libc::EPERM);
        let variants = [
            NetnsError::NotRoot,
            NetnsError::Missing { cmd: "ip".into() },
            NetnsError::Command {
                cmd: "ip netns add x".into(),
                stderr: "File exists".into(),
            },
        ];
        for e in &variants {
            let (en, pt) = (e.message_in(Lang::En), e.message_in(Lang::PtBr));
            assert!(!en.is_empty() && !pt.is_empty(), "{e:?}");
            assert_ne!(en, pt, "{e:?} is not translated");
        }
        assert_eq!(
            NetnsError::NotRoot.message_in(Lang::En),
            "the two-host network needs root: run it with sudo"
        );
        assert!(NetnsError::NotRoot.message_in(Lang::PtBr).contains("sudo"));
        // The steps an I/O error names, and the words inside the others.
        for (id, args) in [
            ("twohost-step-offloads", vec![("ifname", "veth-alice")]),
            ("twohost-step-start-link", vec![("ns", "socklab-1-link")]),
            (
                "twohost-err-not-up-yet",
                vec![("ifname", "veth-bob"), ("state", "veth-bob DOWN")],
            ),
            ("twohost-err-thread-panicked", vec![]),
        ] {
            let args: Vec<(&str, crate::i18n::Arg<'_>)> =
                args.into_iter().map(|(k, v)| (k, v.into())).collect();
            let (en, pt) = (tr_in(Lang::En, id, &args), tr_in(Lang::PtBr, id, &args));
            assert!(!en.is_empty() && en != id, "{id}");
            assert_ne!(en, pt, "{id} is not translated");
            let e = NetnsError::Io {
                what: pt.clone(),
                error: io(),
            };
            assert!(e.message_in(Lang::PtBr).starts_with(&pt));
        }
    }

    #[test]
    fn layout_names_carry_the_prefix_and_the_owner() {
        let t = TwoHosts::layout_owned("t12345", 7, 4242, true);
        assert_eq!(t.alice.ns, "socklab-4242-t12345alice");
        assert_eq!(t.link_ns, "socklab-4242-t12345link");
        assert_eq!(t.carol.as_ref().unwrap().v4, Ipv4Addr::new(10, 203, 7, 3));
        assert_eq!(t.alice.veth, "veth-alice");
        assert_eq!(t.bob.v4, Ipv4Addr::new(10, 203, 7, 2));
        assert_eq!(t.alice.v6.to_string(), "fd00:5:1ab:7::1");
        assert_eq!(t.namespaces().len(), 4);
        assert_eq!(t.host("bob"), Some(&t.bob));
        let d = TwoHosts::layout_owned("", 0, 1, false);
        assert_eq!(
            (d.alice.ns.as_str(), d.alice.veth.as_str()),
            ("socklab-1-alice", "veth-alice")
        );
    }

    #[test]
    fn names_are_parsed_back_to_their_owner() {
        assert_eq!(parse_name("socklab-4242-alice"), Some((4242, "alice")));
        assert_eq!(parse_name("socklab-17-c9ilink"), Some((17, "c9ilink")));
        for not_ours in [
            "alice",
            "socklab-",
            "socklab-x1-alice",
            "socklab-12-",
            "socklab--bob",
        ] {
            assert_eq!(parse_name(not_ours), None, "{not_ours}");
        }
    }

    #[test]
    fn only_namespaces_of_dead_owners_are_leftovers() {
        let names: Vec<String> = [
            "socklab-100-alice",
            "socklab-100-link",
            "socklab-200-bob",
            "alice",
            "someone-elses",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // 200 is alive, 100 is not; names that are not ours are never touched.
        let gone = leftovers(&names, |pid| pid == 200);
        assert_eq!(gone, ["socklab-100-alice", "socklab-100-link"]);
        assert!(leftovers(&names, |_| true).is_empty());
    }
}
