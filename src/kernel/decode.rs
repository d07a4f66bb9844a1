//! The events socklab enables, and their records decoded into typed values.
//!
//! Each event's field positions come from its `format` file, never from a
//! table of offsets compiled in: a kernel that moved a field still works,
//! and one that lacks a field has that event disabled (with the reason),
//! not misread. Pure code.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::format::{EventFormat, Field, FormatError};

/// Which of socklab's two tracing instances an event is enabled in.
///
/// Two instances, because a pid filter (`set_event_pid`) applies to every
/// event of its instance, and the kernel changes a socket's TCP state in
/// whatever task happens to run the network code: on loopback the server's
/// `SYN-RECEIVED -> ESTABLISHED` runs in the *client's* context. So the
/// calls (filtered by pid when following a program) and the TCP states
/// (filtered by port only) live apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// System calls and the send/receive lengths, in the calling process.
    Calls,
    /// TCP state changes, retransmissions and resets, whoever runs them.
    Tcp,
}

impl Role {
    /// The suffix of the instance's name.
    pub fn suffix(self) -> &'static str {
        match self {
            Role::Calls => "calls",
            Role::Tcp => "tcp",
        }
    }
}

/// The socket system calls socklab follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sys {
    Socket,
    Bind,
    Listen,
    Accept,
    Accept4,
    Connect,
    SendTo,
    SendMsg,
    RecvFrom,
    RecvMsg,
    Shutdown,
    Close,
    Read,
    Write,
}

impl Sys {
    /// Every call, in the order a server makes them.
    pub const ALL: [Sys; 14] = [
        Sys::Socket,
        Sys::Bind,
        Sys::Listen,
        Sys::Accept,
        Sys::Accept4,
        Sys::Connect,
        Sys::SendTo,
        Sys::SendMsg,
        Sys::RecvFrom,
        Sys::RecvMsg,
        Sys::Shutdown,
        Sys::Close,
        Sys::Read,
        Sys::Write,
    ];

    /// The system call's name, as in `syscalls/sys_enter_NAME`.
    pub fn name(self) -> &'static str {
        match self {
            Sys::Socket => "socket",
            Sys::Bind => "bind",
            Sys::Listen => "listen",
            Sys::Accept => "accept",
            Sys::Accept4 => "accept4",
            Sys::Connect => "connect",
            Sys::SendTo => "sendto",
            Sys::SendMsg => "sendmsg",
            Sys::RecvFrom => "recvfrom",
            Sys::RecvMsg => "recvmsg",
            Sys::Shutdown => "shutdown",
            Sys::Close => "close",
            Sys::Read => "read",
            Sys::Write => "write",
        }
    }

    /// `read` and `write` are made on every kind of file all the time: they
    /// are followed only for the programs of `-- PROGRAM` (pid filter), and
    /// then only on descriptors above 2. Elsewhere a `write()` on a socket
    /// is still seen, from `sock_send_length`, at the moment it returns.
    pub fn only_when_following(self) -> bool {
        matches!(self, Sys::Read | Sys::Write)
    }

    /// Calls that move data through a socket: the socket layer's own
    /// `sock_send_length` / `sock_recv_length` record their result (bytes
    /// or `-errno`) and the socket, just before they return. Where the
    /// kernel has those events, their `sys_exit_*` records tell nothing
    /// more and are not enabled: two records fewer per send and receive,
    /// and none at all for a followed program's `write()` to a terminal.
    pub fn moves_data(self) -> bool {
        matches!(
            self,
            Sys::SendTo | Sys::SendMsg | Sys::RecvFrom | Sys::RecvMsg | Sys::Read | Sys::Write
        )
    }

    /// The fields of `sys_enter_NAME` read besides `fd`.
    fn args(self) -> [Option<&'static str>; 2] {
        match self {
            Sys::Socket => [Some("family"), Some("type")],
            Sys::SendTo => [Some("len"), Some("addr")],
            Sys::RecvFrom => [Some("size"), Some("addr")],
            Sys::Shutdown => [Some("how"), None],
            Sys::Read | Sys::Write => [Some("count"), None],
            Sys::Listen => [Some("backlog"), None],
            _ => [None, None],
        }
    }
}

/// One event socklab may enable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Wanted {
    Enter(Sys),
    Exit(Sys),
    SetState,
    SendLength,
    RecvLength,
    Retransmit,
    RetransmitSynack,
    SendReset,
    ReceiveReset,
    Exec,
    NewTask,
}

impl Wanted {
    /// Every event, in the order they are enabled.
    pub fn all() -> Vec<Wanted> {
        let mut v: Vec<Wanted> = Sys::ALL
            .iter()
            .flat_map(|&s| [Wanted::Enter(s), Wanted::Exit(s)])
            .collect();
        v.extend([
            Wanted::SendLength,
            Wanted::RecvLength,
            Wanted::Exec,
            Wanted::NewTask,
            Wanted::SetState,
            Wanted::Retransmit,
            Wanted::RetransmitSynack,
            Wanted::SendReset,
            Wanted::ReceiveReset,
        ]);
        v
    }

    /// `syscalls/sys_enter_connect`, `sock/inet_sock_set_state`...
    pub fn path(self) -> String {
        match self {
            Wanted::Enter(s) => format!("syscalls/sys_enter_{}", s.name()),
            Wanted::Exit(s) => format!("syscalls/sys_exit_{}", s.name()),
            Wanted::SetState => "sock/inet_sock_set_state".into(),
            Wanted::SendLength => "sock/sock_send_length".into(),
            Wanted::RecvLength => "sock/sock_recv_length".into(),
            Wanted::Retransmit => "tcp/tcp_retransmit_skb".into(),
            Wanted::RetransmitSynack => "tcp/tcp_retransmit_synack".into(),
            Wanted::SendReset => "tcp/tcp_send_reset".into(),
            Wanted::ReceiveReset => "tcp/tcp_receive_reset".into(),
            Wanted::Exec => "sched/sched_process_exec".into(),
            Wanted::NewTask => "task/task_newtask".into(),
        }
    }

    /// The instance the event is enabled in.
    pub fn role(self) -> Role {
        match self {
            Wanted::Enter(_)
            | Wanted::Exit(_)
            | Wanted::SendLength
            | Wanted::RecvLength
            | Wanted::Exec
            | Wanted::NewTask => Role::Calls,
            _ => Role::Tcp,
        }
    }

    /// `sock_send_length` or `sock_recv_length`: the socket layer's end
    /// of a send or receive.
    pub fn is_length(self) -> bool {
        matches!(self, Wanted::SendLength | Wanted::RecvLength)
    }

    /// Without this event the kernel's view is not worth having.
    pub fn essential(self) -> bool {
        self == Wanted::SetState
    }
}

/// Addresses and ports as an event carries them (local first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tuple {
    pub local: SocketAddr,
    pub peer: SocketAddr,
}

/// A decoded record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    /// `sys_enter_*`: the descriptor and up to two other arguments
    /// (see [`Sys`]'s `args`).
    Enter { sys: Sys, fd: i64, args: [u64; 2] },
    /// `sys_exit_*`: the return value (negative: `-errno`).
    Exit { sys: Sys, ret: i64 },
    /// `inet_sock_set_state`: the kernel's own TCP state change.
    State {
        sk: u64,
        old: i32,
        new: i32,
        protocol: u16,
        tuple: Tuple,
    },
    /// `sock_send_length` / `sock_recv_length`: a send or receive on a
    /// socket finished, in the calling process.
    Length {
        send: bool,
        sk: u64,
        family: u16,
        protocol: u16,
        ret: i32,
    },
    /// `tcp_retransmit_skb` / `tcp_retransmit_synack`.
    Retransmit {
        sk: u64,
        state: Option<i32>,
        synack: bool,
        tuple: Tuple,
    },
    /// `tcp_send_reset` / `tcp_receive_reset`.
    Reset {
        sent: bool,
        sk: u64,
        state: Option<i32>,
        tuple: Option<Tuple>,
    },
    /// `sched_process_exec`: `pid` now runs the program file `filename`
    /// (untrusted, bounded to [`MAX_FILENAME`] bytes).
    Exec { pid: u32, filename: String },
    /// `task_newtask`: the thread that made the record created task `pid`,
    /// a thread of its own process (`thread`, `CLONE_THREAD`) or a new
    /// process.
    NewTask { pid: u32, thread: bool },
}

/// A record with the fields every event has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The task (thread) the event ran in.
    pub tid: u32,
    /// In an interrupt (soft or hard): `tid` is whoever was interrupted,
    /// not the socket's owner.
    pub irq: bool,
    pub ev: Ev,
}

/// `common_flags` bits: hard interrupt, soft interrupt, NMI.
const FLAG_HARDIRQ: u64 = 0x08;
const FLAG_SOFTIRQ: u64 = 0x10;
const FLAG_NMI: u64 = 0x40;

/// `clone_flags` bit: the new task is a thread of the same process.
const CLONE_THREAD: u64 = 0x0001_0000;

const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

/// Why a record could not be decoded.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("a {got}-byte record is shorter than its format ({want} bytes)")]
    Short { got: usize, want: usize },
}

/// Where the fields of one event are.
#[derive(Clone, Debug)]
pub struct Decoder {
    pub wanted: Wanted,
    pub id: u16,
    flags: Field,
    pid: Field,
    layout: Layout,
    /// The record must be at least this long.
    min_len: usize,
}

#[derive(Clone, Debug)]
enum Layout {
    Enter {
        sys: Sys,
        fd: Option<Field>,
        args: [Option<Field>; 2],
    },
    Exit {
        sys: Sys,
        ret: Field,
    },
    State {
        sk: Field,
        old: Field,
        new: Field,
        protocol: Field,
        ports: Ports,
    },
    Length {
        send: bool,
        sk: Field,
        family: Field,
        protocol: Field,
        ret: Field,
    },
    Retransmit {
        sk: Field,
        state: Option<Field>,
        synack: bool,
        ports: Ports,
    },
    SendReset {
        sk: Field,
        state: Field,
        saddr: Field,
        daddr: Field,
    },
    ReceiveReset {
        sk: Field,
        ports: Ports,
    },
    Exec {
        pid: Field,
        filename: Option<Field>,
    },
    NewTask {
        pid: Field,
        clone_flags: Field,
    },
}

/// The address fields shared by the TCP events.
#[derive(Clone, Debug)]
struct Ports {
    sport: Field,
    dport: Field,
    family: Field,
    saddr: Field,
    daddr: Field,
    saddr6: Field,
    daddr6: Field,
}

impl Ports {
    fn from(f: &EventFormat) -> Result<Ports, FormatError> {
        Ok(Ports {
            sport: f.sized("sport", 2)?,
            dport: f.sized("dport", 2)?,
            family: f.sized("family", 2)?,
            saddr: f.sized("saddr", 4)?,
            daddr: f.sized("daddr", 4)?,
            saddr6: f.sized("saddr_v6", 16)?,
            daddr6: f.sized("daddr_v6", 16)?,
        })
    }

    fn fields(&self) -> Vec<&Field> {
        vec![
            &self.sport,
            &self.dport,
            &self.family,
            &self.saddr,
            &self.daddr,
            &self.saddr6,
            &self.daddr6,
        ]
    }

    fn tuple(&self, d: &[u8]) -> Tuple {
        let family = uint(d, &self.family) as u16;
        let (sport, dport) = (uint(d, &self.sport) as u16, uint(d, &self.dport) as u16);
        let (s, p) = if family == AF_INET6 {
            (
                IpAddr::V6(Ipv6Addr::from(bytes16(d, &self.saddr6))),
                IpAddr::V6(Ipv6Addr::from(bytes16(d, &self.daddr6))),
            )
        } else {
            (
                IpAddr::V4(Ipv4Addr::from(bytes4(d, &self.saddr))),
                IpAddr::V4(Ipv4Addr::from(bytes4(d, &self.daddr))),
            )
        };
        Tuple {
            local: SocketAddr::new(s, sport),
            peer: SocketAddr::new(p, dport),
        }
    }
}

impl Decoder {
    /// Check `format` has what `wanted` needs and remember where it is.
    pub fn new(wanted: Wanted, format: &EventFormat) -> Result<Decoder, FormatError> {
        let f = format;
        let word = |name: &str| f.sized(name, 8);
        let int = |name: &str| f.sized(name, 4);
        let layout = match wanted {
            Wanted::Enter(sys) => {
                let fd = if sys == Sys::Socket {
                    None
                } else {
                    Some(word("fd")?)
                };
                let [a, b] = sys.args();
                Layout::Enter {
                    sys,
                    fd,
                    args: [a.map(word).transpose()?, b.map(word).transpose()?],
                }
            }
            Wanted::Exit(sys) => Layout::Exit {
                sys,
                ret: word("ret")?,
            },
            Wanted::SetState => Layout::State {
                sk: word("skaddr")?,
                old: int("oldstate")?,
                new: int("newstate")?,
                protocol: f.sized("protocol", 2)?,
                ports: Ports::from(f)?,
            },
            Wanted::SendLength | Wanted::RecvLength => Layout::Length {
                send: wanted == Wanted::SendLength,
                sk: word("sk")?,
                family: f.sized("family", 2)?,
                protocol: f.sized("protocol", 2)?,
                ret: int("ret")?,
            },
            Wanted::Retransmit => Layout::Retransmit {
                sk: word("skaddr")?,
                state: Some(int("state")?),
                synack: false,
                ports: Ports::from(f)?,
            },
            Wanted::RetransmitSynack => Layout::Retransmit {
                sk: word("skaddr")?,
                state: None,
                synack: true,
                ports: Ports::from(f)?,
            },
            Wanted::SendReset => Layout::SendReset {
                sk: word("skaddr")?,
                state: int("state")?,
                saddr: f.sized("saddr", 28)?,
                daddr: f.sized("daddr", 28)?,
            },
            Wanted::ReceiveReset => Layout::ReceiveReset {
                sk: word("skaddr")?,
                ports: Ports::from(f)?,
            },
            Wanted::Exec => Layout::Exec {
                pid: int("pid")?,
                filename: f
                    .field("filename")
                    .filter(|x| x.data_loc && x.size == 4)
                    .cloned(),
            },
            Wanted::NewTask => Layout::NewTask {
                pid: int("pid")?,
                clone_flags: word("clone_flags")?,
            },
        };
        let flags = f.sized("common_flags", 1)?;
        let pid = f.sized("common_pid", 4)?;
        let mut fields: Vec<&Field> = vec![&flags, &pid];
        match &layout {
            Layout::Enter { fd, args, .. } => {
                fields.extend(fd.iter());
                fields.extend(args.iter().flatten());
            }
            Layout::Exit { ret, .. } => fields.push(ret),
            Layout::State {
                sk,
                old,
                new,
                protocol,
                ports,
            } => {
                fields.extend([sk, old, new, protocol]);
                fields.extend(ports.fields());
            }
            Layout::Length {
                sk,
                family,
                protocol,
                ret,
                ..
            } => fields.extend([sk, family, protocol, ret]),
            Layout::Retransmit {
                sk, state, ports, ..
            } => {
                fields.push(sk);
                fields.extend(state.iter());
                fields.extend(ports.fields());
            }
            Layout::SendReset {
                sk,
                state,
                saddr,
                daddr,
            } => fields.extend([sk, state, saddr, daddr]),
            Layout::ReceiveReset { sk, ports } => {
                fields.push(sk);
                fields.extend(ports.fields());
            }
            Layout::Exec { pid, filename } => {
                fields.push(pid);
                fields.extend(filename.iter());
            }
            Layout::NewTask { pid, clone_flags } => fields.extend([pid, clone_flags]),
        }
        let min_len = fields.iter().map(|f| f.offset + f.size).max().unwrap_or(0);
        Ok(Decoder {
            wanted,
            id: format.id,
            flags,
            pid,
            layout,
            min_len,
        })
    }

    /// Decode one record (which starts with `common_type`).
    pub fn decode(&self, d: &[u8]) -> Result<Decoded, DecodeError> {
        if d.len() < self.min_len {
            return Err(DecodeError::Short {
                got: d.len(),
                want: self.min_len,
            });
        }
        let flags = uint(d, &self.flags);
        let tid = uint(d, &self.pid) as u32;
        let ev = match &self.layout {
            Layout::Enter { sys, fd, args } => Ev::Enter {
                sys: *sys,
                // The kernel stores each argument as a full register.
                fd: fd.as_ref().map_or(-1, |f| uint(d, f) as i64),
                args: [
                    args[0].as_ref().map_or(0, |f| uint(d, f)),
                    args[1].as_ref().map_or(0, |f| uint(d, f)),
                ],
            },
            Layout::Exit { sys, ret } => Ev::Exit {
                sys: *sys,
                ret: uint(d, ret) as i64,
            },
            Layout::State {
                sk,
                old,
                new,
                protocol,
                ports,
            } => Ev::State {
                sk: uint(d, sk),
                old: uint(d, old) as u32 as i32,
                new: uint(d, new) as u32 as i32,
                protocol: uint(d, protocol) as u16,
                tuple: ports.tuple(d),
            },
            Layout::Length {
                send,
                sk,
                family,
                protocol,
                ret,
            } => Ev::Length {
                send: *send,
                sk: uint(d, sk),
                family: uint(d, family) as u16,
                protocol: uint(d, protocol) as u16,
                ret: uint(d, ret) as u32 as i32,
            },
            Layout::Retransmit {
                sk,
                state,
                synack,
                ports,
            } => Ev::Retransmit {
                sk: uint(d, sk),
                state: state.as_ref().map(|f| uint(d, f) as u32 as i32),
                synack: *synack,
                tuple: ports.tuple(d),
            },
            Layout::SendReset {
                sk,
                state,
                saddr,
                daddr,
            } => {
                let local = sockaddr(field_bytes(d, saddr));
                let peer = sockaddr(field_bytes(d, daddr));
                Ev::Reset {
                    sent: true,
                    sk: uint(d, sk),
                    state: Some(uint(d, state) as u32 as i32).filter(|&s| s != 0),
                    tuple: local.zip(peer).map(|(local, peer)| Tuple { local, peer }),
                }
            }
            Layout::ReceiveReset { sk, ports } => Ev::Reset {
                sent: false,
                sk: uint(d, sk),
                state: None,
                tuple: Some(ports.tuple(d)),
            },
            Layout::Exec { pid, filename } => Ev::Exec {
                pid: uint(d, pid) as u32,
                filename: filename
                    .as_ref()
                    .map(|f| data_loc_str(d, f))
                    .unwrap_or_default(),
            },
            Layout::NewTask { pid, clone_flags } => Ev::NewTask {
                pid: uint(d, pid) as u32,
                thread: uint(d, clone_flags) & CLONE_THREAD != 0,
            },
        };
        Ok(Decoded {
            tid,
            irq: flags & (FLAG_HARDIRQ | FLAG_SOFTIRQ | FLAG_NMI) != 0,
            ev,
        })
    }
}

/// Longest exec file name kept.
pub const MAX_FILENAME: usize = 256;

/// A `__data_loc` string: the u32 field holds its length (high half) and
/// its offset in the record (low half). Checked against the record.
fn data_loc_str(d: &[u8], f: &Field) -> String {
    let loc = uint(d, f) as u32;
    let (off, len) = ((loc & 0xffff) as usize, (loc >> 16) as usize);
    let Some(b) = d.get(off..off.saturating_add(len)) else {
        return String::new();
    };
    let b = b.split(|&c| c == 0).next().unwrap_or(&[]);
    String::from_utf8_lossy(&b[..b.len().min(MAX_FILENAME)]).into_owned()
}

/// The `common_type` of a record: which event it is.
pub fn record_id(d: &[u8]) -> Option<u16> {
    Some(u16::from_ne_bytes(d.get(0..2)?.try_into().ok()?))
}

fn field_bytes<'a>(d: &'a [u8], f: &Field) -> &'a [u8] {
    d.get(f.offset..f.offset + f.size).unwrap_or(&[])
}

/// An unsigned integer field of 1, 2, 4 or 8 bytes (native byte order, as
/// the ring buffer stores it). Callers checked the record's length.
fn uint(d: &[u8], f: &Field) -> u64 {
    let b = field_bytes(d, f);
    match b.len() {
        1 => u64::from(b[0]),
        2 => u64::from(u16::from_ne_bytes([b[0], b[1]])),
        4 => u64::from(u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        8 => u64::from_ne_bytes(b.try_into().unwrap_or([0; 8])),
        _ => 0,
    }
}

fn bytes4(d: &[u8], f: &Field) -> [u8; 4] {
    field_bytes(d, f).try_into().unwrap_or([0; 4])
}

fn bytes16(d: &[u8], f: &Field) -> [u8; 16] {
    field_bytes(d, f).try_into().unwrap_or([0; 16])
}

/// A `struct sockaddr_in` / `sockaddr_in6` as the kernel copies it into
/// `tcp_send_reset` (28 bytes; family in host order, port in network order).
fn sockaddr(b: &[u8]) -> Option<SocketAddr> {
    let family = u16::from_ne_bytes(b.get(0..2)?.try_into().ok()?);
    let port = u16::from_be_bytes(b.get(2..4)?.try_into().ok()?);
    match family {
        AF_INET => {
            let a: [u8; 4] = b.get(4..8)?.try_into().ok()?;
            Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::from(a)), port))
        }
        AF_INET6 => {
            let a: [u8; 16] = b.get(8..24)?.try_into().ok()?;
            Some(SocketAddr::new(IpAddr::V6(Ipv6Addr::from(a)), port))
        }
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Real formats of Linux 6.18 (fields only), for the tests here and in
    /// the joiner.
    pub fn format(wanted: Wanted) -> EventFormat {
        let common = "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
            \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n\
            \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n\
            \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n";
        let tcp_addrs = |at: usize| {
            format!(
                "\tfield:__u16 sport;\toffset:{};\tsize:2;\tsigned:0;\n\
                 \tfield:__u16 dport;\toffset:{};\tsize:2;\tsigned:0;\n\
                 \tfield:__u16 family;\toffset:{};\tsize:2;\tsigned:0;\n\
                 \tfield:__u8 saddr[4];\toffset:{};\tsize:4;\tsigned:0;\n\
                 \tfield:__u8 daddr[4];\toffset:{};\tsize:4;\tsigned:0;\n\
                 \tfield:__u8 saddr_v6[16];\toffset:{};\tsize:16;\tsigned:0;\n\
                 \tfield:__u8 daddr_v6[16];\toffset:{};\tsize:16;\tsigned:0;\n",
                at,
                at + 2,
                at + 4,
                at + 6,
                at + 10,
                at + 14,
                at + 30
            )
        };
        let (id, body) = match wanted {
            Wanted::Enter(sys) => {
                let mut b =
                    "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n".to_string();
                let mut names: Vec<&str> = Vec::new();
                if sys != Sys::Socket {
                    names.push("fd");
                }
                names.extend(sys.args().iter().flatten());
                for (i, n) in names.iter().enumerate() {
                    b += &format!(
                        "\tfield:long {n};\toffset:{};\tsize:8;\tsigned:0;\n",
                        16 + 8 * i
                    );
                }
                (100 + sys as u16 * 2, b)
            }
            Wanted::Exit(sys) => (
                101 + sys as u16 * 2,
                "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\
                 \tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n"
                    .to_string(),
            ),
            Wanted::SetState => (
                2287,
                "\tfield:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;\n\
                 \tfield:int oldstate;\toffset:16;\tsize:4;\tsigned:1;\n\
                 \tfield:int newstate;\toffset:20;\tsize:4;\tsigned:1;\n\
                 \tfield:__u16 sport;\toffset:24;\tsize:2;\tsigned:0;\n\
                 \tfield:__u16 dport;\toffset:26;\tsize:2;\tsigned:0;\n\
                 \tfield:__u16 family;\toffset:28;\tsize:2;\tsigned:0;\n\
                 \tfield:__u16 protocol;\toffset:30;\tsize:2;\tsigned:0;\n\
                 \tfield:__u8 saddr[4];\toffset:32;\tsize:4;\tsigned:0;\n\
                 \tfield:__u8 daddr[4];\toffset:36;\tsize:4;\tsigned:0;\n\
                 \tfield:__u8 saddr_v6[16];\toffset:40;\tsize:16;\tsigned:0;\n\
                 \tfield:__u8 daddr_v6[16];\toffset:56;\tsize:16;\tsigned:0;\n"
                    .to_string(),
            ),
            Wanted::SendLength | Wanted::RecvLength => (
                if wanted == Wanted::SendLength {
                    2284
                } else {
                    2283
                },
                "\tfield:void * sk;\toffset:8;\tsize:8;\tsigned:0;\n\
                 \tfield:__u16 family;\toffset:16;\tsize:2;\tsigned:0;\n\
                 \tfield:__u16 protocol;\toffset:18;\tsize:2;\tsigned:0;\n\
                 \tfield:int ret;\toffset:20;\tsize:4;\tsigned:1;\n\
                 \tfield:int flags;\toffset:24;\tsize:4;\tsigned:1;\n"
                    .to_string(),
            ),
            Wanted::Retransmit => (
                2281,
                format!(
                    "\tfield:const void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n\
                     \tfield:const void * skaddr;\toffset:16;\tsize:8;\tsigned:0;\n\
                     \tfield:int state;\toffset:24;\tsize:4;\tsigned:1;\n{}",
                    tcp_addrs(28)
                ),
            ),
            Wanted::RetransmitSynack => (
                2282,
                format!(
                    "\tfield:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;\n\
                     \tfield:const void * req;\toffset:16;\tsize:8;\tsigned:0;\n{}",
                    tcp_addrs(24)
                ),
            ),
            Wanted::SendReset => (
                2280,
                "\tfield:const void * skbaddr;\toffset:8;\tsize:8;\tsigned:0;\n\
                 \tfield:const void * skaddr;\toffset:16;\tsize:8;\tsigned:0;\n\
                 \tfield:int state;\toffset:24;\tsize:4;\tsigned:1;\n\
                 \tfield:enum sk_rst_reason reason;\toffset:28;\tsize:4;\tsigned:0;\n\
                 \tfield:__u8 saddr[28];\toffset:32;\tsize:28;\tsigned:0;\n\
                 \tfield:__u8 daddr[28];\toffset:60;\tsize:28;\tsigned:0;\n"
                    .to_string(),
            ),
            Wanted::ReceiveReset => (
                2279,
                format!(
                    "\tfield:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;\n{}\
                     \tfield:__u64 sock_cookie;\toffset:64;\tsize:8;\tsigned:0;\n",
                    tcp_addrs(16)
                ),
            ),
            Wanted::Exec => (
                310,
                "\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n\
                 \tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n\
                 \tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
                    .to_string(),
            ),
            Wanted::NewTask => (
                205,
                "\tfield:pid_t pid;\toffset:8;\tsize:4;\tsigned:1;\n\
                 \tfield:char comm[16];\toffset:12;\tsize:16;\tsigned:0;\n\
                 \tfield:u64 clone_flags;\toffset:32;\tsize:8;\tsigned:0;\n\
                 \tfield:short oom_score_adj;\toffset:40;\tsize:2;\tsigned:1;\n"
                    .to_string(),
            ),
        };
        EventFormat::parse(&format!("name: x\nID: {id}\nformat:\n{common}\n{body}")).unwrap()
    }

    /// Write a record for `wanted` from (field, value) pairs.
    pub fn record(wanted: Wanted, tid: u32, irq: bool, values: &[(&str, &[u8])]) -> Vec<u8> {
        let f = format(wanted);
        let len = f.fields.iter().map(|x| x.offset + x.size).max().unwrap();
        let mut d = vec![0u8; len];
        d[0..2].copy_from_slice(&f.id.to_ne_bytes());
        d[2] = if irq { 0x10 } else { 0 };
        d[4..8].copy_from_slice(&tid.to_ne_bytes());
        for (name, v) in values {
            let fl = f.field(name).unwrap_or_else(|| panic!("no field {name}"));
            d[fl.offset..fl.offset + v.len()].copy_from_slice(v);
        }
        d
    }

    #[test]
    fn decodes_a_state_change_with_its_addresses() {
        let dec = Decoder::new(Wanted::SetState, &format(Wanted::SetState)).unwrap();
        let d = record(
            Wanted::SetState,
            4312,
            true,
            &[
                ("skaddr", &0xffff_8881_0889_e5c0u64.to_ne_bytes()),
                ("oldstate", &7i32.to_ne_bytes()),
                ("newstate", &2i32.to_ne_bytes()),
                ("sport", &53312u16.to_ne_bytes()),
                ("dport", &5000u16.to_ne_bytes()),
                ("family", &2u16.to_ne_bytes()),
                ("protocol", &6u16.to_ne_bytes()),
                ("saddr", &[127, 0, 0, 1]),
                ("daddr", &[127, 0, 0, 2]),
            ],
        );
        let got = dec.decode(&d).unwrap();
        assert_eq!(got.tid, 4312);
        assert!(got.irq);
        assert_eq!(
            got.ev,
            Ev::State {
                sk: 0xffff_8881_0889_e5c0,
                old: 7,
                new: 2,
                protocol: 6,
                tuple: Tuple {
                    local: "127.0.0.1:53312".parse().unwrap(),
                    peer: "127.0.0.2:5000".parse().unwrap(),
                },
            }
        );
        assert_eq!(record_id(&d), Some(2287));
        assert!(matches!(
            dec.decode(&d[..20]),
            Err(DecodeError::Short { .. })
        ));
    }

    #[test]
    fn ipv6_addresses_come_from_the_v6_fields() {
        let dec = Decoder::new(Wanted::ReceiveReset, &format(Wanted::ReceiveReset)).unwrap();
        let one: [u8; 16] = "::1".parse::<Ipv6Addr>().unwrap().octets();
        let d = record(
            Wanted::ReceiveReset,
            1,
            false,
            &[
                ("sport", &40000u16.to_ne_bytes()),
                ("dport", &5000u16.to_ne_bytes()),
                ("family", &10u16.to_ne_bytes()),
                ("saddr_v6", &one),
                ("daddr_v6", &one),
            ],
        );
        let Ev::Reset { sent, tuple, .. } = dec.decode(&d).unwrap().ev else {
            panic!("not a reset")
        };
        assert!(!sent);
        assert_eq!(tuple.unwrap().local, "[::1]:40000".parse().unwrap());
    }

    #[test]
    fn send_reset_reads_its_sockaddrs() {
        let dec = Decoder::new(Wanted::SendReset, &format(Wanted::SendReset)).unwrap();
        let mut s = [0u8; 28];
        s[0..2].copy_from_slice(&2u16.to_ne_bytes());
        s[2..4].copy_from_slice(&5000u16.to_be_bytes());
        s[4..8].copy_from_slice(&[127, 0, 0, 1]);
        let mut p = s;
        p[2..4].copy_from_slice(&41000u16.to_be_bytes());
        let d = record(
            Wanted::SendReset,
            9,
            false,
            &[("saddr", &s), ("daddr", &p), ("state", &1i32.to_ne_bytes())],
        );
        let Ev::Reset {
            sent, state, tuple, ..
        } = dec.decode(&d).unwrap().ev
        else {
            panic!("not a reset")
        };
        assert!(sent);
        assert_eq!(state, Some(1));
        let t = tuple.unwrap();
        assert_eq!(t.local, "127.0.0.1:5000".parse().unwrap());
        assert_eq!(t.peer, "127.0.0.1:41000".parse().unwrap());
    }

    #[test]
    fn a_format_missing_a_field_is_refused_with_its_name() {
        let mut f = format(Wanted::SetState);
        f.fields.retain(|x| x.name != "skaddr");
        let e = Decoder::new(Wanted::SetState, &f).unwrap_err();
        assert_eq!(e.to_string(), "the format has no field `skaddr`");
    }

    #[test]
    fn syscall_arguments_are_read_by_name() {
        let w = Wanted::Enter(Sys::Shutdown);
        let dec = Decoder::new(w, &format(w)).unwrap();
        let d = record(
            w,
            77,
            false,
            &[("fd", &3u64.to_ne_bytes()), ("how", &1u64.to_ne_bytes())],
        );
        assert_eq!(
            dec.decode(&d).unwrap().ev,
            Ev::Enter {
                sys: Sys::Shutdown,
                fd: 3,
                args: [1, 0]
            }
        );
        let w = Wanted::Exit(Sys::Connect);
        let dec = Decoder::new(w, &format(w)).unwrap();
        let d = record(w, 77, false, &[("ret", &(-111i64).to_ne_bytes())]);
        assert_eq!(
            dec.decode(&d).unwrap().ev,
            Ev::Exit {
                sys: Sys::Connect,
                ret: -111
            }
        );
    }

    #[test]
    fn exec_records_carry_their_file_name() {
        let w = Wanted::Exec;
        let dec = Decoder::new(w, &format(w)).unwrap();
        let mut d = record(w, 42, false, &[("pid", &42i32.to_ne_bytes())]);
        let name = b"/usr/bin/python3\0";
        let loc = ((name.len() as u32) << 16) | d.len() as u32;
        d[8..12].copy_from_slice(&loc.to_ne_bytes());
        d.extend_from_slice(name);
        assert_eq!(
            dec.decode(&d).unwrap().ev,
            Ev::Exec {
                pid: 42,
                filename: "/usr/bin/python3".into()
            }
        );
        // A location outside the record is an empty name, not a panic.
        d[8..12].copy_from_slice(&(u32::MAX).to_ne_bytes());
        assert_eq!(
            dec.decode(&d).unwrap().ev,
            Ev::Exec {
                pid: 42,
                filename: String::new()
            }
        );
    }

    #[test]
    fn new_task_records_say_whether_a_thread_was_made() {
        let w = Wanted::NewTask;
        let dec = Decoder::new(w, &format(w)).unwrap();
        for (flags, thread) in [(0x003d_0f00u64, true), (0x0120_0011, false)] {
            let d = record(
                w,
                42,
                false,
                &[
                    ("pid", &4243i32.to_ne_bytes()),
                    ("clone_flags", &flags.to_ne_bytes()),
                ],
            );
            let got = dec.decode(&d).unwrap();
            assert_eq!(got.tid, 42);
            assert_eq!(got.ev, Ev::NewTask { pid: 4243, thread });
        }
    }

    #[test]
    fn every_wanted_event_has_a_test_format() {
        for w in Wanted::all() {
            Decoder::new(w, &format(w)).unwrap_or_else(|e| panic!("{w:?}: {e}"));
        }
    }

    #[test]
    fn mutated_records_never_panic() {
        let mut rng = 0x1234_5678_9abc_def1u64;
        for w in Wanted::all() {
            let dec = Decoder::new(w, &format(w)).unwrap();
            let base = record(w, 5, false, &[]);
            for i in 0..300 {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let mut d = base.clone();
                for b in d.iter_mut() {
                    if rng % 3 == 0 {
                        *b = (rng >> 8) as u8;
                    }
                    rng = rng.rotate_left(5);
                }
                let cut = if i % 5 == 0 {
                    i % (d.len() + 1)
                } else {
                    d.len()
                };
                let _ = dec.decode(&d[..cut]);
            }
        }
    }
}
