//! The join on hand-made record sequences, modelled on what Linux 6.18
//! records for a Python client and server on loopback.

use std::collections::HashMap;

use super::*;

const CLIENT: u32 = 4318;
const SERVER: u32 = 4312;
const ME: u32 = 1;

#[derive(Default)]
struct FakeProcs {
    names: HashMap<u32, String>,
    sockets: HashMap<(u32, i32), ProcSocket>,
    execs: Vec<u32>,
    new_tasks: Vec<(u32, u32, bool)>,
    lookups: u32,
}

impl Procs for FakeProcs {
    fn tgid(&mut self, tid: u32) -> u32 {
        // Threads 10_000 + n belong to process n.
        if tid > 10_000 {
            tid - 10_000
        } else {
            tid
        }
    }
    fn prog(&mut self, pid: u32) -> String {
        self.names
            .get(&pid)
            .cloned()
            .unwrap_or_else(|| format!("prog{pid}"))
    }
    fn exec(&mut self, pid: u32, _filename: &str) {
        self.execs.push(pid);
        self.names.insert(pid, "after-exec".into());
    }
    fn new_task(&mut self, parent: u32, child: u32, thread: bool) {
        self.new_tasks.push((parent, child, thread));
    }
    fn fd_socket(&mut self, pid: u32, fd: i32) -> Option<ProcSocket> {
        self.lookups += 1;
        self.sockets.get(&(pid, fd)).copied()
    }
}

/// A sequence of records with times 1 µs apart.
struct Script {
    j: Joiner<FakeProcs>,
    t: u64,
    /// As the tracer does where the kernel has the send and receive
    /// lengths: the exits of the calls that move data are never recorded.
    lengths_end_calls: bool,
}

fn a(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

const SRV: &str = "127.0.0.1:5000";
const CLI: &str = "127.0.0.1:53312";
const ANY: &str = "0.0.0.0:0";

// Kernel socket pointers.
const LISTENER: u64 = 0xffff_8881_0495_dc80;
const CSOCK: u64 = 0xffff_8881_0889_e5c0;
const CHILD: u64 = 0xffff_8881_0889_ef00;

impl Script {
    fn new(ports: Vec<u16>) -> Script {
        let mut procs = FakeProcs::default();
        procs.names.insert(SERVER, "python3 servidor.py".into());
        procs.names.insert(CLIENT, "python3 cliente.py".into());
        Script {
            j: Joiner::new(procs, ME, ports),
            t: 1_000_000,
            lengths_end_calls: false,
        }
    }
    /// A script whose data calls end at their length record.
    fn lengths_end_calls(ports: Vec<u16>) -> Script {
        let mut s = Script::new(ports);
        s.lengths_end_calls = true;
        s.j.set_lengths_end_calls(true);
        s
    }
    fn push(&mut self, role: Role, tid: u32, irq: bool, ev: Ev) -> &mut Self {
        self.t += 1;
        self.j.push(Input {
            t: Duration::from_micros(self.t),
            role,
            rec: Decoded { tid, irq, ev },
        });
        self
    }
    fn enter(&mut self, tid: u32, sys: Sys, fd: i64, args: [u64; 2]) -> &mut Self {
        self.push(Role::Calls, tid, false, Ev::Enter { sys, fd, args })
    }
    fn exit(&mut self, tid: u32, sys: Sys, ret: i64) -> &mut Self {
        if self.lengths_end_calls && sys.moves_data() {
            // Not enabled: the time passes all the same.
            self.t += 1;
            return self;
        }
        self.push(Role::Calls, tid, false, Ev::Exit { sys, ret })
    }
    fn call(&mut self, tid: u32, sys: Sys, fd: i64, args: [u64; 2], ret: i64) -> &mut Self {
        self.enter(tid, sys, fd, args).exit(tid, sys, ret)
    }
    #[allow(clippy::too_many_arguments)]
    fn state(
        &mut self,
        tid: u32,
        irq: bool,
        sk: u64,
        old: i32,
        new: i32,
        l: &str,
        p: &str,
    ) -> &mut Self {
        self.push(
            Role::Tcp,
            tid,
            irq,
            Ev::State {
                sk,
                old,
                new,
                protocol: IPPROTO_TCP,
                tuple: Tuple {
                    local: a(l),
                    peer: a(p),
                },
            },
        )
    }
    fn len(&mut self, tid: u32, send: bool, sk: u64, protocol: u16, ret: i32) -> &mut Self {
        self.push(
            Role::Calls,
            tid,
            false,
            Ev::Length {
                send,
                sk,
                family: AF_INET,
                protocol,
                ret,
            },
        )
    }
    /// `tid`'s connect() on fd 3 entering, and the kernel moving socket `sk`
    /// to SYN-SENT (its port not chosen yet).
    fn syn_sent(&mut self, tid: u32, sk: u64) -> &mut Self {
        self.enter(tid, Sys::Connect, 3, [0, 0]).state(
            tid,
            false,
            sk,
            TCP_CLOSE,
            TCP_SYN_SENT,
            "127.0.0.1:0",
            SRV,
        )
    }

    /// The client: socket() as fd 3, connect() to the server, established.
    fn connected_client(&mut self) -> &mut Self {
        self.call(CLIENT, Sys::Socket, -1, [AF_INET as u64, SOCK_STREAM], 3)
            .syn_sent(CLIENT, CSOCK)
            .state(CLIENT, true, CSOCK, TCP_SYN_SENT, TCP_ESTABLISHED, CLI, SRV)
            .exit(CLIENT, Sys::Connect, 0)
    }

    fn facts(&mut self) -> Vec<KernelFact> {
        self.j.finish();
        self.j.drain().collect()
    }
}

fn calls(facts: &[KernelFact]) -> Vec<&Call> {
    facts
        .iter()
        .filter_map(|f| match f {
            KernelFact::Call(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn states(facts: &[KernelFact]) -> Vec<&StateChange> {
    facts
        .iter()
        .filter_map(|f| match f {
            KernelFact::State(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn find<'a>(facts: &'a [KernelFact], pid: u32, kind: &str, phase: Phase) -> &'a Call {
    calls(facts)
        .into_iter()
        .find(|c| c.pid == pid && c.call.name() == kind && c.phase == phase)
        .unwrap_or_else(|| panic!("no {kind} {phase:?} of {pid} in {facts:#?}"))
}

/// The server starts, the client connects, sends "hello", gets it back,
/// half-closes; the server closes. As recorded on Linux 6.18.
fn conversation(s: &mut Script) {
    let stream = [AF_INET as u64, SOCK_STREAM | 0x80000];
    s.call(SERVER, Sys::Socket, -1, stream, 3)
        .call(SERVER, Sys::Bind, 3, [0, 0], 0)
        .enter(SERVER, Sys::Listen, 3, [5, 0])
        .state(SERVER, false, LISTENER, TCP_CLOSE, TCP_LISTEN, SRV, ANY)
        .exit(SERVER, Sys::Listen, 0)
        .enter(SERVER, Sys::Accept4, 3, [0, 0])
        .call(CLIENT, Sys::Socket, -1, stream, 3)
        .enter(CLIENT, Sys::Connect, 3, [0, 0])
        // The port is chosen after the state change: 0 here.
        .state(
            CLIENT,
            false,
            CSOCK,
            TCP_CLOSE,
            TCP_SYN_SENT,
            "127.0.0.1:0",
            SRV,
        )
        .state(CLIENT, true, CSOCK, TCP_SYN_SENT, TCP_ESTABLISHED, CLI, SRV)
        // The server's side runs in the client's soft interrupt.
        .state(CLIENT, true, CHILD, TCP_LISTEN, TCP_SYN_RECV, SRV, CLI)
        .state(CLIENT, true, CHILD, TCP_SYN_RECV, TCP_ESTABLISHED, SRV, CLI)
        .exit(CLIENT, Sys::Connect, 0)
        .exit(SERVER, Sys::Accept4, 4)
        .enter(SERVER, Sys::RecvFrom, 4, [1024, 0])
        .enter(CLIENT, Sys::SendTo, 3, [5, 0])
        .len(CLIENT, true, CSOCK, IPPROTO_TCP, 5)
        .exit(CLIENT, Sys::SendTo, 5)
        .len(SERVER, false, CHILD, IPPROTO_TCP, 5)
        .exit(SERVER, Sys::RecvFrom, 5)
        .enter(CLIENT, Sys::Shutdown, 3, [1, 0])
        .state(CLIENT, false, CSOCK, TCP_ESTABLISHED, 4, CLI, SRV)
        .state(CLIENT, true, CHILD, TCP_ESTABLISHED, 8, SRV, CLI)
        .exit(CLIENT, Sys::Shutdown, 0)
        .enter(SERVER, Sys::Close, 4, [0, 0])
        .state(SERVER, false, CHILD, 8, 9, SRV, CLI)
        .state(SERVER, true, CSOCK, 4, 5, CLI, SRV)
        .state(SERVER, true, CSOCK, 5, TCP_CLOSE, CLI, SRV)
        .state(SERVER, false, CHILD, 9, TCP_CLOSE, SRV, CLI)
        .exit(SERVER, Sys::Close, 0);
}

#[test]
fn a_conversation_is_joined_to_its_sockets_and_addresses() {
    let mut s = Script::new(vec![]);
    conversation(&mut s);
    let f = s.facts();

    let connect = find(&f, CLIENT, "connect", Phase::Enter);
    assert_eq!(connect.prog, "python3 cliente.py");
    assert_eq!(connect.peer, Some(a(SRV)));
    assert_eq!(connect.local, None, "no port before the SYN");
    let syn_sent = states(&f)
        .into_iter()
        .find(|x| x.new == SockState::SynSent)
        .unwrap();
    assert_eq!(Some(syn_sent.sock), connect.sock);
    assert!(connect.t < syn_sent.t, "connect() entered before SYN-SENT");
    assert_eq!(syn_sent.pid, Some(CLIENT), "the client's call made it");

    let ret = find(&f, CLIENT, "connect", Phase::Return);
    assert_eq!((ret.local, ret.peer), (Some(a(CLI)), Some(a(SRV))));
    assert_eq!(ret.result, Some(0));

    let accepted = find(&f, SERVER, "accept", Phase::Return);
    assert_eq!(accepted.result, Some(4));
    assert_eq!(accepted.peer, Some(a(CLI)));
    assert_eq!(accepted.fd, Some(3), "made on the listening descriptor");
    let established = states(&f)
        .into_iter()
        .find(|x| x.new == SockState::Established && x.old == SockState::SynReceived)
        .unwrap();
    assert_eq!(Some(established.sock), accepted.sock);
    assert!(established.t < accepted.t, "accept() returned after step 3");
    assert_eq!(established.pid, None, "a soft interrupt is nobody's call");

    let recv = find(&f, SERVER, "recv", Phase::Return);
    assert_eq!((recv.sock, recv.bytes), (accepted.sock, Some(5)));
    let recv_enter = find(&f, SERVER, "recv", Phase::Enter);
    assert_eq!(recv_enter.bytes, Some(1024));
    assert_eq!(recv_enter.sock, accepted.sock, "known from the accept");
    let send = find(&f, CLIENT, "send", Phase::Enter);
    assert_eq!(
        (send.sock, send.bytes, send.syscall),
        (ret.sock, Some(5), "sendto")
    );

    let shut = find(&f, CLIENT, "shutdown", Phase::Enter);
    assert_eq!(shut.call, SocketCall::Shutdown(Some(How::Write)));
    let fin = states(&f)
        .into_iter()
        .find(|x| x.new == SockState::FinWait1)
        .unwrap();
    assert!(shut.t < fin.t);
    assert_eq!(Some(fin.sock), shut.sock);

    let close = find(&f, SERVER, "close", Phase::Enter);
    assert_eq!(close.sock, accepted.sock);
    assert_eq!(close.local, Some(a(SRV)));

    // Every call is on the right socket: the server's listener, its
    // connection, the client's.
    let listen = find(&f, SERVER, "listen", Phase::Return);
    assert_eq!(listen.local, Some(a(SRV)));
    assert_ne!(listen.sock, accepted.sock);
    assert_ne!(accepted.sock, ret.sock);
    let socket = find(&f, CLIENT, "socket", Phase::Return);
    assert_eq!(
        (socket.fd, socket.result, socket.proto),
        (Some(3), Some(3), Some(Proto::Tcp))
    );
}

/// What a user reads of a call or a state change, without its time.
fn seen(f: &KernelFact) -> Option<String> {
    match f {
        KernelFact::Call(c) => Some(format!(
            "{} {} {} {:?} fd {:?} sock {:?} {:?}-{:?} result {:?} errno {:?} bytes {:?}",
            c.prog,
            c.call.name(),
            c.syscall,
            c.phase,
            c.fd,
            c.sock,
            c.local,
            c.peer,
            c.result,
            c.errno,
            c.bytes
        )),
        KernelFact::State(x) => Some(format!("{:?} {:?}->{:?}", x.sock, x.old, x.new)),
        _ => None,
    }
}

#[test]
fn without_the_exits_of_sends_and_receives_their_lengths_tell_the_same_calls() {
    let mut with_exits = Script::new(vec![]);
    conversation(&mut with_exits);
    let mut lengths = Script::lengths_end_calls(vec![]);
    conversation(&mut lengths);
    let a: Vec<String> = with_exits.facts().iter().filter_map(seen).collect();
    let b: Vec<String> = lengths.facts().iter().filter_map(seen).collect();
    assert!(
        a.iter().any(|l| l.contains("recv recvfrom Return")),
        "{a:#?}"
    );
    assert_eq!(a, b);

    // A failed send ends with its error; a receive on a Unix socket (no
    // length: only internet sockets have one) is not a fact, and counts as
    // a call nobody asked about once the thread makes its next call.
    let mut s = Script::lengths_end_calls(vec![]);
    s.connected_client()
        .enter(CLIENT, Sys::SendTo, 3, [5, 0])
        .len(CLIENT, true, CSOCK, IPPROTO_TCP, -32)
        .enter(CLIENT, Sys::RecvFrom, 9, [64, 0])
        .enter(CLIENT, Sys::Close, 3, [0, 0])
        .exit(CLIENT, Sys::Close, 0);
    let f = s.facts();
    let send = find(&f, CLIENT, "send", Phase::Return);
    assert_eq!(
        (send.errno, send.result, send.bytes),
        (Some(32), None, None)
    );
    assert!(!calls(&f).iter().any(|c| c.fd == Some(9)), "{f:#?}");
    assert_eq!(s.j.stats().not_sockets, 1);
    find(&f, CLIENT, "close", Phase::Return);
}

#[test]
fn calls_on_files_are_not_facts_and_our_own_calls_are_ignored() {
    let mut s = Script::new(vec![]);
    s.call(SERVER, Sys::Close, 7, [0, 0], 0)
        .call(SERVER, Sys::Read, 5, [4096, 0], 100)
        .call(ME, Sys::Socket, -1, [AF_INET as u64, SOCK_DGRAM], 9)
        // A Unix socket: socket() with another family is not followed.
        .call(SERVER, Sys::Socket, -1, [1, SOCK_STREAM], 6)
        .call(SERVER, Sys::Connect, 6, [0, 0], 0);
    let f = s.facts();
    assert!(calls(&f).is_empty(), "{f:#?}");
    assert_eq!(s.j.stats().not_sockets, 3);
}

#[test]
fn accept_hands_out_connections_first_in_first_out() {
    let mut s = Script::new(vec![]);
    let stream = [AF_INET as u64, SOCK_STREAM];
    let (c1, c2) = ("127.0.0.1:40001", "127.0.0.1:40002");
    s.call(SERVER, Sys::Socket, -1, stream, 3)
        .enter(SERVER, Sys::Listen, 3, [5, 0])
        .state(
            SERVER,
            false,
            LISTENER,
            TCP_CLOSE,
            TCP_LISTEN,
            "0.0.0.0:5000",
            ANY,
        )
        .exit(SERVER, Sys::Listen, 0)
        // Two clients complete their handshakes before the first accept.
        .state(CLIENT, true, 0xa1, TCP_LISTEN, TCP_SYN_RECV, SRV, c1)
        .state(CLIENT, true, 0xa2, TCP_LISTEN, TCP_SYN_RECV, SRV, c2)
        .state(CLIENT, true, 0xa2, TCP_SYN_RECV, TCP_ESTABLISHED, SRV, c2)
        .state(CLIENT, true, 0xa1, TCP_SYN_RECV, TCP_ESTABLISHED, SRV, c1)
        .call(SERVER, Sys::Accept4, 3, [0, 0], 4)
        .call(SERVER, Sys::Accept4, 3, [0, 0], 5)
        .enter(SERVER, Sys::RecvFrom, 5, [10, 0])
        .len(SERVER, false, 0xa1, IPPROTO_TCP, 3)
        .exit(SERVER, Sys::RecvFrom, 3);
    let f = s.facts();
    let accepts: Vec<&Call> = calls(&f)
        .into_iter()
        .filter(|c| c.call == SocketCall::Accept && c.phase == Phase::Return)
        .collect();
    assert_eq!(
        accepts[0].peer,
        Some(a(c2)),
        "the first to complete is first"
    );
    assert_eq!(accepts[1].peer, Some(a(c1)));
    let recv = find(&f, SERVER, "recv", Phase::Return);
    assert_eq!(recv.sock, accepts[1].sock, "fd 5 is the second accepted");
    assert_eq!(s.j.stats().corrected, 0);
}

#[test]
fn a_listener_from_before_tracing_is_found_in_proc() {
    let mut s = Script::new(vec![]);
    s.j.procs.sockets.insert(
        (SERVER, 3),
        ProcSocket {
            proto: Proto::Tcp,
            local: a(SRV),
            peer: a(ANY),
            listening: true,
        },
    );
    s.enter(SERVER, Sys::Accept, 3, [0, 0])
        .state(CLIENT, true, CHILD, TCP_LISTEN, TCP_SYN_RECV, SRV, CLI)
        .state(CLIENT, true, CHILD, TCP_SYN_RECV, TCP_ESTABLISHED, SRV, CLI)
        .exit(SERVER, Sys::Accept, 4);
    let f = s.facts();
    let enter = find(&f, SERVER, "accept", Phase::Enter);
    assert_eq!(enter.local, Some(a(SRV)));
    let ret = find(&f, SERVER, "accept", Phase::Return);
    assert_eq!(ret.peer, Some(a(CLI)));
    assert!(enter.t < ret.t);
}

#[test]
fn a_reused_kernel_pointer_is_a_new_socket() {
    let mut s = Script::new(vec![]);
    s.connected_client()
        .enter(CLIENT, Sys::Close, 3, [0, 0])
        .state(CLIENT, false, CSOCK, TCP_ESTABLISHED, TCP_CLOSE, CLI, SRV)
        .exit(CLIENT, Sys::Close, 0)
        // The same memory, a new socket on the same descriptor number.
        .call(CLIENT, Sys::Socket, -1, [AF_INET as u64, SOCK_STREAM], 3)
        .syn_sent(CLIENT, CSOCK)
        .exit(CLIENT, Sys::Connect, -111);
    let f = s.facts();
    let connects: Vec<&Call> = calls(&f)
        .into_iter()
        .filter(|c| c.call == SocketCall::Connect && c.phase == Phase::Return)
        .collect();
    assert_eq!(connects.len(), 2);
    assert_ne!(connects[0].sock, connects[1].sock);
    assert_eq!(connects[1].errno, Some(111));
    assert_eq!(connects[1].result, None);
}

#[test]
fn a_refused_connect_tried_again_on_the_same_socket_keeps_its_number() {
    let mut s = Script::new(vec![]);
    s.call(CLIENT, Sys::Socket, -1, [AF_INET as u64, SOCK_STREAM], 3);
    for _ in 0..2 {
        s.syn_sent(CLIENT, CSOCK)
            .state(CLIENT, true, CSOCK, TCP_SYN_SENT, TCP_CLOSE, CLI, SRV)
            .exit(CLIENT, Sys::Connect, -111);
    }
    let f = s.facts();
    let socks: Vec<Option<SockId>> = calls(&f)
        .into_iter()
        .filter(|c| c.call == SocketCall::Connect)
        .map(|c| c.sock)
        .collect();
    assert_eq!(socks.len(), 4);
    assert!(
        socks.iter().all(|x| *x == socks[0] && x.is_some()),
        "{socks:?}"
    );
}

#[test]
fn a_port_filter_holds_calls_until_the_port_is_known() {
    let mut s = Script::new(vec![5000]);
    let stream = [AF_INET as u64, SOCK_STREAM];
    // Another program on port 6000 at the same time.
    s.call(SERVER, Sys::Socket, -1, stream, 3)
        .call(CLIENT, Sys::Socket, -1, stream, 4)
        .call(SERVER, Sys::Bind, 3, [0, 0], 0)
        .call(CLIENT, Sys::Bind, 4, [0, 0], 0)
        .enter(SERVER, Sys::Listen, 3, [5, 0])
        .state(SERVER, false, LISTENER, TCP_CLOSE, TCP_LISTEN, SRV, ANY)
        .exit(SERVER, Sys::Listen, 0)
        .enter(CLIENT, Sys::Listen, 4, [5, 0])
        .state(
            CLIENT,
            false,
            0xbb,
            TCP_CLOSE,
            TCP_LISTEN,
            "127.0.0.1:6000",
            ANY,
        )
        .exit(CLIENT, Sys::Listen, 0)
        .call(CLIENT, Sys::Close, 4, [0, 0], 0);
    let f = s.facts();
    let c = calls(&f);
    assert!(c.iter().all(|c| c.pid == SERVER), "{c:#?}");
    let kinds: Vec<&str> = c.iter().map(|c| c.call.name()).collect();
    assert_eq!(
        kinds,
        ["socket", "socket", "bind", "bind", "listen", "listen"]
    );
    let bind = find(&f, SERVER, "bind", Phase::Return);
    assert_eq!(
        bind.local,
        Some(a(SRV)),
        "the bound address, known from listen"
    );
    let socket = find(&f, SERVER, "socket", Phase::Enter);
    assert_eq!(socket.local, None, "socket() has no address yet");
    assert!(s.j.stats().filtered >= 5);
}

#[test]
fn held_calls_give_up_after_the_hold() {
    let mut s = Script::new(vec![5000]);
    s.call(SERVER, Sys::Socket, -1, [AF_INET as u64, SOCK_STREAM], 3);
    s.j.tick(Duration::from_micros(s.t));
    assert!(s.j.drain().next().is_none(), "held");
    s.j.tick(Duration::from_micros(s.t) + HOLD);
    assert!(s.j.drain().next().is_none(), "unknown port: hidden");
    assert_eq!(s.j.stats().filtered, 2);
    assert!(s.j.procs.lookups >= 1, "asked /proc before giving up");
}

#[test]
fn udp_gets_its_address_from_proc() {
    let mut s = Script::new(vec![]);
    s.j.procs.sockets.insert(
        (SERVER, 3),
        ProcSocket {
            proto: Proto::Udp,
            local: a("0.0.0.0:5000"),
            peer: a(ANY),
            listening: false,
        },
    );
    s.call(SERVER, Sys::Socket, -1, [AF_INET as u64, SOCK_DGRAM], 3)
        .call(SERVER, Sys::Bind, 3, [0, 0], 0)
        .enter(SERVER, Sys::RecvFrom, 3, [65535, 0x7ffd_0000])
        .len(SERVER, false, 0x77, IPPROTO_UDP, 6)
        .exit(SERVER, Sys::RecvFrom, 6);
    let f = s.facts();
    let bind = find(&f, SERVER, "bind", Phase::Return);
    assert_eq!(bind.local, Some(a("0.0.0.0:5000")));
    assert_eq!(bind.proto, Some(Proto::Udp));
    let r = find(&f, SERVER, "recvfrom", Phase::Return);
    assert_eq!((r.bytes, r.local), (Some(6), Some(a("0.0.0.0:5000"))));
    assert_eq!(
        r.sock, bind.sock,
        "the /proc socket took the kernel pointer"
    );
}

#[test]
fn a_udp_connect_after_bind_asks_proc_again_for_the_peer() {
    let mut s = Script::new(vec![]);
    let bound = ProcSocket {
        proto: Proto::Udp,
        local: a("127.0.0.1:5001"),
        peer: a(ANY),
        listening: false,
    };
    s.j.procs.sockets.insert((CLIENT, 3), bound);
    s.call(CLIENT, Sys::Socket, -1, [AF_INET as u64, SOCK_DGRAM], 3)
        .call(CLIENT, Sys::Bind, 3, [0, 0], 0);
    s.j.procs.sockets.insert(
        (CLIENT, 3),
        ProcSocket {
            peer: a("127.0.0.1:5002"),
            ..bound
        },
    );
    s.call(CLIENT, Sys::Connect, 3, [0, 0], 0);
    let f = s.facts();
    let c = find(&f, CLIENT, "connect", Phase::Return);
    assert_eq!(
        (c.local, c.peer),
        (Some(a("127.0.0.1:5001")), Some(a("127.0.0.1:5002")))
    );
    assert_eq!(c.proto, Some(Proto::Udp));
}

#[test]
fn a_write_not_followed_is_still_a_send_when_it_returns() {
    let mut s = Script::new(vec![]);
    s.connected_client()
        .len(CLIENT, true, CSOCK, IPPROTO_TCP, 12);
    let f = s.facts();
    let w = find(&f, CLIENT, "send", Phase::Return);
    assert_eq!((w.syscall, w.bytes, w.fd), ("", Some(12), None));
    assert_eq!((w.local, w.peer), (Some(a(CLI)), Some(a(SRV))));
}

#[test]
fn a_soft_interrupt_never_teaches_a_descriptor() {
    let mut s = Script::new(vec![]);
    // The server is in close(fd 9, a file) when a soft interrupt changes
    // the client's state in its context: that is not fd 9's socket.
    s.enter(SERVER, Sys::Close, 9, [0, 0])
        .state(SERVER, true, CSOCK, TCP_SYN_SENT, TCP_ESTABLISHED, CLI, SRV)
        .exit(SERVER, Sys::Close, 0);
    let f = s.facts();
    assert!(calls(&f).is_empty());
    assert_eq!(states(&f).len(), 1);
    assert_eq!(states(&f)[0].pid, None);
}

#[test]
fn exec_forgets_the_name_and_resets_are_reported() {
    let mut s = Script::new(vec![]);
    s.push(
        Role::Calls,
        SERVER,
        false,
        Ev::Exec {
            pid: SERVER,
            filename: "/usr/bin/python3".into(),
        },
    );
    s.push(
        Role::Tcp,
        CLIENT,
        true,
        Ev::Reset {
            sent: true,
            sk: 0,
            state: None,
            tuple: Some(Tuple {
                local: a(SRV),
                peer: a(CLI),
            }),
        },
    );
    let f = s.facts();
    assert_eq!(s.j.procs.execs, vec![SERVER]);
    let KernelFact::Reset(r) = &f[0] else {
        panic!("{f:?}")
    };
    assert!(r.sent);
    assert_eq!(
        (r.sock, r.local, r.peer),
        (None, Some(a(SRV)), Some(a(CLI)))
    );
}

#[test]
fn new_tasks_are_told_to_the_process_table_with_their_creator() {
    let mut s = Script::new(vec![]);
    s.push(
        Role::Calls,
        SERVER,
        false,
        Ev::NewTask {
            pid: 10_000 + SERVER,
            thread: true,
        },
    );
    s.push(
        Role::Calls,
        SERVER,
        false,
        Ev::NewTask {
            pid: 4400,
            thread: false,
        },
    );
    assert!(s.facts().is_empty());
    assert_eq!(
        s.j.procs.new_tasks,
        vec![(SERVER, 10_000 + SERVER, true), (SERVER, 4400, false)]
    );
}

#[test]
fn resets_on_ports_not_asked_about_are_left_out() {
    let mut s = Script::new(vec![5000]);
    for (l, p) in [("127.0.0.1:37791", "127.0.0.1:37614"), (SRV, CLI)] {
        s.push(
            Role::Tcp,
            CLIENT,
            true,
            Ev::Reset {
                sent: true,
                sk: 0,
                state: None,
                tuple: Some(Tuple {
                    local: a(l),
                    peer: a(p),
                }),
            },
        );
    }
    let f = s.facts();
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(matches!(&f[0], KernelFact::Reset(r) if r.local == Some(a(SRV))));
}

#[test]
fn threads_share_their_process_descriptors() {
    let mut s = Script::new(vec![]);
    let thread = 10_000 + SERVER;
    s.call(SERVER, Sys::Socket, -1, [AF_INET as u64, SOCK_STREAM], 3)
        .syn_sent(thread, CSOCK)
        .exit(thread, Sys::Connect, 0);
    let f = s.facts();
    let c = find(&f, SERVER, "connect", Phase::Return);
    assert_eq!(c.tid, thread);
    assert!(c.sock.is_some());
}

#[test]
fn random_record_streams_never_panic_and_stay_bounded() {
    let mut rng = 0xdead_beef_cafe_f00du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for ports in [vec![], vec![5000]] {
        let mut s = Script::new(ports);
        for _ in 0..20_000 {
            let tid = 1 + (next() % 6) as u32;
            let sys = Sys::ALL[(next() % Sys::ALL.len() as u64) as usize];
            let fd = (next() % 6) as i64 - 1;
            let sk = 0xffff_0000 + next() % 8;
            let st = (next() % 14) as i32;
            let st2 = (next() % 14) as i32;
            let tup = Tuple {
                local: SocketAddr::new(
                    [127, 0, 0, 1].into(),
                    [0, 5000, 6000][(next() % 3) as usize],
                ),
                peer: SocketAddr::new([127, 0, 0, 1].into(), (next() % 3) as u16 * 5000),
            };
            let ev = match next() % 7 {
                0 => Ev::Enter {
                    sys,
                    fd,
                    args: [next() % 12, next() % 3],
                },
                1 => Ev::Exit {
                    sys,
                    ret: (next() % 10) as i64 - 3,
                },
                2 | 3 => Ev::State {
                    sk,
                    old: st,
                    new: st2,
                    protocol: IPPROTO_TCP,
                    tuple: tup,
                },
                4 => Ev::Length {
                    send: next() % 2 == 0,
                    sk,
                    family: [AF_INET, AF_INET6, 1][(next() % 3) as usize],
                    protocol: [IPPROTO_TCP, IPPROTO_UDP][(next() % 2) as usize],
                    ret: (next() % 100) as i32 - 10,
                },
                5 => Ev::Retransmit {
                    sk,
                    state: Some(st),
                    synack: false,
                    tuple: tup,
                },
                _ => Ev::Reset {
                    sent: true,
                    sk: if next() % 2 == 0 { 0 } else { sk },
                    state: None,
                    tuple: None,
                },
            };
            let irq = next() % 3 == 0;
            let role = if next() % 2 == 0 {
                Role::Tcp
            } else {
                Role::Calls
            };
            s.push(role, tid, irq, ev);
            if next() % 50 == 0 {
                let now = Duration::from_micros(s.t);
                s.j.tick(now);
                let _ = s.j.drain().count();
            }
        }
        let _ = s.facts();
        assert!(s.j.socks.len() <= MAX_SOCKS);
        assert!(s.j.fds.len() <= MAX_FDS);
        assert!(s.j.fds.values().all(|e| e.held.len() <= MAX_HELD_PER_FD));
    }
}

#[test]
fn floods_on_other_ports_are_noticed_and_shown_calls_are_wanted() {
    let mut s = Script::new(vec![5000]);
    const FLOOD: u32 = 777;
    s.call(FLOOD, Sys::Socket, -1, [AF_INET as u64, SOCK_DGRAM], 3);
    s.j.procs.sockets.insert(
        (FLOOD, 3),
        ProcSocket {
            proto: Proto::Udp,
            local: a("0.0.0.0:40000"),
            peer: a(ANY),
            listening: false,
        },
    );
    for _ in 0..3000 {
        s.enter(FLOOD, Sys::SendTo, 3, [1, 0x7ffd])
            .len(FLOOD, true, 0x99, IPPROTO_UDP, 1)
            .exit(FLOOD, Sys::SendTo, 1);
    }
    conversation(&mut s);
    let _ = s.j.drain().count();
    assert_eq!(s.j.noisy(2000), vec![FLOOD]);
    assert!(s.j.noisy(1).is_empty(), "counting starts again");
    let wanted = s.j.take_wanted();
    assert!(wanted.contains(&SERVER) && wanted.contains(&CLIENT));
    assert!(!wanted.contains(&FLOOD));
}

#[test]
fn threads_left_inside_calls_on_other_sockets_do_not_crowd_out_new_calls() {
    let mut s = Script::lengths_end_calls(vec![]);
    // As many threads as the table holds, each last seen in a receive on
    // a Unix socket (no length ever comes), then gone.
    for n in 0..MAX_TASKS as u32 {
        s.enter(20_000 + n, Sys::RecvFrom, 5, [64, 0]);
    }
    s.t += 11_000_000;
    s.connected_client();
    let f = s.facts();
    find(&f, CLIENT, "connect", Phase::Return);
    assert_eq!(s.j.stats().overflow, 0);
}
