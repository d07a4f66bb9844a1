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

use crate::i18n::{tr_in, Lang};
use crate::link::control::{self, Request, Server};
use crate::sys::linux as sys;
use crate::t;

/// Why a private namespace could not be made or joined. Its message is in
/// the process's language ([`UsernsError::message_in`] for another).
#[derive(Debug, thiserror::Error)]
pub enum UsernsError {
    /// The system forbids it; the message says which setting and what to do.
    #[error("{}", self.message_in(crate::i18n::lang()))]
    Blocked(Blocker),
    /// A system call failed while doing `what` (already in the process's
    /// language).
    #[error("{what}: {error}")]
    Io {
        what: String,
        #[source]
        error: io::Error,
    },
    /// The private network kept appearing and vanishing under us.
    #[error("{}", self.message_in(crate::i18n::lang()))]
    Unsettled,
    /// `capture shell PROGRAM`: no such program.
    #[error("{}", self.message_in(crate::i18n::lang()))]
    NoProgram(String),
}

impl UsernsError {
    /// The one-line message in `lang`.
    pub fn message_in(&self, lang: Lang) -> String {
        match self {
            UsernsError::Blocked(b) => b.message_in(lang),
            UsernsError::Io { what, error } => format!("{what}: {error}"),
            UsernsError::Unsettled => tr_in(lang, "twohost-userns-unsettled", &[]),
            UsernsError::NoProgram(p) => {
                tr_in(lang, "twohost-userns-no-program", &[("program", p.into())])
            }
        }
    }
}

/// An I/O error while doing `what` (a message of the catalogue, with its
/// arguments, in the process's language).
fn io_err(what: String) -> impl FnOnce(io::Error) -> UsernsError {
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

/// What keeps an ordinary user from making a user namespace, as far as
/// the settings and the error tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocker {
    /// Debian's `kernel.unprivileged_userns_clone = 0`.
    UnprivilegedClone,
    /// `user.max_user_namespaces = 0` (usual in containers).
    NoneAllowed,
    /// Ubuntu's `kernel.apparmor_restrict_unprivileged_userns = 1`.
    AppArmor,
    /// ENOSPC: the limit on user namespaces is reached.
    LimitReached,
    /// EINVAL or ENOSYS: a kernel without user namespaces.
    NoKernelSupport,
    /// Anything else, with the system's words for the error.
    Other(String),
}

impl Blocker {
    /// One line that names the setting, the one-time fix for an
    /// administrator, and that sudo still works, in `lang`.
    pub fn message_in(&self, lang: Lang) -> String {
        match self {
            Blocker::UnprivilegedClone => tr_in(lang, "twohost-userns-debian", &[]),
            Blocker::NoneAllowed => tr_in(lang, "twohost-userns-none-allowed", &[]),
            Blocker::AppArmor => tr_in(lang, "twohost-userns-apparmor", &[]),
            Blocker::LimitReached => tr_in(lang, "twohost-userns-limit", &[]),
            Blocker::NoKernelSupport => tr_in(lang, "twohost-userns-no-kernel-support", &[]),
            Blocker::Other(error) => {
                tr_in(lang, "twohost-userns-other", &[("error", error.into())])
            }
        }
    }
}

/// What blocks creating a user namespace, given the settings and the error.
pub fn blocker(s: &Sysctls, error: &io::Error) -> Blocker {
    if s.unprivileged_userns_clone == Some(0) {
        return Blocker::UnprivilegedClone;
    }
    if s.max_user_namespaces == Some(0) {
        return Blocker::NoneAllowed;
    }
    if s.apparmor_restrict == Some(1) {
        return Blocker::AppArmor;
    }
    match error.raw_os_error() {
        Some(libc::ENOSPC) => Blocker::LimitReached,
        Some(libc::EINVAL) | Some(libc::ENOSYS) => Blocker::NoKernelSupport,
        _ => Blocker::Other(error.to_string()),
    }
}

/// Why creating a user namespace failed with `error`, given the settings:
/// one line that names the setting, the one-time fix for an administrator,
/// and that sudo still works (in the process's language).
pub fn diagnose(s: &Sysctls, error: &io::Error) -> String {
    blocker(s, error).message_in(crate::i18n::lang())
}

fn blocked(error: io::Error) -> UsernsError {
    UsernsError::Blocked(blocker(&Sysctls::read(), &error))
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
                io_err(t!("twohost-userns-step-write", file = file))(e)
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
    File::open(format!("/proc/{pid}/ns/{kind}")).map_err(io_err(t!(
        "twohost-userns-step-open",
        kind = kind,
        pid = pid
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
        sys::setns(&user, sys::NEW_USER).map_err(io_err(t!(
            "twohost-userns-step-join",
            kind = "user",
            pid = pid
        )))?;
    }
    for (file, flag, kind) in others {
        sys::setns(&file, flag).map_err(io_err(t!(
            "twohost-userns-step-join",
            kind = kind,
            pid = pid
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
                .map_err(io_err(t!("twohost-userns-step-look")))?
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
                Err(e) => return Err(io_err(t!("twohost-userns-step-name"))(e)),
            };
            unshare_as_root(sys::NEW_NET)?;
            sys::set_interface_up("lo").map_err(io_err(t!("twohost-userns-step-lo")))?;
            let stop = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&stop);
            let owner = std::process::id();
            std::thread::Builder::new()
                .name("private-net".into())
                .spawn(move || {
                    let _ = server.serve(&flag, |_, _| (json!({"owner": owner}), false));
                })
                .map_err(io_err(t!("twohost-userns-step-thread")))?;
            return Ok(PrivateNet {
                created: true,
                owner,
                name: name.to_string(),
                stop: Some(stop),
            });
        }
        Err(UsernsError::Unsettled)
    }

    /// One line for the user: what this is and how to get in from elsewhere.
    pub fn banner(&self) -> String {
        if self.created {
            t!("twohost-userns-banner-created")
        } else {
            t!("twohost-userns-banner-joined", pid = self.owner)
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
                UsernsError::NoProgram(argv[0].clone())
            } else {
                io_err(t!("twohost-userns-step-start", program = &argv[0]))(e)
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
    sys::make_mounts_private().map_err(io_err(t!("twohost-userns-step-private-mounts")))?;
    let netns = Path::new(crate::netns::NETNS_DIR);
    if netns.is_dir() {
        sys::mount_tmpfs(netns).map_err(io_err(t!("twohost-userns-step-private-netns")))?;
    } else {
        private_run_with_netns()?;
    }
    sys::set_interface_up("lo").map_err(io_err(t!("twohost-userns-step-lo")))?;
    Ok(())
}

/// No /run/netns on this machine (nobody ever ran `ip netns add`), and we
/// may not create it: put a tmpfs on /run holding a copy of /run's entries
/// (each bound to the original, so nothing inside changes) plus an empty
/// `netns`.
fn private_run_with_netns() -> Result<(), UsernsError> {
    let run = Path::new("/run");
    let entries: Vec<PathBuf> = fs::read_dir(run)
        .map_err(io_err(t!("twohost-userns-step-read-run")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    // Bind the old /run aside first: once the tmpfs covers /run, the
    // originals are reachable only through this.
    // A fresh name nobody could have prepared (0700, made exclusively),
    // kept by hand: it is removed below, once its mounts are gone.
    let scratch = tempfile::Builder::new()
        .prefix("socklab-run-")
        .tempdir()
        .map_err(io_err(t!("twohost-userns-step-scratch")))?
        .keep();
    let result = (|| {
        sys::mount_tmpfs(&scratch).map_err(io_err(t!("twohost-userns-step-scratch-tmpfs")))?;
        let old = scratch.join("old");
        fs::create_dir(&old).map_err(io_err(t!("twohost-userns-step-scratch-tree")))?;
        sys::bind_mount(run, &old).map_err(io_err(t!("twohost-userns-step-bind-run")))?;
        let new = scratch.join("new");
        fs::create_dir(&new).map_err(io_err(t!("twohost-userns-step-scratch-tree")))?;
        sys::mount_tmpfs(&new).map_err(io_err(t!("twohost-userns-step-new-run")))?;
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
        fs::create_dir(new.join("netns")).map_err(io_err(t!("twohost-userns-step-make-netns")))?;
        sys::move_mount(&new, run).map_err(io_err(t!("twohost-userns-step-move-run")))?;
        Ok(())
    })();
    // The scratch mounts would vanish with this mount namespace, but the
    // directory stays busy while they are there: detach them (what they
    // held is in the new /run now), then remove it.
    let _ = sys::unmount_detach(&scratch);
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

    fn diagnose_en(s: &Sysctls, error: &io::Error) -> String {
        blocker(s, error).message_in(Lang::En)
    }

    #[test]
    fn each_blocking_setting_is_named_with_its_fix() {
        let debian = Sysctls {
            unprivileged_userns_clone: Some(0),
            ..Sysctls::default()
        };
        let m = diagnose_en(&debian, &eperm());
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
        let m = diagnose_en(&ubuntu, &eperm());
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
        let m = diagnose_en(&container, &io::Error::from_raw_os_error(libc::ENOSPC));
        assert!(m.contains("user.max_user_namespaces = 0"), "{m}");

        // Everything allowed, yet it failed: say so without blaming a setting.
        let open = Sysctls {
            unprivileged_userns_clone: Some(1),
            apparmor_restrict: Some(0),
            max_user_namespaces: Some(63_000),
        };
        let m = diagnose_en(&open, &eperm());
        assert!(m.contains("seccomp") && m.contains("with sudo"), "{m}");
        assert!(!m.contains("= 0"), "{m}");
        let full = diagnose_en(&open, &io::Error::from_raw_os_error(libc::ENOSPC));
        assert!(full.contains("limit on user namespaces"), "{full}");
        assert_eq!(
            blocker(&open, &io::Error::from_raw_os_error(libc::ENOSYS)),
            Blocker::NoKernelSupport
        );
    }

    #[test]
    fn the_debian_setting_wins_over_the_others() {
        let both = Sysctls {
            unprivileged_userns_clone: Some(0),
            apparmor_restrict: Some(1),
            max_user_namespaces: Some(0),
        };
        assert_eq!(blocker(&both, &eperm()), Blocker::UnprivilegedClone);
    }

    #[test]
    fn every_blocker_and_error_speaks_both_languages() {
        let errors = [
            UsernsError::Blocked(Blocker::UnprivilegedClone),
            UsernsError::Blocked(Blocker::NoneAllowed),
            UsernsError::Blocked(Blocker::AppArmor),
            UsernsError::Blocked(Blocker::LimitReached),
            UsernsError::Blocked(Blocker::NoKernelSupport),
            UsernsError::Blocked(Blocker::Other(eperm().to_string())),
            UsernsError::Unsettled,
            UsernsError::NoProgram("nosuch".into()),
        ];
        for e in &errors {
            let (en, pt) = (e.message_in(Lang::En), e.message_in(Lang::PtBr));
            assert!(!en.is_empty() && !pt.is_empty(), "{e:?}");
            assert_ne!(en, pt, "{e:?} is not translated");
        }
        // The setting and the command to type stay as they are in Portuguese.
        let pt = Blocker::UnprivilegedClone.message_in(Lang::PtBr);
        assert!(
            pt.contains("sudo sysctl -w kernel.unprivileged_userns_clone=1") && pt.contains("sudo"),
            "{pt}"
        );
        // The steps an I/O error names.
        for id in [
            "twohost-userns-step-look",
            "twohost-userns-step-name",
            "twohost-userns-step-lo",
            "twohost-userns-step-thread",
            "twohost-userns-step-private-mounts",
            "twohost-userns-step-private-netns",
            "twohost-userns-step-read-run",
            "twohost-userns-step-scratch",
            "twohost-userns-step-scratch-tmpfs",
            "twohost-userns-step-scratch-tree",
            "twohost-userns-step-bind-run",
            "twohost-userns-step-new-run",
            "twohost-userns-step-make-netns",
            "twohost-userns-step-move-run",
        ] {
            let (en, pt) = (tr_in(Lang::En, id, &[]), tr_in(Lang::PtBr, id, &[]));
            assert!(en != id && !pt.is_empty() && en != pt, "{id}: {en} / {pt}");
        }
        let args = [
            ("file", "uid_map".into()),
            ("kind", "net".into()),
            ("pid", 42.into()),
            ("program", "bash".into()),
        ];
        for id in [
            "twohost-userns-step-write",
            "twohost-userns-step-open",
            "twohost-userns-step-join",
            "twohost-userns-step-start",
            "twohost-userns-banner-created",
            "twohost-userns-banner-joined",
        ] {
            let (en, pt) = (tr_in(Lang::En, id, &args), tr_in(Lang::PtBr, id, &args));
            assert!(en != id && !pt.is_empty() && en != pt, "{id}: {en} / {pt}");
        }
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
