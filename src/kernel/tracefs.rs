//! tracefs: finding (or mounting) it, and socklab's private instances in it.
//!
//! Only `instances/NAME` directories socklab created are ever written to;
//! the global instance (the files at the top of tracefs) and other tools'
//! instances are never touched. A name says whose it is,
//! `socklab-<pid>-<start time>-<n>-<role>`, so a capture that was killed
//! with SIGKILL leaves an instance that the next one recognises (that
//! process is gone, or the pid now belongs to a process that started at
//! another time) and removes.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use super::decode::Role;

/// Every instance socklab creates starts with this.
pub const PREFIX: &str = "socklab-";
/// Where tracefs is mounted on current systems.
pub const TRACEFS: &str = "/sys/kernel/tracing";
/// Where it was before (inside debugfs).
pub const DEBUGFS_TRACING: &str = "/sys/kernel/debug/tracing";

/// Where tracefs is, or why it is not.
pub fn find_root(may_mount: bool) -> Result<PathBuf, String> {
    if let Some(p) = mounted_tracefs() {
        return Ok(p);
    }
    let old = Path::new(DEBUGFS_TRACING);
    if old.join("instances").is_dir() {
        return Ok(old.to_path_buf());
    }
    let fs = std::fs::read_to_string("/proc/filesystems").unwrap_or_default();
    if !fs.split_whitespace().any(|w| w == "tracefs") {
        return Err(crate::t!("capture-tracefs-not-built"));
    }
    if !may_mount {
        return Err(crate::t!("capture-tracefs-not-mounted", path = TRACEFS));
    }
    match crate::sys::mount_tracefs(Path::new(TRACEFS)) {
        Ok(()) => Ok(PathBuf::from(TRACEFS)),
        Err(e) => Err(crate::t!(
            "capture-tracefs-mount-failed",
            path = TRACEFS,
            error = e.to_string()
        )),
    }
}

/// The first tracefs mount point in /proc/self/mounts.
fn mounted_tracefs() -> Option<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/mounts").ok()?;
    text.lines().find_map(|l| {
        let mut w = l.split_whitespace();
        let (_dev, at, fstype) = (w.next()?, w.next()?, w.next()?);
        (fstype == "tracefs").then(|| PathBuf::from(unescape_mount(at)))
    })
}

/// /proc/mounts writes a space in a path as `\040` (octal escapes).
fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let oct = b
            .get(i + 1..i + 4)
            .filter(|o| o.iter().all(|c| (b'0'..=b'7').contains(c)));
        if let (b'\\', Some(o)) = (b[i], oct) {
            let v = o.iter().fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0'));
            if let Ok(v) = u8::try_from(v) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// When a process started (field 22 of /proc/PID/stat, clock ticks since
/// boot): with the pid it names one process for good.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// The parts of an instance name socklab made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceName {
    pub pid: u32,
    pub start: u64,
    pub n: u32,
    pub role: String,
}

impl InstanceName {
    /// `socklab-4312-103271-0-calls`
    pub fn format(pid: u32, start: u64, n: u32, role: Role) -> String {
        format!("{PREFIX}{pid}-{start}-{n}-{}", role.suffix())
    }

    /// Parse a name; `None` if it is not one of socklab's.
    pub fn parse(name: &str) -> Option<InstanceName> {
        let rest = name.strip_prefix(PREFIX)?;
        let mut p = rest.splitn(4, '-');
        let pid = p.next()?.parse().ok()?;
        let start = p.next()?.parse().ok()?;
        let n = p.next()?.parse().ok()?;
        let role = p.next()?;
        if role != Role::Calls.suffix() && role != Role::Tcp.suffix() {
            return None;
        }
        Some(InstanceName {
            pid,
            start,
            n,
            role: role.to_string(),
        })
    }

    /// The process that made it is still running.
    pub fn owner_alive(&self) -> bool {
        start_time(self.pid) == Some(self.start)
    }
}

/// Whether a directory is still there: `None` when we may not look (after
/// root was given back).
pub fn dir_present(p: &Path) -> Option<bool> {
    match std::fs::symlink_metadata(p) {
        Ok(_) => Some(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some(false),
        Err(_) => None,
    }
}

/// Remove the instances left by socklab processes that are gone. Returns
/// their names.
pub fn remove_stale(root: &Path) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(root.join("instances")) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(parsed) = InstanceName::parse(&name) else {
            continue;
        };
        if parsed.owner_alive() {
            continue;
        }
        if std::fs::remove_dir(e.path()).is_ok() {
            removed.push(name);
        }
    }
    removed
}

/// Write a value to a tracefs control file in one `write()`, as the kernel
/// parses each write on its own.
pub fn write_value(path: &Path, value: &str) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).truncate(true).open(path)?;
    write_once(&mut f, value)
}

/// One `write()` of `value` on an open control file.
pub fn write_once(f: &mut File, value: &str) -> io::Result<()> {
    let n = f.write(value.as_bytes())?;
    if n != value.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "short write to tracefs",
        ));
    }
    Ok(())
}

/// Read a small control file. The first read asks for 64 KB: some tracefs
/// files (`header_page`, `filter`) answer only a read at offset 0, so the
/// small first probe of `read_to_string` would see them cut.
pub fn read_value(path: &Path) -> io::Result<String> {
    const FIRST: usize = 64 * 1024;
    const MAX: usize = 1 << 20;
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; FIRST];
    let mut len = 0;
    loop {
        if len == buf.len() {
            if buf.len() >= MAX {
                break;
            }
            buf.resize(buf.len() * 2, 0);
        }
        match f.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    buf.truncate(len);
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Open a file to read without blocking (`trace_pipe_raw`).
pub fn open_nonblocking(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// A root process that removes the instances if this one dies without
/// doing it (SIGKILL, a crash), or after it gave up root: it waits for its
/// standard input to close, which happens however this process ends.
pub struct Cleaner {
    child: Child,
    stdin: Option<ChildStdin>,
}

/// The helper: ignore the terminal's signals (it is in its own process
/// group anyway), wait for end of input, then remove each directory,
/// retrying while the dying process's descriptors are still being closed.
const CLEANER_SCRIPT: &str = r#"trap '' INT HUP TERM QUIT
while read -r _; do :; done
for d in "$@"; do
  i=0
  while [ -d "$d" ] && [ "$i" -lt 50 ]; do
    rmdir "$d" 2>/dev/null || sleep 0.1
    i=$((i+1))
  done
done
for d in "$@"; do
  if [ -d "$d" ]; then exit 1; fi
done"#;

impl Cleaner {
    /// Start the helper for `dirs`.
    pub fn spawn(dirs: &[PathBuf]) -> io::Result<Cleaner> {
        use std::os::unix::process::CommandExt;
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(CLEANER_SCRIPT)
            .arg("socklab-cleanup")
            .args(dirs)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C on the terminal must not
            // kill it before it has cleaned up.
            .process_group(0)
            .spawn()?;
        let stdin = child.stdin.take();
        Ok(Cleaner { child, stdin })
    }

    /// The helper's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Let it clean up now and wait until it has. True if every directory
    /// is gone.
    pub fn finish(mut self) -> bool {
        drop(self.stdin.take());
        self.child.wait().is_ok_and(|s| s.success())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names_round_trip_and_others_are_not_ours() {
        let n = InstanceName::format(4312, 103271, 2, Role::Calls);
        assert_eq!(n, "socklab-4312-103271-2-calls");
        assert_eq!(
            InstanceName::parse(&n),
            Some(InstanceName {
                pid: 4312,
                start: 103271,
                n: 2,
                role: "calls".into()
            })
        );
        assert!(InstanceName::parse(&InstanceName::format(1, 2, 3, Role::Tcp)).is_some());
        for other in [
            "socklab-test-1",
            "socklab-1-2-3-other",
            "socklab-x-2-3-tcp",
            "mytracer",
            "socklab-",
            "socklab-1-2-tcp",
        ] {
            assert_eq!(InstanceName::parse(other), None, "{other}");
        }
    }

    #[test]
    fn our_own_process_is_alive_and_a_wrong_start_time_is_not() {
        let me = std::process::id();
        let start = start_time(me).unwrap();
        let alive = InstanceName {
            pid: me,
            start,
            n: 0,
            role: "tcp".into(),
        };
        assert!(alive.owner_alive());
        let reused = InstanceName {
            start: start + 1,
            ..alive.clone()
        };
        assert!(!reused.owner_alive(), "same pid, another process");
        let gone = InstanceName {
            pid: u32::MAX - 1,
            ..alive
        };
        assert!(!gone.owner_alive());
    }

    #[test]
    fn mount_paths_are_unescaped() {
        assert_eq!(unescape_mount("/sys/kernel/tracing"), "/sys/kernel/tracing");
        assert_eq!(unescape_mount("/mnt/my\\040dir"), "/mnt/my dir");
        assert_eq!(unescape_mount("/a\\"), "/a\\");
        assert_eq!(unescape_mount("/a\\99"), "/a\\99");
    }
}
