use std::net::{SocketAddr, SocketAddrV4};
use std::time::Duration;

use super::*;
use crate::events::{CallEvent, Phase};
use crate::track::Step;
use crate::wire::{build, TcpFlags};

const CLIENT: &str = "127.0.0.1:40000";
const SERVER: &str = "127.0.0.1:5000";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn v4(s: &str) -> SocketAddrV4 {
    s.parse().unwrap()
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// An Ethernet frame carrying one TCP segment.
fn seg(src: &str, dst: &str, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    build::ethernet(&build::tcp_v4(
        v4(src),
        v4(dst),
        seq,
        ack,
        flags,
        100,
        &[],
        payload,
    ))
}

fn event(
    call: &str,
    phase: Phase,
    local: Option<&str>,
    peer: Option<&str>,
    t: Duration,
) -> CallEvent {
    CallEvent {
        prog: "tcp_client".into(),
        name: None,
        pid: 7,
        call: call.into(),
        phase,
        local: local.map(addr),
        peer: peer.map(addr),
        result: String::new(),
        returned: None,
        t,
        other_uid: None,
    }
}

/// Everything the timeline releases until the end.
fn drain(tl: &mut Timeline) -> Vec<Item> {
    tl.close();
    std::iter::from_fn(|| tl.pop(None)).collect()
}

fn calls(items: &[Item]) -> Vec<&Call> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Call(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// A handshake at 10, 11, 12 ms with connect() entering at 9 ms and
/// returning at 11.5 ms, accept() returning at 12.5 ms.
/// The three segments of a handshake at 10, 11 and 12 ms (ISNs 100, 900).
fn handshake(tl: &mut Timeline) {
    tl.packet(ms(10), &seg(CLIENT, SERVER, 100, 0, TcpFlags::SYN, b""));
    tl.packet(
        ms(11),
        &seg(SERVER, CLIENT, 900, 101, TcpFlags::SYN | TcpFlags::ACK, b""),
    );
    tl.packet(ms(12), &seg(CLIENT, SERVER, 101, 901, TcpFlags::ACK, b""));
}

/// The client's first data after [`handshake`] (seq 101, ack 901).
fn client_data(tl: &mut Timeline, t: Duration, payload: &[u8]) {
    tl.packet(
        t,
        &seg(
            CLIENT,
            SERVER,
            101,
            901,
            TcpFlags::PSH | TcpFlags::ACK,
            payload,
        ),
    );
}

fn handshake_with_calls() -> Timeline {
    let mut tl = Timeline::new(LinkType::Ethernet, Duration::ZERO);
    // Events arrive first (another door); the packets after them.
    tl.event(
        event("connect", Phase::Enter, None, Some(SERVER), ms(9)),
        None,
    );
    tl.event(
        event(
            "connect",
            Phase::Return,
            Some(CLIENT),
            Some(SERVER),
            ms(11) + Duration::from_micros(500),
        ),
        None,
    );
    let mut accept = event(
        "accept",
        Phase::Return,
        Some(SERVER),
        Some(CLIENT),
        ms(12) + Duration::from_micros(500),
    );
    accept.prog = "tcp_server".into();
    accept.pid = 8;
    tl.event(accept, None);
    handshake(&mut tl);
    tl
}

#[test]
fn calls_get_typed_relations_to_the_segments_around_them() {
    let mut tl = handshake_with_calls();
    let items = drain(&mut tl);
    // Time order; the summaries of connections still open come last.
    let order: Vec<Duration> = items
        .iter()
        .filter(|i| !matches!(i, Item::Connection(_)))
        .map(Item::t)
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "items come out in time order");
    assert!(matches!(items.last(), Some(Item::Connection(_))));
    let c = calls(&items);
    assert_eq!(c.len(), 3);
    // connect() entered: it caused the SYN, and belongs to connection 1
    // although it did not know its local address yet.
    assert_eq!(c[0].call, SocketCall::Connect);
    assert_eq!(
        c[0].relation,
        Some(Relation::Caused(Sent::Segment {
            flags: TcpFlags(TcpFlags::SYN),
            len: 0
        }))
    );
    assert_eq!(c[0].conn, Some(1));
    assert_eq!(c[0].side, Some(Side::Client));
    assert_eq!(c[0].ends, Some((addr(CLIENT), addr(SERVER))));
    // connect() returned after the SYN-ACK; accept() after step 3.
    assert_eq!(
        c[1].relation,
        Some(Relation::ReturnedAfter(Step::Handshake2))
    );
    assert_eq!(c[2].call, SocketCall::Accept);
    assert_eq!(
        c[2].relation,
        Some(Relation::ReturnedAfter(Step::Handshake3))
    );
    assert_eq!(c[2].side, Some(Side::Server));
    let end = tl.end(None);
    assert_eq!(end.totals.events, 3);
    assert_eq!(
        end.connections.len(),
        1,
        "the open connection is summarized"
    );
}

#[test]
fn a_call_the_timeline_does_not_know_is_kept_by_name_without_a_relation() {
    let mut tl = Timeline::new(LinkType::Ethernet, Duration::ZERO);
    tl.event(
        event(
            "frobnicate",
            Phase::Enter,
            Some(CLIENT),
            Some(SERVER),
            ms(1),
        ),
        None,
    );
    tl.packet(ms(2), &seg(CLIENT, SERVER, 100, 0, TcpFlags::SYN, b""));
    let items = drain(&mut tl);
    let c = calls(&items);
    assert_eq!(c[0].call, SocketCall::Other("frobnicate".into()));
    assert_eq!(c[0].call.name(), "frobnicate");
    assert_eq!(
        c[0].relation, None,
        "only known sending calls cause segments"
    );
}

#[test]
fn a_call_on_a_reused_address_pair_belongs_to_the_new_connection() {
    let mut tl = Timeline::new(LinkType::Ethernet, Duration::ZERO);
    // Connection 1: a SYN answered by nothing, then connection 2 on the
    // same pair with another ISN (a new connection number).
    tl.packet(ms(1_000), &seg(CLIENT, SERVER, 100, 0, TcpFlags::SYN, b""));
    let mut out: Vec<Item> = std::iter::from_fn(|| tl.pop(None)).collect();
    tl.packet(
        ms(9_000),
        &seg(CLIENT, SERVER, 900_000, 0, TcpFlags::SYN, b""),
    );
    tl.event(
        event("send", Phase::Return, Some(CLIENT), Some(SERVER), ms(9_001)),
        None,
    );
    out.extend(std::iter::from_fn(|| tl.pop(None)));
    let conns: Vec<_> = out
        .iter()
        .filter_map(|i| match i {
            Item::Segment { ann, .. } => ann.conn,
            _ => None,
        })
        .collect();
    assert_eq!(conns.len(), 2);
    assert_ne!(conns[0], conns[1], "the second SYN opens a new connection");
    assert_eq!(calls(&out)[0].conn, Some(conns[1]));
}

#[test]
fn items_wait_for_the_hold_and_then_come_out_in_time_order() {
    let mut tl = Timeline::new(LinkType::Ethernet, ms(200));
    tl.packet(ms(1_000), &seg(CLIENT, SERVER, 100, 0, TcpFlags::SYN, b""));
    // The connect() that caused it arrives later, through the events socket.
    tl.event(
        event("connect", Phase::Enter, Some(CLIENT), Some(SERVER), ms(999)),
        None,
    );
    assert!(tl.pop(Some(ms(1_100))).is_none(), "still within the hold");
    let first = tl.pop(Some(ms(1_300))).unwrap();
    assert!(
        matches!(first, Item::Call(_)),
        "the call comes before its SYN"
    );
    assert!(matches!(
        tl.pop(Some(ms(1_300))),
        Some(Item::Segment { .. })
    ));
    assert!(tl.pop(Some(ms(1_300))).is_none());
}

#[test]
fn events_dated_far_from_the_capture_clock_are_rejected_and_counted() {
    let mut tl = Timeline::new(LinkType::Ethernet, ms(200));
    let now = Duration::from_secs(1_700_000_000);
    let day = Duration::from_secs(86_400);
    assert!(!tl.event(
        event("send", Phase::Enter, Some(CLIENT), Some(SERVER), now + day),
        Some(now)
    ));
    assert!(!tl.event(
        event("send", Phase::Enter, Some(CLIENT), Some(SERVER), now - day),
        Some(now)
    ));
    assert!(tl.event(
        event(
            "send",
            Phase::Enter,
            Some(CLIENT),
            Some(SERVER),
            now + ms(3)
        ),
        Some(now)
    ));
    tl.set_rejected_events(2); // two malformed datagrams, counted by the listener
                               // A future call would otherwise hold nothing back, but it would wait
                               // for ever: only the good one is there.
    let items = drain(&mut tl);
    assert_eq!(calls(&items).len(), 1);
    let end = tl.end(None);
    assert_eq!(end.totals.events, 1);
    assert_eq!(end.totals.events_rejected, 4);
}

#[test]
fn calls_over_the_cap_are_dropped_and_counted() {
    let mut tl = Timeline::new(LinkType::Ethernet, ms(200)).with_call_limit(100);
    let now = Duration::from_secs(1_700_000_000);
    for i in 0..250 {
        tl.event(
            event(
                "send",
                Phase::Enter,
                Some(CLIENT),
                Some(SERVER),
                now + Duration::from_micros(i),
            ),
            Some(now),
        );
    }
    assert_eq!(tl.pending.side_len(), 100);
    let items = drain(&mut tl);
    assert_eq!(calls(&items).len(), 100);
    let end = tl.end(None);
    assert_eq!(end.totals.events, 100);
    assert_eq!(end.totals.events_dropped, 150);
}

#[test]
fn a_sidecar_in_reverse_order_comes_out_sorted_and_attributed() {
    // Like a `.events` file written backwards: 20,000 sends, newest first,
    // each before one of the data segments that follow.
    let mut tl = Timeline::new(LinkType::Ethernet, Duration::ZERO).with_call_limit(100_000);
    let n = 20_000u32;
    for i in (0..n).rev() {
        let t = ms(100) + Duration::from_micros(u64::from(i) * 10);
        tl.event(
            event("send", Phase::Enter, Some(CLIENT), Some(SERVER), t),
            None,
        );
    }
    tl.packet(ms(50), &seg(CLIENT, SERVER, 100, 0, TcpFlags::SYN, b""));
    tl.packet(
        ms(99),
        &seg(CLIENT, SERVER, 101, 0, TcpFlags::ACK | TcpFlags::PSH, b"hi"),
    );
    let mut items = Vec::new();
    let mut released = |tl: &mut Timeline| {
        let newest = tl.newest();
        items.extend(std::iter::from_fn(|| tl.pop(Some(newest))));
    };
    released(&mut tl);
    for i in 0..n {
        let t = ms(100) + Duration::from_micros(u64::from(i) * 10 + 5);
        tl.packet(
            t,
            &seg(
                CLIENT,
                SERVER,
                103 + i,
                0,
                TcpFlags::ACK | TcpFlags::PSH,
                b"x",
            ),
        );
        released(&mut tl);
    }
    items.extend(drain(&mut tl));
    let times: Vec<Duration> = items
        .iter()
        .filter(|i| !matches!(i, Item::Connection(_)))
        .map(Item::t)
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "sorted by time");
    let c = calls(&items);
    assert_eq!(c.len(), n as usize);
    // Each send() is followed by its own one-byte segment.
    assert!(c.iter().all(|c| c.relation
        == Some(Relation::Caused(Sent::Segment {
            flags: TcpFlags(TcpFlags::ACK | TcpFlags::PSH),
            len: 1
        }))));
}

fn udp_event(
    prog: &str,
    pid: u32,
    call: &str,
    phase: Phase,
    local: Option<&str>,
    peer: Option<&str>,
    t: Duration,
) -> CallEvent {
    CallEvent {
        prog: prog.into(),
        pid,
        ..event(call, phase, local, peer, t)
    }
}

fn udp(src: &str, dst: &str, payload: &[u8]) -> Vec<u8> {
    build::ethernet(&build::udp(addr(src), addr(dst), payload))
}

/// The calls of udp_server and udp_client as they really report them:
/// the client's socket is bound to 0.0.0.0, its first sendto() enters
/// with no local address, the server's recvfrom() waits with no peer.
#[test]
fn udp_calls_belong_to_their_flow_and_side() {
    const C: &str = "127.0.0.1:41173";
    const S: &str = "127.0.0.1:5001";
    let mut tl = Timeline::new(LinkType::Ethernet, Duration::ZERO);
    let evs = [
        udp_event(
            "udp_server",
            1,
            "recvfrom",
            Phase::Enter,
            Some(S),
            None,
            ms(1),
        ),
        udp_event(
            "udp_client",
            2,
            "sendto",
            Phase::Enter,
            None,
            Some(S),
            ms(2),
        ),
        udp_event(
            "udp_server",
            1,
            "recvfrom",
            Phase::Return,
            Some(S),
            Some(C),
            ms(4),
        ),
        udp_event(
            "udp_client",
            2,
            "sendto",
            Phase::Return,
            Some("0.0.0.0:41173"),
            Some(S),
            ms(4),
        ),
        udp_event(
            "udp_client",
            2,
            "recvfrom",
            Phase::Enter,
            Some("0.0.0.0:41173"),
            Some(S),
            ms(5),
        ),
        udp_event(
            "udp_client",
            2,
            "close",
            Phase::Enter,
            Some("0.0.0.0:41173"),
            None,
            ms(9),
        ),
        // Another program's close() on an unrelated port stays unattributed.
        udp_event(
            "other",
            3,
            "close",
            Phase::Enter,
            Some("127.0.0.1:9"),
            None,
            ms(9),
        ),
    ];
    for ev in evs {
        tl.event(ev, None);
    }
    tl.packet(ms(3), &udp(C, S, b"hello"));
    tl.packet(ms(6), &udp(S, C, b"hello"));
    let items = drain(&mut tl);
    let got: Vec<(&str, Phase, Option<u64>, Option<Side>)> = calls(&items)
        .iter()
        .map(|c| (c.ev.call.as_str(), c.ev.phase, c.flow, c.side))
        .collect();
    use Side::{Client, Server};
    assert_eq!(
        got,
        [
            ("recvfrom", Phase::Enter, Some(1), Some(Server)),
            ("sendto", Phase::Enter, Some(1), Some(Client)),
            ("recvfrom", Phase::Return, Some(1), Some(Server)),
            ("sendto", Phase::Return, Some(1), Some(Client)),
            ("recvfrom", Phase::Enter, Some(1), Some(Client)),
            ("close", Phase::Enter, Some(1), Some(Client)),
            ("close", Phase::Enter, None, None),
        ]
    );
    let sendto = calls(&items)[1];
    assert_eq!(
        sendto.relation,
        Some(Relation::Caused(Sent::Datagram { len: 5 }))
    );
    assert_eq!(sendto.ends, Some((addr(C), addr(S))));
    assert!(calls(&items).iter().all(|c| c.conn.is_none()), "no TCP");
}

#[test]
fn a_port_unreachable_belongs_to_the_datagram_it_answers() {
    const C: &str = "127.0.0.1:41173";
    const CLOSED: &str = "127.0.0.1:5009";
    let mut tl = Timeline::new(LinkType::Ethernet, Duration::ZERO);
    let datagram = build::udp(addr(C), addr(CLOSED), b"anyone there?");
    tl.packet(ms(1), &build::ethernet(&datagram));
    tl.packet(ms(2), &build::ethernet(&build::port_unreachable(&datagram)));
    // An error about a datagram the capture never saw belongs nowhere.
    let unseen = build::udp(addr(C), addr("127.0.0.1:7"), b"x");
    tl.packet(ms(3), &build::ethernet(&build::port_unreachable(&unseen)));
    let items = drain(&mut tl);
    let icmp: Vec<&Icmp> = items
        .iter()
        .filter_map(|i| match i {
            Item::Other {
                icmp: Some(icmp), ..
            } => Some(icmp),
            _ => None,
        })
        .collect();
    assert_eq!(icmp.len(), 2);
    assert!(icmp[0].error.port_unreachable);
    assert_eq!(icmp[0].about, Some(Conversation::Udp(1)));
    assert_eq!(items[1].conversation(), Some(Conversation::Udp(1)));
    assert_eq!(icmp[1].about, None);
}

#[test]
fn every_sendto_points_at_its_datagram_on_a_known_flow() {
    const C: &str = "127.0.0.1:41173";
    const S: &str = "127.0.0.1:5001";
    let mut tl = Timeline::new(LinkType::Ethernet, Duration::ZERO);
    tl.packet(ms(1), &udp(C, S, b"hello"));
    tl.event(
        udp_event(
            "udp_client",
            2,
            "sendto",
            Phase::Enter,
            Some("0.0.0.0:41173"),
            Some(S),
            ms(2),
        ),
        None,
    );
    tl.packet(ms(3), &udp(C, S, b"off"));
    let items = drain(&mut tl);
    let c = calls(&items);
    assert_eq!(c[0].flow, Some(1));
    assert_eq!(
        c[0].relation,
        Some(Relation::Caused(Sent::Datagram { len: 3 }))
    );
}

/// `tcp_server --once`: listen(), accept(), then close() of the listener
/// (no peer), and later the connection's own close() (with its peer).
#[test]
fn closing_the_listening_socket_is_said_and_not_the_connections() {
    let mut tl = handshake_with_calls();
    let server = |call: &str, phase: Phase, peer: Option<&str>, t: Duration| CallEvent {
        prog: "tcp_server".into(),
        pid: 9,
        result: if phase == Phase::Return {
            "ok".into()
        } else {
            String::new()
        },
        ..event(call, phase, Some(SERVER), peer, t)
    };
    tl.event(server("listen", Phase::Return, None, ms(1)), None);
    tl.event(server("close", Phase::Enter, None, ms(13)), None);
    tl.event(server("close", Phase::Return, None, ms(14)), None);
    tl.event(server("close", Phase::Enter, Some(CLIENT), ms(15)), None);
    let items = drain(&mut tl);
    let closes: Vec<Option<Relation>> = calls(&items)
        .iter()
        .filter(|c| c.call == SocketCall::Close)
        .map(|c| c.relation)
        .collect();
    // Said once, where it is entered; the connection's close() is not it.
    assert_eq!(closes[..2], [Some(Relation::ClosesListener), None]);
    assert_ne!(closes[2], Some(Relation::ClosesListener));
}

#[test]
fn with_no_program_reporting_calls_a_live_item_is_released_at_once() {
    let mut tl = Timeline::new(LinkType::Ethernet, ms(200)).adaptive_hold();
    tl.packet(ms(1_000), &seg(CLIENT, SERVER, 100, 0, TcpFlags::SYN, b""));
    assert!(
        matches!(tl.pop(Some(ms(1_000))), Some(Item::Segment { .. })),
        "nothing could come before it: no wait"
    );
    // The fixed hold of old would have kept it 200 ms.
    let mut fixed = Timeline::new(LinkType::Ethernet, ms(200));
    fixed.packet(ms(1_000), &seg(CLIENT, SERVER, 100, 0, TcpFlags::SYN, b""));
    assert!(fixed.pop(Some(ms(1_000))).is_none());
}

#[test]
fn an_event_arriving_within_the_learned_delay_still_comes_before_its_segment() {
    let mut tl = Timeline::new(LinkType::Ethernet, ms(200)).adaptive_hold();
    // A lab program's events have been arriving 3 ms after their stamp.
    tl.event(
        event("socket", Phase::Return, None, None, ms(990)),
        Some(ms(993)),
    );
    assert_eq!(tl.hold_at(ms(993)), ms(3) + hold::EVENT_MARGIN);
    // Its SYN is captured at once; the connect() that caused it (stamped
    // just before) arrives 3 ms after its stamp, after the SYN.
    tl.packet(ms(1_000), &seg(CLIENT, SERVER, 100, 0, TcpFlags::SYN, b""));
    assert!(
        matches!(tl.pop(Some(ms(1_001))), Some(Item::Call(_))),
        "socket()"
    );
    assert!(tl.pop(Some(ms(1_001))).is_none(), "within the learned hold");
    tl.event(
        event("connect", Phase::Enter, Some(CLIENT), Some(SERVER), ms(999)),
        Some(ms(1_002)),
    );
    // The call waits for no packet (none came late), its segment for the
    // events' learned delay.
    assert_eq!(tl.due_in(ms(1_002)), Some(Duration::ZERO));
    let now = ms(1_000) + tl.hold_at(ms(1_002));
    let first = tl.pop(Some(now)).unwrap();
    assert!(
        matches!(&first, Item::Call(c) if c.call == SocketCall::Connect),
        "the call comes before its SYN: {first:?}"
    );
    assert!(matches!(tl.pop(Some(now)), Some(Item::Segment { .. })));
    // Long after the program's last call, segments go at once again.
    let later = ms(1_002) + SENDER_IDLE;
    tl.packet(later, &seg(CLIENT, SERVER, 101, 0, TcpFlags::ACK, b""));
    assert!(matches!(tl.pop(Some(later)), Some(Item::Segment { .. })));
}

#[test]
fn an_event_seen_on_its_way_holds_items_the_longest_hold() {
    let mut tl = Timeline::new(LinkType::Ethernet, ms(200)).adaptive_hold();
    tl.packet(ms(1_000), &seg(CLIENT, SERVER, 100, 0, TcpFlags::SYN, b""));
    tl.set_incoming(true);
    assert!(tl.pop(Some(ms(1_000))).is_none());
    assert_eq!(tl.due_in(ms(1_000)), Some(ms(200)));
    tl.event(
        event("connect", Phase::Enter, Some(CLIENT), Some(SERVER), ms(999)),
        Some(ms(1_001)),
    );
    tl.set_incoming(false);
    let now = ms(1_000) + tl.hold_at(ms(1_001));
    assert!(matches!(tl.pop(Some(now)), Some(Item::Call(_))));
    assert!(matches!(tl.pop(Some(now)), Some(Item::Segment { .. })));
}

#[test]
fn with_the_kernels_view_items_wait_for_its_reader_until_it_has_nobody_to_follow() {
    let mut tl = Timeline::new(LinkType::Ethernet, KERNEL_HOLD)
        .with_kernel(Vec::new(), true)
        .adaptive_hold();
    tl.packet(ms(1_000), &seg(CLIENT, SERVER, 100, 0, TcpFlags::SYN, b""));
    assert!(tl.pop(Some(ms(1_000))).is_none(), "a record may still come");
    assert_eq!(tl.due_in(ms(1_000)), Some(hold::KERNEL_FLOOR));
    tl.kernel_finished();
    assert!(matches!(
        tl.pop(Some(ms(1_000))),
        Some(Item::Segment { .. })
    ));
}

#[test]
fn a_lab_programs_event_that_comes_after_the_kernels_record_was_left_out_is_still_shown() {
    // The server has narrated its calls already: its pid is a narrator,
    // so the kernel's record of its accept() is not shown by itself.
    let mut tl = Timeline::new(LinkType::Ethernet, Duration::ZERO).with_kernel(vec![5000], true);
    let mut listen = event("listen", Phase::Return, Some(SERVER), None, ms(1));
    listen.prog = "tcp_server".into();
    tl.event(listen, None);
    tl.kernel(KernelFact::Call(kern::Call {
        t: ms(12),
        pid: 7,
        tid: 7,
        prog: "tcp_server".into(),
        call: SocketCall::Accept,
        syscall: "accept4",
        phase: kern::Phase::Return,
        fd: Some(4),
        sock: Some(kern::SockId(2)),
        proto: None,
        result: Some(5),
        errno: None,
        local: Some(addr(SERVER)),
        peer: Some(addr(CLIENT)),
        bytes: None,
    }));
    // Both released before the program's own event of accept() arrives.
    let mut shown = Vec::new();
    while let Some(item) = tl.pop(Some(ms(20))) {
        shown.push(item);
    }
    let mut accept = event("accept", Phase::Return, Some(SERVER), Some(CLIENT), ms(12));
    accept.prog = "tcp_server".into();
    tl.event(accept, None);
    shown.extend(drain(&mut tl));
    let accepts: Vec<_> = calls(&shown)
        .into_iter()
        .filter(|c| c.call == SocketCall::Accept)
        .collect();
    assert_eq!(accepts.len(), 1, "accept() shown once: {shown:#?}");
    assert_eq!(accepts[0].source, Source::Events);
}

#[test]
fn a_send_finds_its_segment_behind_thousands_of_another_connections() {
    let mut tl = handshake_with_calls();
    tl.event(
        event("send", Phase::Enter, Some(CLIENT), Some(SERVER), ms(13)),
        None,
    );
    // More packets of another conversation than a scan of every waiting
    // packet would look through, all before the send's own segment.
    let (a, b) = ("127.0.0.1:41000", "127.0.0.1:6000");
    let mut t = ms(13);
    for i in 0..pending::MAX_SCAN as u32 + 2_000 {
        t += Duration::from_nanos(100);
        tl.packet(t, &seg(a, b, 1_000 + i, 5, TcpFlags::ACK, b"z"));
    }
    client_data(&mut tl, ms(20), b"hello");
    let items = drain(&mut tl);
    let send = calls(&items)
        .into_iter()
        .find(|c| c.call == SocketCall::Send)
        .expect("the send() is shown");
    assert_eq!(send.conn, Some(1));
    assert_eq!(
        send.relation,
        Some(Relation::Caused(Sent::Segment {
            flags: TcpFlags(TcpFlags::PSH | TcpFlags::ACK),
            len: 5
        }))
    );
}

#[test]
fn a_late_accept_and_a_recv_name_what_woke_them_not_the_ack_sent_in_between() {
    // The server is scheduled late: its accept() returns after the
    // client's data and the server's own ACK of it; its recv() after both.
    let mut tl = Timeline::new(LinkType::Ethernet, Duration::ZERO);
    for (call, t) in [("accept", 15), ("recv", 16)] {
        let mut ev = event(call, Phase::Return, Some(SERVER), Some(CLIENT), ms(t));
        ev.prog = "tcp_server".into();
        ev.pid = 8;
        tl.event(ev, None);
    }
    handshake(&mut tl);
    client_data(&mut tl, ms(13), b"hello\n");
    tl.packet(ms(14), &seg(SERVER, CLIENT, 901, 107, TcpFlags::ACK, b""));
    let items = drain(&mut tl);
    let c = calls(&items);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].call, SocketCall::Accept);
    assert_eq!(
        c[0].relation,
        Some(Relation::ReturnedAfter(Step::Handshake3)),
        "accept() returned because the handshake completed"
    );
    assert_eq!(c[1].call, SocketCall::Recv);
    assert_eq!(
        c[1].relation,
        Some(Relation::ReturnedAfter(Step::Data)),
        "recv() returned because data arrived, not because its socket ACKed it"
    );
}

#[test]
fn a_recv_that_returned_bytes_was_woken_by_the_data_even_when_the_fin_came_too() {
    // The client sends its line and closes at once; the server's recv()
    // runs only after both arrived: it returns the line (woken by the
    // data), and the next recv() returns 0 (woken by the FIN).
    use crate::events::{End, Outcome, Returned};
    let mut tl = Timeline::new(LinkType::Ethernet, Duration::ZERO);
    for (t, what) in [
        (15, Outcome::Bytes { n: 11 }),
        (16, Outcome::End(End::PeerClosed)),
    ] {
        let mut ev = event("recv", Phase::Return, Some(SERVER), Some(CLIENT), ms(t));
        ev.prog = "chat".into();
        ev.pid = 8;
        ev.returned = Some(Returned {
            what,
            calls: None,
            data: None,
        });
        tl.event(ev, None);
    }
    handshake(&mut tl);
    client_data(&mut tl, ms(13), b"bia: hello\n");
    tl.packet(
        ms(14),
        &seg(CLIENT, SERVER, 112, 901, TcpFlags::FIN | TcpFlags::ACK, b""),
    );
    let items = drain(&mut tl);
    let c = calls(&items);
    assert_eq!(c.len(), 2);
    assert_eq!(
        c[0].relation,
        Some(Relation::ReturnedAfter(Step::Data)),
        "the recv() that returned 11 bytes"
    );
    assert_eq!(
        c[1].relation,
        Some(Relation::ReturnedAfter(Step::Teardown1)),
        "the recv() that returned 0"
    );
}

/// A kernel state change of the client's (sock 1) or the server's
/// (sock 2) socket at `us` microseconds.
fn kstate(sock: u32, us: u64, old: SockState, new: SockState, by_call: bool) -> KernelFact {
    let (local, peer) = if sock == 1 {
        (CLIENT, SERVER)
    } else {
        (SERVER, CLIENT)
    };
    KernelFact::State(kern::StateChange {
        t: Duration::from_micros(us),
        sock: kern::SockId(sock),
        old,
        new,
        local: Some(addr(local)),
        peer: Some(addr(peer)),
        pid: by_call.then_some(if sock == 1 { 7 } else { 8 }),
        prog: None,
    })
}

/// The notes about the kernel's states on each released segment.
fn kernel_notes(items: &[Item]) -> Vec<(Step, Vec<Note>)> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Segment { ann, .. } => Some((
                ann.step,
                ann.extra
                    .iter()
                    .filter(|n| matches!(n, Note::Kernel { .. }))
                    .cloned()
                    .collect(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn a_handshake_released_before_the_next_packets_arrive_is_not_given_the_connections_last_state() {
    use SockState::*;
    // The kernel's records of the whole connection, handshake and
    // teardown, arrive before the packets after the handshake do (packets
    // in blocks, the records on their own path).
    let mut tl = Timeline::new(LinkType::Ethernet, KERNEL_HOLD).with_kernel(Vec::new(), true);
    for f in [
        kstate(1, 9_990, Closed, SynSent, true),
        kstate(2, 10_010, Listen, SynReceived, false),
        kstate(1, 11_010, SynSent, Established, false),
        kstate(2, 12_010, SynReceived, Established, false),
        kstate(1, 18_000, Established, FinWait1, true),
        kstate(2, 18_060, Established, CloseWait, false),
        kstate(2, 18_200, CloseWait, LastAck, true),
        kstate(1, 18_260, FinWait1, FinWait2, false),
        kstate(1, 18_270, FinWait2, Closed, false),
        kstate(2, 18_330, LastAck, Closed, false),
    ] {
        tl.kernel(f);
    }
    handshake(&mut tl);
    // Released once the hold has passed, with only the handshake in.
    let now = ms(12) + KERNEL_HOLD + Duration::from_micros(500);
    let mut items: Vec<Item> = std::iter::from_fn(|| tl.pop(Some(now))).collect();
    let early = kernel_notes(&items);
    assert_eq!(early.len(), 3, "the three handshake segments: {early:?}");
    assert!(
        early.iter().all(|(_, notes)| notes.is_empty()),
        "the kernel agrees with the handshake; CLOSED came later: {early:?}"
    );
    // The rest of the connection comes in: the teardown still gets the
    // kernel's word on the TIME-WAIT mini-socket.
    tl.packet(
        ms(18) + Duration::from_micros(50),
        &seg(CLIENT, SERVER, 101, 901, TcpFlags::FIN | TcpFlags::ACK, b""),
    );
    tl.packet(
        ms(18) + Duration::from_micros(250),
        &seg(SERVER, CLIENT, 901, 102, TcpFlags::FIN | TcpFlags::ACK, b""),
    );
    tl.packet(
        ms(18) + Duration::from_micros(320),
        &seg(CLIENT, SERVER, 102, 902, TcpFlags::ACK, b""),
    );
    items.extend(drain(&mut tl));
    let all = kernel_notes(&items);
    let said: Vec<&Note> = all.iter().flat_map(|(_, n)| n).collect();
    assert!(
        said.iter().any(|n| matches!(
            n,
            Note::Kernel {
                why: KernelDiff::TimeWaitMiniSocket,
                ..
            }
        )),
        "the mini-socket is still told: {all:?}"
    );
    assert!(
        !said.iter().any(|n| matches!(
            n,
            Note::Kernel {
                why: KernelDiff::Other,
                ..
            }
        )),
        "no unexplained difference: {all:?}"
    );
}

/// bob and alice, the two hosts of a lab network (bob the client).
const BOB: &str = "10.203.0.2:36514";
const ALICE: &str = "10.203.0.1:5077";

/// A state change of bob's socket at `t`.
fn bob_state(t: Duration, old: SockState, new: SockState, by_call: bool) -> KernelFact {
    KernelFact::State(kern::StateChange {
        t,
        sock: kern::SockId(1),
        old,
        new,
        local: Some(addr(BOB)),
        peer: Some(addr(ALICE)),
        pid: by_call.then_some(7),
        prog: None,
    })
}

/// A timeline with the kernel's view, on a host whose address is `here`.
fn on_host(here: &str) -> Timeline {
    let mut tl = Timeline::new(LinkType::Ethernet, KERNEL_HOLD).with_kernel(Vec::new(), true);
    tl.set_local_addresses(vec![here.parse().unwrap()]);
    tl
}

/// A refused connection between the two hosts of a lab network, seen
/// from a capture whose host has `here`: bob's SYN, alice's RST. The
/// client's kernel leaves SYN-SENT at `closed_at` (when the RST reached
/// it), or never. Returns the kernel's notes on the RST.
fn refused_across_a_link(here: &str, closed_at: Option<Duration>) -> Vec<Note> {
    use SockState::*;
    let mut tl = on_host(here);
    tl.kernel(bob_state(ms(70), Closed, SynSent, true));
    if let Some(t) = closed_at {
        tl.kernel(bob_state(t, SynSent, Closed, false));
    }
    tl.packet(ms(100), &seg(BOB, ALICE, 100, 0, TcpFlags::SYN, b""));
    tl.packet(
        ms(100) + Duration::from_micros(40),
        &seg(ALICE, BOB, 0, 101, TcpFlags::RST | TcpFlags::ACK, b""),
    );
    // Released live, as soon as the hold allows: nothing else came in.
    let now = ms(100) + KERNEL_HOLD + Duration::from_millis(1);
    let items: Vec<Item> = std::iter::from_fn(|| tl.pop(Some(now))).collect();
    let notes = kernel_notes(&items);
    assert_eq!(notes.len(), 2, "{notes:?}");
    notes[1].1.clone()
}

#[test]
fn a_reset_sent_across_a_delayed_link_is_not_said_to_be_lost_before_it_could_arrive() {
    // Captured on alice; bob's kernel took the RST in 30 ms later.
    let notes = refused_across_a_link("10.203.0.1", Some(ms(130)));
    assert!(
        notes.is_empty(),
        "bob got the RST after the link's delay: {notes:?}"
    );
    // Captured on bob, whose kernel never took it in: that is a lesson.
    let notes = refused_across_a_link("10.203.0.2", None);
    assert!(
        matches!(
            notes.as_slice(),
            [Note::Kernel {
                side: Side::Client,
                why: KernelDiff::NotReceived,
                ..
            }]
        ),
        "{notes:?}"
    );
}

#[test]
fn a_fin_on_its_way_across_a_delayed_link_is_not_said_to_be_queued() {
    use SockState::*;
    // bob (client) connects to alice; bob's close() came 10 ms before its
    // ACK reached alice's interface: that ACK was on the link, not a FIN
    // waiting behind data. Seen from bob, the same records are the lesson.
    let lessons = |here: &str| -> Vec<Note> {
        let mut tl = on_host(here);
        tl.kernel(bob_state(ms(9), Closed, SynSent, true));
        tl.kernel(bob_state(ms(11), SynSent, Established, false));
        tl.kernel(bob_state(ms(20), Established, FinWait1, true));
        tl.packet(ms(10), &seg(BOB, ALICE, 100, 0, TcpFlags::SYN, b""));
        tl.packet(
            ms(11),
            &seg(ALICE, BOB, 900, 101, TcpFlags::SYN | TcpFlags::ACK, b""),
        );
        tl.packet(ms(12), &seg(BOB, ALICE, 101, 901, TcpFlags::ACK, b""));
        tl.packet(
            ms(30),
            &seg(BOB, ALICE, 101, 901, TcpFlags::ACK | TcpFlags::PSH, b"hi"),
        );
        let items = drain(&mut tl);
        kernel_notes(&items)
            .into_iter()
            .flat_map(|(_, n)| n)
            .collect()
    };
    let queued = |notes: &[Note]| {
        notes.iter().any(|n| {
            matches!(
                n,
                Note::Kernel {
                    why: KernelDiff::FinQueued { .. },
                    ..
                }
            )
        })
    };
    let on_alice = lessons("10.203.0.1");
    assert!(!queued(&on_alice), "{on_alice:?}");
    let on_bob = lessons("10.203.0.2");
    assert!(queued(&on_bob), "{on_bob:?}");
}
