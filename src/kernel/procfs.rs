//! What /proc says about the processes the kernel's records name: which
//! process a thread belongs to, the program's name as a student would say
//! it, and, for a socket the records never described, its addresses.
//!
//! Everything read here belongs to other users' processes: bounded, never
//! trusted beyond display, and a process that is gone is simply unknown.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

use super::facts::{Proto, MAX_PROG};
use super::join::{Map, ProcSocket, Procs};

/// Longest command line read.
const MAX_CMDLINE: usize = 4096;
/// Longest /proc/PID/net/* table read.
const MAX_NET_TABLE: usize = 4 << 20;
/// Most processes (and threads) remembered.
const MAX_CACHE: usize = 8192;
/// One word of a program's name (a script's file name), in characters.
const MAX_WORD: usize = 48;
/// The name of a process that is gone before it could be read.
const UNKNOWN: &str = "?";
/// `st` of a listening socket in /proc/net/tcp.
const TCP_LISTEN_HEX: &str = "0A";

/// The real process table, read from `root` (normally `/proc`).
pub struct ProcTable {
    root: PathBuf,
    tgids: Map<u32, u32>,
    names: Map<u32, String>,
}

impl ProcTable {
    /// Read from /proc.
    pub fn new() -> ProcTable {
        ProcTable::at("/proc")
    }

    /// Read from another directory laid out like /proc (tests).
    pub fn at(root: impl Into<PathBuf>) -> ProcTable {
        ProcTable {
            root: root.into(),
            tgids: Map::default(),
            names: Map::default(),
        }
    }

    fn read_bounded(&self, rel: &str, max: usize) -> Option<Vec<u8>> {
        let f = std::fs::File::open(self.root.join(rel)).ok()?;
        let mut buf = Vec::new();
        f.take(max as u64).read_to_end(&mut buf).ok()?;
        Some(buf)
    }
}

impl Default for ProcTable {
    fn default() -> Self {
        ProcTable::new()
    }
}

impl Procs for ProcTable {
    fn tgid(&mut self, tid: u32) -> u32 {
        if let Some(&t) = self.tgids.get(&tid) {
            return t;
        }
        let tgid = self
            .read_bounded(&format!("{tid}/status"), 4096)
            .and_then(|b| {
                String::from_utf8_lossy(&b)
                    .lines()
                    .find_map(|l| l.strip_prefix("Tgid:"))
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(tid);
        if self.tgids.len() >= MAX_CACHE {
            self.tgids.clear();
        }
        self.tgids.insert(tid, tgid);
        // Name the process at first sight, while it runs: its first socket
        // call may be processed after it has already exited.
        if !self.names.contains_key(&tgid) {
            self.prog(tgid);
        }
        tgid
    }

    fn prog(&mut self, pid: u32) -> String {
        if let Some(n) = self.names.get(&pid) {
            return n.clone();
        }
        let name = self
            .read_bounded(&format!("{pid}/cmdline"), MAX_CMDLINE)
            .map(|b| {
                let argv: Vec<String> = b
                    .split(|&c| c == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                student_name(&argv)
            })
            .filter(|n| !n.is_empty())
            .or_else(|| {
                self.read_bounded(&format!("{pid}/comm"), 64)
                    .map(|b| bounded(String::from_utf8_lossy(&b).trim(), MAX_WORD))
                    .filter(|n| !n.is_empty())
            });
        // Gone already: remembered too (a dead process's records keep
        // coming for a while); an exec of a new process forgets it.
        let name = name.unwrap_or_else(|| UNKNOWN.to_string());
        if self.names.len() >= MAX_CACHE {
            self.names.clear();
        }
        self.names.insert(pid, name.clone());
        name
    }

    fn exec(&mut self, pid: u32, filename: &str) {
        self.names.remove(&pid);
        let name = self.prog(pid);
        if name == UNKNOWN && !filename.is_empty() {
            // Gone already: the file it ran is the best name left.
            let n = bounded(basename(filename), MAX_WORD);
            self.names.insert(pid, n);
        }
    }

    fn new_task(&mut self, parent: u32, child: u32, thread: bool) {
        if self.tgids.len() >= MAX_CACHE {
            self.tgids.clear();
        }
        if thread {
            // A thread may be gone before its first call is read, and
            // /proc with it: its process is known now.
            let tgid = self.tgid(parent);
            self.tgids.insert(child, tgid);
            return;
        }
        // A new process (its pid may have been another's): it runs its
        // parent's program until it execs (a later record names it again).
        self.tgids.insert(child, child);
        self.names.remove(&child);
        let parent = self.tgids.get(&parent).copied().unwrap_or(parent);
        if let Some(name) = self.names.get(&parent).filter(|n| *n != UNKNOWN).cloned() {
            if self.names.len() >= MAX_CACHE {
                self.names.clear();
            }
            self.names.insert(child, name);
        }
    }

    fn fd_socket(&mut self, pid: u32, fd: i32) -> Option<ProcSocket> {
        let link = std::fs::read_link(self.root.join(format!("{pid}/fd/{fd}"))).ok()?;
        let link = link.to_str()?;
        let inode = link.strip_prefix("socket:[")?.strip_suffix(']')?;
        for (table, proto) in [
            ("tcp", Proto::Tcp),
            ("tcp6", Proto::Tcp),
            ("udp", Proto::Udp),
            ("udp6", Proto::Udp),
        ] {
            let Some(text) = self.read_bounded(&format!("{pid}/net/{table}"), MAX_NET_TABLE) else {
                continue;
            };
            if let Some(s) = find_inode(&String::from_utf8_lossy(&text), inode, proto) {
                return Some(s);
            }
        }
        None
    }
}

/// The line of a `/proc/net/{tcp,udp,tcp6,udp6}` table for socket `inode`.
///
/// ```text
///   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
///    0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 33835 ...
/// ```
pub fn find_inode(table: &str, inode: &str, proto: Proto) -> Option<ProcSocket> {
    for line in table.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 10 || cols[9] != inode {
            continue;
        }
        return Some(ProcSocket {
            proto,
            local: hex_addr(cols[1])?,
            peer: hex_addr(cols[2])?,
            listening: proto == Proto::Tcp && cols[3] == TCP_LISTEN_HEX,
        });
    }
    None
}

/// `0100007F:1388` (IPv4) or 32 hex digits and a port (IPv6): the address
/// words as the kernel prints them, in host byte order.
fn hex_addr(s: &str) -> Option<SocketAddr> {
    let (ip, port) = s.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        let w = u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16).ok()?;
        Some(w.to_ne_bytes())
    };
    let ip = match ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// How a student names a program: `python3 servidor.py`, not `python3`
/// nor `/usr/bin/python3.11 -u /home/ana/redes/servidor.py --ip 10.0.0.2`.
/// An interpreter is named with its script (or `-m module`); anything else
/// by its file name.
pub fn student_name(argv: &[String]) -> String {
    let Some(first) = argv.first() else {
        return String::new();
    };
    let prog = bounded(basename(first), MAX_WORD);
    if !is_interpreter(&prog) {
        return prog;
    }
    let mut words = vec![prog];
    let mut rest = argv[1..].iter();
    while let Some(a) = rest.next() {
        if a == "-m" || a == "-c" {
            words.push(a.clone());
            if a == "-m" {
                if let Some(m) = rest.next() {
                    words.push(bounded(m, MAX_WORD));
                }
            }
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            continue;
        }
        words.push(bounded(basename(a), MAX_WORD));
        break;
    }
    bounded(&words.join(" "), MAX_PROG)
}

/// Interpreters a course's programs run in.
fn is_interpreter(name: &str) -> bool {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    matches!(
        stem,
        "python"
            | "pypy"
            | "perl"
            | "ruby"
            | "node"
            | "nodejs"
            | "php"
            | "lua"
            | "java"
            | "sh"
            | "bash"
            | "dash"
            | "zsh"
    )
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// At most `max` characters, NULs and line breaks dropped (they would break
/// a one-line display before any escaping could help).
fn bounded(s: &str, max: usize) -> String {
    s.chars()
        .filter(|&c| c != '\0' && c != '\n' && c != '\r')
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn programs_are_named_as_a_student_would() {
        assert_eq!(
            student_name(&v(&["python3", "servidor.py"])),
            "python3 servidor.py"
        );
        assert_eq!(
            student_name(&v(&[
                "/usr/bin/python3.11",
                "-u",
                "/home/ana/redes/main.py",
                "--ip",
                "10.0.0.2"
            ])),
            "python3.11 main.py"
        );
        assert_eq!(
            student_name(&v(&["python3", "-m", "http.server", "8000"])),
            "python3 -m http.server"
        );
        assert_eq!(student_name(&v(&["python3"])), "python3");
        assert_eq!(student_name(&v(&["/usr/bin/nc", "-l", "5000"])), "nc");
        assert_eq!(
            student_name(&v(&["./target/release/tcp_server"])),
            "tcp_server"
        );
        assert_eq!(student_name(&[]), "");
    }

    #[test]
    fn hostile_command_lines_are_bounded() {
        let long = "x".repeat(10_000);
        let n = student_name(&v(&["python3", &long]));
        assert!(n.chars().count() <= MAX_PROG);
        let n = student_name(&v(&["evil\nname\r\0"]));
        assert_eq!(n, "evilname");
    }

    #[test]
    fn proc_net_lines_give_addresses() {
        let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
           0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 33835 1 0000000000000000 100 0 0 10 0\n\
           1: 0100007F:D040 0100007F:1388 01 00000000:00000000 00:00000000 00000000  1000        0 33840 1 0000000000000000 20 4 30 10 -1\n";
        let l = find_inode(tcp, "33835", Proto::Tcp).unwrap();
        assert_eq!(l.local, "127.0.0.1:5000".parse().unwrap());
        assert!(l.listening);
        let c = find_inode(tcp, "33840", Proto::Tcp).unwrap();
        assert_eq!(c.peer, "127.0.0.1:5000".parse().unwrap());
        assert_eq!(c.local.port(), 0xD040);
        assert!(!c.listening);
        assert_eq!(find_inode(tcp, "1", Proto::Tcp), None);
        let tcp6 = "header\n   0: 00000000000000000000000001000000:1388 00000000000000000000000000000000:0000 0A 0 0 0 0 0 777 1\n";
        let s = find_inode(tcp6, "777", Proto::Tcp).unwrap();
        assert_eq!(s.local, "[::1]:5000".parse().unwrap());
        // Garbage lines are skipped, not trusted.
        assert_eq!(
            find_inode("h\n 0: zz:zz yy 0A 0 0 0 0 0 5\n", "5", Proto::Udp),
            None
        );
    }

    #[test]
    fn a_fake_proc_tree_is_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::create_dir_all(dir.join("42")).unwrap();
        std::fs::create_dir_all(dir.join("43")).unwrap();
        std::fs::write(dir.join("42/cmdline"), b"python3\0cliente.py\0").unwrap();
        std::fs::write(dir.join("43/status"), "Name:\tx\nTgid:\t42\n").unwrap();
        let mut t = ProcTable::at(&dir);
        assert_eq!(t.tgid(43), 42);
        assert_eq!(t.tgid(44), 44, "an unknown thread is its own process");
        assert_eq!(t.prog(42), "python3 cliente.py");
        std::fs::write(dir.join("42/cmdline"), b"nc\0").unwrap();
        assert_eq!(t.prog(42), "python3 cliente.py", "cached");
        t.exec(42, "/usr/bin/nc");
        assert_eq!(t.prog(42), "nc", "re-read after exec");
        assert_eq!(t.prog(99), "?");
        t.exec(99, "/usr/bin/curl");
        assert_eq!(t.prog(99), "curl", "gone: named after the file it ran");
        assert_eq!(t.prog(98), "?");
        std::fs::create_dir_all(dir.join("98")).unwrap();
        std::fs::write(dir.join("98/cmdline"), b"late\0").unwrap();
        assert_eq!(t.prog(98), "?", "a gone process is remembered as unknown");
    }

    #[test]
    fn a_thread_or_child_gone_before_its_calls_are_read_keeps_its_programs_name() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::create_dir_all(dir.join("50")).unwrap();
        std::fs::write(dir.join("50/status"), "Name:\tpython3\nTgid:\t50\n").unwrap();
        std::fs::write(dir.join("50/cmdline"), b"python3\0chat.py\0").unwrap();
        let mut t = ProcTable::at(&dir);
        // Thread 51 and process 60 were made by 50 and are gone from /proc
        // when their records are read.
        t.new_task(50, 51, true);
        t.new_task(50, 60, false);
        assert_eq!(t.tgid(51), 50);
        let pid = t.tgid(51);
        assert_eq!(t.prog(pid), "python3 chat.py");
        assert_eq!(t.tgid(60), 60);
        assert_eq!(
            t.prog(60),
            "python3 chat.py",
            "a child runs its parent's program"
        );
        t.exec(60, "/usr/bin/nc");
        assert_eq!(t.prog(60), "nc", "until it runs another");
        // A pid used again by a new process forgets the old one's name.
        t.new_task(51, 60, false);
        assert_eq!(t.prog(60), "python3 chat.py");
    }
}
