//! Two "computers" on one machine: network namespaces `alice` and `bob`
//! joined by a veth pair, each with its own IPv4 and IPv6 address.
//!
//! ```text
//!   namespace alice                          namespace bob
//!   veth-alice 10.203.0.1/24  <--- veth --->  veth-bob 10.203.0.2/24
//!              fd00:5:1ab::1/64                         fd00:5:1ab::2/64
//! ```
//!
//! Everything happens inside the two namespaces: the host's own interfaces,
//! routes and firewall are never touched, and deleting the namespaces
//! removes the veth pair and any loss rules with them. Loss is made by the
//! kernel with an nftables rule where packets arrive in each namespace
//! (`numgen random mod 10000 < N drop`), so each direction loses the same
//! fraction and senders see nothing, as on a lossy wire.
//!
//! Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and the `ip` and `nft` tools.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::{Command, Stdio};

/// Why the two-host network could not be built or changed.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    #[error("the two-host network needs root: run it with sudo")]
    NotRoot,
    #[error("`{cmd}` is not installed: install iproute2 (ip) and nftables (nft)")]
    Missing { cmd: String },
    #[error("`{cmd}` failed: {stderr}")]
    Command { cmd: String, stderr: String },
    #[error("loss must be a percentage from 0 to 100, not {0}")]
    BadLoss(f64),
}

/// The nftables table socklab adds inside each namespace.
const NFT_TABLE: &str = "socklab";
/// Loss is drawn out of this many (0.01 % steps).
const LOSS_SCALE: u32 = 10_000;

/// One of the two hosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// Namespace name: `alice`.
    pub ns: String,
    /// Its end of the veth pair: `veth-alice`.
    pub veth: String,
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

    /// `ip netns exec <ns> <program> <args>`: run a program on this host.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns, program]);
        c
    }
}

/// The pair of hosts. Names are `<prefix>alice` / `<prefix>bob`, so tests
/// can build their own pair without touching an instructor's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwoHosts {
    pub alice: Host,
    pub bob: Host,
}

impl TwoHosts {
    /// The layout for a name prefix (`""` gives `alice` and `bob`) and a
    /// subnet number (the third byte of 10.203.N.0/24), so that several
    /// pairs can coexist.
    pub fn layout(prefix: &str, subnet: u8) -> TwoHosts {
        let host = |name: &str, n: u8| Host {
            ns: format!("{prefix}{name}"),
            // Interface names are at most 15 bytes.
            veth: format!("veth-{prefix}{name}").chars().take(15).collect(),
            v4: Ipv4Addr::new(10, 203, subnet, n),
            v6: Ipv6Addr::new(0xfd00, 5, 0x1ab, subnet as u16, 0, 0, 0, n as u16),
        };
        TwoHosts {
            alice: host("alice", 1),
            bob: host("bob", 2),
        }
    }

    /// The default pair: `alice` (10.203.0.1) and `bob` (10.203.0.2).
    pub fn default_layout() -> TwoHosts {
        TwoHosts::layout("", 0)
    }

    /// Build the network (removing a leftover one first), with `loss_percent`
    /// of packets dropped in each direction.
    pub fn up(&self, loss_percent: f64) -> Result<(), NetnsError> {
        check_loss(loss_percent)?;
        if !crate::sys::is_root() {
            return Err(NetnsError::NotRoot);
        }
        self.down()?;
        let (a, b) = (&self.alice, &self.bob);
        run(&["ip", "netns", "add", &a.ns])?;
        run(&["ip", "netns", "add", &b.ns])?;
        let built = (|| {
            run(&[
                "ip", "link", "add", &a.veth, "netns", &a.ns, "type", "veth", "peer", "name",
                &b.veth, "netns", &b.ns,
            ])?;
            for h in [a, b] {
                let v4 = format!("{}/24", h.v4);
                let v6 = format!("{}/64", h.v6);
                run_in(&h.ns, &["ip", "link", "set", "lo", "up"])?;
                run_in(&h.ns, &["ip", "addr", "add", &v4, "dev", &h.veth])?;
                // nodad: the address is usable at once, no duplicate detection wait.
                run_in(
                    &h.ns,
                    &["ip", "-6", "addr", "add", &v6, "dev", &h.veth, "nodad"],
                )?;
                run_in(&h.ns, &["ip", "link", "set", &h.veth, "up"])?;
            }
            self.set_loss(loss_percent)
        })();
        if built.is_err() {
            let _ = self.down();
        }
        built
    }

    /// Drop `loss_percent` of the packets each host receives from the link
    /// (0 removes the rule). The drop happens on arrival (prerouting), as on
    /// a lossy wire: a rule on the sender's output path would instead make
    /// `sendto()` fail with EPERM, which no real network does.
    pub fn set_loss(&self, loss_percent: f64) -> Result<(), NetnsError> {
        check_loss(loss_percent)?;
        let n = (loss_percent / 100.0 * LOSS_SCALE as f64).round() as u32;
        for h in [&self.alice, &self.bob] {
            // Start from an empty table each time (delete may fail: none yet).
            let _ = run_in(&h.ns, &["nft", "delete", "table", "inet", NFT_TABLE]);
            if n == 0 {
                continue;
            }
            // numgen draws 0..LOSS_SCALE-1, so `< LOSS_SCALE` is out of its
            // range and nft refuses it: 100 % is a plain drop.
            let chance = if n >= LOSS_SCALE {
                String::new()
            } else {
                format!("numgen random mod {LOSS_SCALE} < {n} ")
            };
            let ruleset = format!(
                "table inet {NFT_TABLE} {{\n  chain lossy_link {{\n    type filter hook prerouting priority -300; policy accept;\n    iifname \"{}\" {chance}counter drop\n  }}\n}}\n",
                h.veth
            );
            run_in_stdin(&h.ns, &["nft", "-f", "-"], &ruleset)?;
        }
        Ok(())
    }

    /// Remove both namespaces (and with them the veth pair and the rules).
    /// Doing it twice, or on a half-built network, is fine.
    pub fn down(&self) -> Result<(), NetnsError> {
        for h in [&self.alice, &self.bob] {
            if self.exists(&h.ns)? {
                run(&["ip", "netns", "del", &h.ns])?;
            }
        }
        Ok(())
    }

    /// True when both namespaces exist.
    pub fn is_up(&self) -> Result<bool, NetnsError> {
        Ok(self.exists(&self.alice.ns)? && self.exists(&self.bob.ns)?)
    }

    /// The namespaces of this pair that exist now: both when up, none when
    /// down, one after an interrupted `up` or `down`.
    pub fn existing(&self) -> Result<Vec<String>, NetnsError> {
        let mut found = Vec::new();
        for h in [&self.alice, &self.bob] {
            if self.exists(&h.ns)? {
                found.push(h.ns.clone());
            }
        }
        Ok(found)
    }

    /// The loss now set on the link, in percent (0 when no rule is set),
    /// read back from alice's nftables rule.
    pub fn loss_percent(&self) -> Result<f64, NetnsError> {
        let out = output(&[
            "ip",
            "netns",
            "exec",
            &self.alice.ns,
            "nft",
            "list",
            "table",
            "inet",
            NFT_TABLE,
        ])
        .unwrap_or_default();
        Ok(parse_loss_rule(&out))
    }

    fn exists(&self, ns: &str) -> Result<bool, NetnsError> {
        let out = output(&["ip", "netns", "list"])?;
        Ok(out.lines().any(|l| l.split_whitespace().next() == Some(ns)))
    }

    /// Packets dropped so far by the loss rule of each host (alice, bob).
    pub fn dropped(&self) -> Result<(u64, u64), NetnsError> {
        let count = |h: &Host| -> Result<u64, NetnsError> {
            let out = output(&[
                "ip", "netns", "exec", &h.ns, "nft", "list", "table", "inet", NFT_TABLE,
            ])
            .unwrap_or_default();
            // "... counter packets 12 bytes 3456 drop"
            Ok(out
                .split_whitespace()
                .skip_while(|w| *w != "packets")
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0))
        };
        Ok((count(&self.alice)?, count(&self.bob)?))
    }
}

/// The percentage in a listed loss rule: `... numgen random mod 10000 < 2000 ...` is 20.
fn parse_loss_rule(listing: &str) -> f64 {
    let words: Vec<&str> = listing.split_whitespace().collect();
    words
        .windows(5)
        .find(|w| w[0] == "random" && w[1] == "mod" && w[3] == "<")
        .and_then(|w| {
            let scale: f64 = w[2].parse().ok()?;
            let n: f64 = w[4].parse().ok()?;
            Some(n / scale * 100.0)
        })
        // A drop rule without a random draw drops everything.
        .unwrap_or(if words.contains(&"drop") { 100.0 } else { 0.0 })
}

fn check_loss(p: f64) -> Result<(), NetnsError> {
    if (0.0..=100.0).contains(&p) {
        Ok(())
    } else {
        Err(NetnsError::BadLoss(p))
    }
}

fn run_in(ns: &str, argv: &[&str]) -> Result<(), NetnsError> {
    let mut full = vec!["ip", "netns", "exec", ns];
    full.extend_from_slice(argv);
    run(&full)
}

fn run_in_stdin(ns: &str, argv: &[&str], input: &str) -> Result<(), NetnsError> {
    use std::io::Write;
    let mut full = vec!["netns", "exec", ns];
    full.extend_from_slice(argv);
    let cmd = format!("ip {}", full.join(" "));
    let mut child = Command::new("ip")
        .args(&full)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error("ip", e))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| spawn_error("ip", e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(NetnsError::Command {
            cmd,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
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
    fn layout_names_fit_interface_limits() {
        let t = TwoHosts::layout("t12345", 7);
        assert_eq!(t.alice.ns, "t12345alice");
        assert!(t.alice.veth.len() <= 15 && t.bob.veth.len() <= 15);
        assert_ne!(t.alice.veth, t.bob.veth);
        assert_eq!(t.bob.v4, Ipv4Addr::new(10, 203, 7, 2));
        assert_eq!(t.alice.v6.to_string(), "fd00:5:1ab:7::1");
    }

    #[test]
    fn loss_is_read_back_from_the_listed_rule() {
        let listing = "table inet socklab {\n\tchain lossy_link {\n\t\ttype filter hook prerouting priority raw; policy accept;\n\t\tiifname \"veth-alice\" numgen random mod 10000 < 2500 counter packets 3 bytes 252 drop\n\t}\n}\n";
        assert_eq!(parse_loss_rule(listing), 25.0);
        assert_eq!(parse_loss_rule(""), 0.0, "no table: no loss");
        let all = "table inet socklab { chain lossy_link { iifname \"veth-bob\" counter packets 3 bytes 252 drop } }";
        assert_eq!(parse_loss_rule(all), 100.0, "a plain drop is 100 %");
    }

    #[test]
    fn loss_outside_0_to_100_is_refused() {
        assert!(matches!(check_loss(101.0), Err(NetnsError::BadLoss(_))));
        assert!(matches!(check_loss(-1.0), Err(NetnsError::BadLoss(_))));
        assert!(check_loss(0.0).is_ok() && check_loss(100.0).is_ok());
    }
}
