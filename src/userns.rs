//! Live labs without root: a private user namespace.
//!
//! An ordinary user may create a *user namespace* in which they are root
//! (uid 0 there is their own uid outside), and in it network namespaces
//! over which they hold CAP_NET_ADMIN and CAP_NET_RAW: they can capture,
//! build veth pairs and run the link emulator there, and nothing is made
//! on the machine itself. The kernel removes it all when the last process
//! in it ends, so nothing can be left behind, whatever kills it.
//!
//! Two shapes:
//!
//! - [`PrivateNet`]: one network (loopback only) for `capture --private`
//!   and `capture shell`: a user namespace and a network namespace. The
//!   first program to ask creates it; the next ones (other terminals) join
//!   it, found through a control socket named after the user
//!   ([`crate::link::control`]).
//! - [`enter_private_lab`]: for `twohost` and `tcp_vs_udp --scenario lossy`
//!   without root: a user namespace, a mount namespace (with its own empty
//!   `/run/netns`, so `ip netns` works unchanged inside) and a network
//!   namespace to work from; [`join_lab`] lets `twohost exec` follow.
//!
//! Both must be entered while the process has a single thread (the kernel
//! refuses a threaded process a new user namespace): first thing in `main`.
//!
//! Where the system forbids unprivileged user namespaces, [`diagnose`]
//! names the setting that blocks it and what an administrator can do.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use serde_json::json;

use crate::link::control::{self, Request, Server};
use crate::sys::linux as sys;

/// Why a private namespace could not be made or joined.
#[derive(Debug, thiserror::Error)]
pub enum UsernsError {
    /// The system forbids it; the message says which setting and what to do.
    #[error("{0}")]
    Blocked(String),
    #[error("{what}: {error}")]
    Io {
        what: String,
        #[source]
        error: io::Error,
    },
    #[error("{0}")]
    Other(String),
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> UsernsError {
    let what = what.into();
    move |error| UsernsError::Io { what, error }
}

/// The sysctl settings that decide whether an ordinary user may create a
/// user namespace (`None`: this kernel has no such setting).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sysctls {
    /// Debian's and older Ubuntu's `kernel.unprivileged_userns_clone`.
    pub unprivileged_userns_clone: Option<u64>,
    /// Ubuntu 23.10+: `kernel.apparmor_restrict_unprivileged_userns`.
    pub apparmor_restrict: Option<u64>,
    /// `user.max_user_namespaces` (0 in many containers).
    pub max_user_namespaces: Option<u64>,
}

impl Sysctls {
    /// Read them from /proc/sys.
    pub fn read() -> Sysctls {
        let get = |p: &str| {
            fs::read_to_string(p)
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
        };
        Sysctls {
            unprivileged_userns_clone: get("/proc/sys/kernel/unprivileged_userns_clone"),
            apparmor_restrict: get("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
            max_user_namespaces: get("/proc/sys/user/max_user_namespaces"),
        }
    }
}

/// What the sudo alternative is, said the same way everywhere.
const SUDO_STILL_WORKS: &str = "or run the same command with sudo, which needs none of this";

/// Why creating a user namespace failed with `error`, given the settings:
/// one line that names the setting, the one-time fix for an administrator,
/// and that sudo still works.
pub fn diagnose(s: &Sysctls, error: &io::Error) -> String {
    if s.unprivileged_userns_clone == Some(0) {
        return format!(
            "this system forbids user namespaces to ordinary users (kernel.unprivileged_userns_clone = 0); an administrator can allow them once with `sudo sysctl -w kernel.unprivileged_userns_clone=1` (and `echo kernel.unprivileged_userns_clone=1 | sudo tee /etc/sysctl.d/50-socklab.conf` to keep it), {SUDO_STILL_WORKS}"
        );
    }
    if s.max_user_namespaces == Some(0) {
        return format!(
            "this system allows no user namespaces at all (user.max_user_namespaces = 0; usual in containers): an administrator can raise it with `sudo sysctl -w user.max_user_namespaces=15000` (a container needs it set on its host, and a seccomp profile that allows unshare), {SUDO_STILL_WORKS}"
        );
    }
    if s.apparmor_restrict == Some(1) {
        return format!(
            "AppArmor restricts user namespaces for ordinary users (kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 23.10 and later): an administrator can allow socklab's programs once with an AppArmor profile granting `userns,` (see docs/instructor.md, \"Live labs without root\"), or for everyone with `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, {SUDO_STILL_WORKS}"
        );
    }
    match error.raw_os_error() {
        Some(libc::ENOSPC) => format!(
            "the limit on user namespaces is reached (user.max_user_namespaces, or this user's share of it): close other sandboxes or ask an administrator to raise it, {SUDO_STILL_WORKS}"
        ),
        Some(libc::EINVAL) | Some(libc::ENOSYS) => format!(
            "this kernel has no user namespaces (CONFIG_USER_NS is off), {SUDO_STILL_WORKS}"
        ),
        _ => format!(
            "could not create a user namespace ({error}); a container or a security module may forbid it (a seccomp profile that blocks unshare, for one), {SUDO_STILL_WORKS}"
        ),
    }
}

fn blocked(error: io::Error) -> UsernsError {
    UsernsError::Blocked(diagnose(&Sysctls::read(), &error))
}

/// Make a user namespace (plus `extra` namespaces) in which this process
/// is root, mapped to its own user and group outside.
fn unshare_as_root(extra: i32) -> Result<(), UsernsError> {
    let (uid, gid) = sys::real_ids();
    sys::unshare(sys::NEW_USER | extra).map_err(blocked)?;
    // Writes to our own /proc/self files: the kernel allows exactly these
    // one-line maps to the caller's own ids. An AppArmor restriction shows
    // up here (the namespace exists but may not be set up).
    let write = |file: &str, text: String| {
        fs::write(Path::new("/proc/self").join(file), text).map_err(|e| {
            if e.kind() == io::ErrorKind::PermissionDenied {
                blocked(e)
            } else {
                io_err(format!("writing /proc/self/{file}"))(e)
            }
        })
    };
    write("setgroups", "deny".into())?;
    write("uid_map", format!("0 {uid} 1"))?;
    write("gid_map", format!("0 {gid} 1"))?;
    Ok(())
}

/// The namespace files of process `pid`.
fn ns_file(pid: u32, kind: &str) -> Result<File, UsernsError> {
    File::open(format!("/proc/{pid}/ns/{kind}")).map_err(io_err(format!(
        "opening the {kind} namespace of process {pid}"
    )))
}

/// True when process `pid` is in another user namespace than ours (then we
/// must join it to see its networks).
pub fn in_other_userns(pid: u32) -> bool {
    let ours = fs::read_link("/proc/self/ns/user").ok();
    let theirs = fs::read_link(format!("/proc/{pid}/ns/user")).ok();
    theirs.is_some() && ours != theirs
}

/// Join the user namespace of `pid` and the other namespaces listed
/// (`"mnt"`, `"net"`), keeping the current directory.
fn join(pid: u32, kinds: &[(&str, i32)]) -> Result<(), UsernsError> {
    let cwd = std::env::current_dir().ok();
    // Open them all first: after joining the user namespace, /proc/PID
    // still works, but nothing may change under us in between.
    let user = ns_file(pid, "user")?;
    let others: Vec<(File, i32, &str)> = kinds
        .iter()
        .map(|(k, flag)| ns_file(pid, k).map(|f| (f, *flag, *k)))
        .collect::<Result<_, _>>()?;
    if in_other_userns(pid) {
        sys::setns(&user, sys::NEW_USER).map_err(io_err(format!(
            "joining the user namespace of process {pid}"
        )))?;
    }
    for (file, flag, kind) in others {
        sys::setns(&file, flag).map_err(io_err(format!(
            "joining the {kind} namespace of process {pid}"
        )))?;
    }
    // Joining a mount namespace moves us to its root directory.
    if let Some(cwd) = cwd {
        let _ = std::env::set_current_dir(cwd);
    }
    Ok(())
}

// ---- the private network of capture ---------------------------------------

/// A private network (user + network namespace, loopback up) that this
/// process created or joined. When this process created it, it stays
/// reachable by name while the value lives (and exists while any process
/// is in it).
pub struct PrivateNet {
    /// True when this process made it (false: joined another's).
    pub created: bool,
    /// The process that made it.
    pub owner: u32,
    pub name: String,
    stop: Option<Arc<AtomicBool>>,
}

/// The environment variable that names a private network (tests use
/// their own; everyone else shares `default`).
pub const PRIVATE_NAME_VAR: &str = "SOCKLAB_PRIVATE_NET";

/// The name of the private network to use: `$SOCKLAB_PRIVATE_NET` or `default`.
pub fn private_name() -> String {
    std::env::var(PRIVATE_NAME_VAR)
        .ok()
        .filter(|n| !n.is_empty() && n.len() <= 64 && !n.contains('/'))
        .unwrap_or_else(|| "default".into())
}

impl PrivateNet {
    /// Join this user's private network called `name`, or create it.
    /// Call while the process has a single thread.
    pub fn enter(name: &str) -> Result<PrivateNet, UsernsError> {
        let socket = control::socket_name("private", sys::real_ids().0, name);
        for _ in 0..3 {
            if let Some(reply) = control::request(&socket, &Request::Status)
                .map_err(io_err("looking for your private network"))?
            {
                join(reply.peer.pid, &[("net", sys::NEW_NET)])?;
                return Ok(PrivateNet {
                    created: false,
                    owner: reply.peer.pid,
                    name: name.to_string(),
                    stop: None,
                });
            }
            // Take the name first (in the machine's network namespace, where
            // the others look for it), then move.
            let server = match Server::bind(&socket) {
                Ok(s) => s,
                // Someone made it between our look and now: join theirs.
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
                Err(e) => return Err(io_err("naming your private network")(e)),
            };
            unshare_as_root(sys::NEW_NET)?;
            sys::set_interface_up("lo").map_err(io_err("bringing up lo"))?;
            let stop = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&stop);
            let owner = std::process::id();
            std::thread::Builder::new()
                .name("private-net".into())
                .spawn(move || {
                    let _ = server.serve(&flag, |_, _| (json!({"owner": owner}), false));
                })
                .map_err(io_err("starting the private network's control thread"))?;
            return Ok(PrivateNet {
                created: true,
                owner,
                name: name.to_string(),
                stop: Some(stop),
            });
        }
        Err(UsernsError::Other(
            "your private network kept appearing and vanishing: try again".into(),
        ))
    }

    /// One line for the user: what this is and how to get in from elsewhere.
    pub fn banner(&self) -> String {
        if self.created {
            "private network: a network of your own, no root needed (only lo, 127.0.0.1 and ::1); run `capture shell` in another terminal to work in it; it lasts while this program (or a shell in it) runs".to_string()
        } else {
            format!(
                "private network: joined yours (made by process {}); `exit` or Ctrl-D leaves",
                self.owner
            )
        }
    }
}

impl Drop for PrivateNet {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// `capture --private`: enter (join or create) the private network and
/// say so on stderr; `None` without `--private`. Keep the value while
/// capturing: it keeps the network reachable for `capture shell`.
pub fn for_capture(private: bool) -> Result<Option<PrivateNet>, UsernsError> {
    if !private {
        return Ok(None);
    }
    let net = PrivateNet::enter(&private_name())?;
    let _ = eprintln_safe(&format!("capture: {}", net.banner()));
    Ok(Some(net))
}

/// `capture shell [PROGRAM ARGS...]`: run a program (default: the user's
/// shell) in the private network, joining or creating it. Returns the
/// program's exit code.
pub fn private_shell(program: &[String]) -> Result<i32, UsernsError> {
    let net = PrivateNet::enter(&private_name())?;
    let _ = eprintln_safe(&net.banner());
    run_program(program)
}

fn eprintln_safe(line: &str) -> io::Result<()> {
    use std::io::Write;
    writeln!(io::stderr(), "{line}")
}

/// Run `program` (or `$SHELL`) and wait for it: its exit code (128+N for
/// a signal, as shells report it).
pub fn run_program(program: &[String]) -> Result<i32, UsernsError> {
    use std::os::unix::process::ExitStatusExt;
    let argv: Vec<String> = if program.is_empty() {
        vec![std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into())]
    } else {
        program.to_vec()
    };
    let status = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .status()
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                UsernsError::Other(format!("`{}`: no such program", argv[0]))
            } else {
                io_err(format!("starting {}", argv[0]))(e)
            }
        })?;
    Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
}

// ---- the private lab of twohost and tcp_vs_udp ------------------------------

/// Enter a private lab: user, mount and network namespaces, where this
/// process is root and `/run/netns` is its own (empty) directory, so that
/// `ip netns add`/`exec` and [`crate::netns::Network`] work as under sudo,
/// with nothing made on the machine. Call while single-threaded.
pub fn enter_private_lab() -> Result<(), UsernsError> {
    unshare_as_root(sys::NEW_MOUNT | sys::NEW_NET)?;
    sys::make_mounts_private().map_err(io_err("making the private mounts private"))?;
    let netns = Path::new(crate::netns::NETNS_DIR);
    if netns.is_dir() {
        sys::mount_tmpfs(netns).map_err(io_err("mounting a private /run/netns"))?;
    } else {
        private_run_with_netns()?;
    }
    sys::set_interface_up("lo").map_err(io_err("bringing up lo"))?;
    Ok(())
}

/// No /run/netns on this machine (nobody ever ran `ip netns add`), and we
/// may not create it: put a tmpfs on /run holding a copy of /run's entries
/// (each bound to the original, so nothing inside changes) plus an empty
/// `netns`.
fn private_run_with_netns() -> Result<(), UsernsError> {
    let run = Path::new("/run");
    let entries: Vec<PathBuf> = fs::read_dir(run)
        .map_err(io_err("reading /run"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    // Bind the old /run aside first: once the tmpfs covers /run, the
    // originals are reachable only through this.
    let scratch = std::env::temp_dir().join(format!("socklab-run-{}", std::process::id()));
    fs::create_dir(&scratch).map_err(io_err("making a scratch directory"))?;
    let result = (|| {
        sys::mount_tmpfs(&scratch).map_err(io_err("mounting a scratch tmpfs"))?;
        let old = scratch.join("old");
        fs::create_dir(&old).map_err(io_err("making the scratch tree"))?;
        sys::bind_mount(run, &old).map_err(io_err("binding /run aside"))?;
        let new = scratch.join("new");
        fs::create_dir(&new).map_err(io_err("making the scratch tree"))?;
        sys::mount_tmpfs(&new).map_err(io_err("mounting the new /run"))?;
        for entry in &entries {
            let Some(name) = entry.file_name() else {
                continue;
            };
            let (from, to) = (old.join(name), new.join(name));
            let meta = match fs::symlink_metadata(&from) {
                Ok(m) => m,
                Err(_) => continue,
            };
            if meta.file_type().is_symlink() {
                if let Ok(target) = fs::read_link(&from) {
                    let _ = std::os::unix::fs::symlink(target, &to);
                }
            } else if meta.is_dir() {
                if fs::create_dir(&to).is_ok() {
                    let _ = sys::bind_mount(&from, &to);
                }
            } else if File::create(&to).is_ok() {
                let _ = sys::bind_mount(&from, &to);
            }
        }
        fs::create_dir(new.join("netns")).map_err(io_err("making /run/netns"))?;
        sys::move_mount(&new, run).map_err(io_err("putting the new /run in place"))?;
        Ok(())
    })();
    // The scratch mounts vanish with this mount namespace; the directory
    // itself is ours to remove (it is empty outside).
    let _ = fs::remove_dir(&scratch);
    result
}

/// Join the private lab of process `pid` (its user and mount namespaces),
/// so that its `ip netns` names are ours. Nothing to do when it is in our
/// own user namespace (a lab built with sudo). Call while single-threaded.
pub fn join_lab(pid: u32) -> Result<(), UsernsError> {
    if !in_other_userns(pid) {
        return Ok(());
    }
    join(pid, &[("mnt", sys::NEW_MOUNT)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eperm() -> io::Error {
        io::Error::from_raw_os_error(libc::EPERM)
    }

    #[test]
    fn each_blocking_setting_is_named_with_its_fix() {
        let debian = Sysctls {
            unprivileged_userns_clone: Some(0),
            ..Sysctls::default()
        };
        let m = diagnose(&debian, &eperm());
        assert!(m.contains("kernel.unprivileged_userns_clone = 0"), "{m}");
        assert!(
            m.contains("sudo sysctl -w kernel.unprivileged_userns_clone=1"),
            "{m}"
        );
        assert!(m.contains("sudo"), "{m}");

        let ubuntu = Sysctls {
            unprivileged_userns_clone: Some(1),
            apparmor_restrict: Some(1),
            max_user_namespaces: Some(63_000),
        };
        let m = diagnose(&ubuntu, &eperm());
        assert!(
            m.contains("kernel.apparmor_restrict_unprivileged_userns = 1"),
            "{m}"
        );
        assert!(m.contains("userns,"), "{m}");
        assert!(m.contains("with sudo"), "{m}");

        let container = Sysctls {
            max_user_namespaces: Some(0),
            ..Sysctls::default()
        };
        let m = diagnose(&container, &io::Error::from_raw_os_error(libc::ENOSPC));
        assert!(m.contains("user.max_user_namespaces = 0"), "{m}");

        // Everything allowed, yet it failed: say so without blaming a setting.
        let open = Sysctls {
            unprivileged_userns_clone: Some(1),
            apparmor_restrict: Some(0),
            max_user_namespaces: Some(63_000),
        };
        let m = diagnose(&open, &eperm());
        assert!(m.contains("seccomp") && m.contains("with sudo"), "{m}");
        assert!(!m.contains("= 0"), "{m}");
        let full = diagnose(&open, &io::Error::from_raw_os_error(libc::ENOSPC));
        assert!(full.contains("limit on user namespaces"), "{full}");
    }

    #[test]
    fn the_debian_setting_wins_over_the_others() {
        let both = Sysctls {
            unprivileged_userns_clone: Some(0),
            apparmor_restrict: Some(1),
            max_user_namespaces: Some(0),
        };
        assert!(diagnose(&both, &eperm()).contains("unprivileged_userns_clone"));
    }

    #[test]
    fn a_private_network_name_from_outside_is_checked() {
        // (The variable is read, never trusted as a path.)
        std::env::set_var(PRIVATE_NAME_VAR, "../../etc");
        assert_eq!(private_name(), "default");
        std::env::set_var(PRIVATE_NAME_VAR, "lab3");
        assert_eq!(private_name(), "lab3");
        std::env::remove_var(PRIVATE_NAME_VAR);
    }
}
