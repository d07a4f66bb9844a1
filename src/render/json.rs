//! `--json`: one JSON object per line, for scripts and tests.
//!
//! The fields and their values are documented in docs/protocol.md
//! (section 3). Objects (other fields may be added later):
//! - `{"type":"segment","t":..,"conn":..,"src":..,"dst":..,"dir":"c2s","flags":["SYN"],"seq":..,"ack":..,
//!    "rel_seq":..,"rel_ack":..,"len":..,"win":..,"step":"handshake-1","note":..,"client_state":..,"server_state":..}`
//! - `{"type":"datagram","t":..,"src":..,"dst":..,"len":..,"note":..}`
//! - `{"type":"call","t":..,"prog":..,"pid":..,"call":..,"phase":"enter","local":..,"peer":..,"result":..,"conn":..}`
//! - `{"type":"connection","conn":..,"client":..,"server":..,"handshake":..,"teardown":..,"closed_by":..,"segments":..,"bytes_c2s":..,"bytes_s2c":..}`
//! - `{"type":"other",..}`, `{"type":"malformed",..}` and a final `{"type":"totals",..}`
//!   (live captures add the kernel's counters and `capture_dropped`, the
//!   packets the capture's own full queue dropped).
//!
//! Written by hand rather than through `serde_json::Value`: it runs for every
//! packet of a million-packet file.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::settle::Settle;
use super::{epoch_secs, relation_id, relation_text, End, Item, Render};
use crate::escape::{escape_max, escape_max_into};
use crate::events::Phase;
use crate::i18n::{en, facts};
use crate::kernel::{self, SockState};
use crate::textbuf::{push_epoch_6, push_u32, push_u64, AddrCache};
use crate::timeline::{Conversation, KernelState, LinkItem, LinkWhat, SocketCall, Source};
use crate::track::{ConnSummary, Dir, Inferred, KernelView, Note, Side};
use crate::wire::{DecodeError, TcpFlags};

/// Payload characters in the `preview` field.
const PREVIEW_CHARS: usize = 64;

/// The JSON-lines renderer.
pub struct JsonRender<W: Write> {
    out: W,
    line: String,
    /// A note or a preview before it is escaped, reused from line to line.
    words: String,
    /// The last addresses written.
    addrs: AddrCache,
    /// `-v`: every header field under `headers` (see `verbose::headers_json`).
    headers: Option<super::verbose::HeadersJson>,
    /// Lines held until the wire settles the states they show.
    settle: Settle,
}

impl<W: Write> JsonRender<W> {
    /// A renderer writing to `out`.
    pub fn new(out: W) -> Self {
        JsonRender {
            out,
            line: String::with_capacity(512),
            words: String::with_capacity(256),
            addrs: AddrCache::default(),
            headers: None,
            settle: Settle::default(),
        }
    }

    /// Add a `headers` object to each packet that carries them (`-v`).
    pub fn with_headers(mut self) -> Self {
        self.headers = Some(super::verbose::HeadersJson::default());
        self
    }
}

/// Append `s` as a JSON string literal. Runs of bytes that need no escape
/// (nearly all of a note) are copied at once.
pub fn push_str(buf: &mut String, s: &str) {
    buf.push('"');
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // `b` is ASCII, so `i` is a character boundary.
        buf.push_str(&s[start..i]);
        if escaped.is_empty() {
            let _ = write!(buf, "\\u{:04x}", b);
        } else {
            buf.push_str(escaped);
        }
        start = i + 1;
    }
    buf.push_str(&s[start..]);
    buf.push('"');
}

/// `"127.0.0.1:5000"`.
fn push_quoted_addr(buf: &mut String, addrs: &mut AddrCache, a: &std::net::SocketAddr) {
    buf.push('"');
    addrs.push(buf, a);
    buf.push('"');
}

fn push_opt_addr(buf: &mut String, a: Option<std::net::SocketAddr>) {
    match a {
        Some(a) => {
            let _ = write!(buf, "\"{a}\"");
        }
        None => buf.push_str("null"),
    }
}

fn push_opt_u64(buf: &mut String, v: Option<u64>) {
    match v {
        Some(v) => push_u64(buf, v),
        None => buf.push_str("null"),
    }
}

/// The `connection` object of one summary.
pub fn connection(buf: &mut String, s: &ConnSummary) {
    let _ = write!(
        buf,
        "{{\"type\":\"connection\",\"conn\":{},\"client\":\"{}\",\"server\":\"{}\",\"handshake\":\"{}\",\"teardown\":\"{}\",\"closed_by\":",
        s.conn,
        s.client,
        s.server,
        s.handshake.as_str(),
        s.teardown.as_str()
    );
    match s.closed_by {
        Some(Side::Client) => buf.push_str("\"client\""),
        Some(Side::Server) => buf.push_str("\"server\""),
        None => buf.push_str("null"),
    }
    let _ = write!(
        buf,
        ",\"half_close\":{},\"segments\":{},\"segments_c2s\":{},\"segments_s2c\":{},\"bytes_c2s\":{},\"bytes_s2c\":{},\"retransmissions\":{},\"dup_acks\":{},\"out_of_order\":{},\"duration_s\":{:.6},\"handshake_rtt_s\":",
        s.half_close,
        s.segments,
        s.segments_c2s,
        s.segments_s2c,
        s.bytes_c2s,
        s.bytes_s2c,
        s.retransmissions,
        s.dup_acks,
        s.out_of_order,
        s.last.saturating_sub(s.first).as_secs_f64()
    );
    match s.handshake_rtt {
        Some(d) => {
            let _ = write!(buf, "{:.6}", d.as_secs_f64());
        }
        None => buf.push_str("null"),
    }
    buf.push('}');
}

fn bad(buf: &mut String, t: f64, err: &DecodeError) {
    let kind = match err {
        DecodeError::Truncated { .. } => "truncated",
        DecodeError::Malformed { .. } => "malformed",
    };
    let _ = write!(buf, "{{\"type\":\"{kind}\",\"t\":{t:.6},\"error\":");
    push_str(buf, &err.to_string());
    buf.push('}');
}

/// `,"kernel_state":{"client":"ESTABLISHED","server":null}` and, for a
/// retransmission or a reset, `,"kernel_confirmed":true`.
fn kernel_view(b: &mut String, k: &KernelView) {
    b.push_str(",\"kernel_state\":{\"client\":");
    push_opt_state(b, k.client);
    b.push_str(",\"server\":");
    push_opt_state(b, k.server);
    b.push('}');
    if let Some(c) = k.confirmed {
        let _ = write!(b, ",\"kernel_confirmed\":{c}");
    }
}

fn push_opt_state(b: &mut String, s: Option<SockState>) {
    match s {
        Some(s) => {
            let _ = write!(b, "\"{}\"", s.as_str());
        }
        None => b.push_str("null"),
    }
}

/// `,"link":[{"what":"dropped","reason":"random loss"},...]`: what the
/// link did to this segment's frame, and why it was sent again.
fn link_notes(b: &mut String, ann: &crate::track::Annotation) {
    let mut first = true;
    for n in &ann.extra {
        let one = match n {
            Note::LinkDropped { reason } => {
                format!(
                    "{{\"what\":\"dropped\",\"reason\":\"{}\"}}",
                    reason.as_str()
                )
            }
            Note::LinkDelayed {
                delay_us,
                queued_us,
            } => format!(
                "{{\"what\":\"delayed\",\"delay_ms\":{:.3},\"queued_ms\":{:.3}}}",
                *delay_us as f64 / 1000.0,
                *queued_us as f64 / 1000.0
            ),
            Note::LinkReordered { overtaken_by } => {
                format!("{{\"what\":\"reordered\",\"overtaken_by\":{overtaken_by}}}")
            }
            Note::LinkDuplicated { copy } => {
                format!("{{\"what\":\"duplicated\",\"copy\":{copy}}}")
            }
            Note::LinkLostOriginal { ago_us } => format!(
                "{{\"what\":\"original-dropped\",\"ago_ms\":{:.3}}}",
                *ago_us as f64 / 1000.0
            ),
            Note::LinkLostAck { ago_us } => format!(
                "{{\"what\":\"ack-dropped\",\"ago_ms\":{:.3}}}",
                *ago_us as f64 / 1000.0
            ),
            _ => continue,
        };
        b.push_str(if first { ",\"link\":[" } else { "," });
        first = false;
        b.push_str(&one);
    }
    if !first {
        b.push(']');
    }
}

/// The kernel's record of a call: `,"kernel":{"syscall":"sendto",...}`.
fn kernel_call(b: &mut String, k: &kernel::Call) {
    let _ = write!(b, ",\"kernel\":{{\"syscall\":");
    push_str(b, k.syscall);
    b.push_str(",\"tid\":");
    push_opt_u64(b, Some(u64::from(k.tid)));
    b.push_str(",\"fd\":");
    match k.fd {
        Some(fd) => {
            let _ = write!(b, "{fd}");
        }
        None => b.push_str("null"),
    }
    b.push_str(",\"sock\":");
    push_opt_u64(b, k.sock.map(|s| u64::from(s.0)));
    b.push_str(",\"bytes\":");
    push_opt_u64(b, k.bytes);
    b.push_str(",\"errno\":");
    match k.errno.and_then(kernel::errno_name) {
        Some(name) => push_str(b, name),
        None => match k.errno {
            Some(e) => {
                let _ = write!(b, "{e}");
            }
            None => b.push_str("null"),
        },
    }
    if let SocketCall::Shutdown(Some(how)) = k.call {
        let _ = write!(b, ",\"how\":\"{}\"", how.as_str());
    }
    b.push('}');
}

/// `{"type":"kernel_state",...}`: one TCP state change of a socket, as the
/// kernel made it.
fn kernel_state(b: &mut String, t: f64, k: &KernelState) {
    let c = &k.change;
    let _ = write!(b, "{{\"type\":\"kernel_state\",\"t\":{t:.6},\"conn\":");
    push_opt_u64(b, k.conn);
    b.push_str(",\"side\":");
    match k.side {
        Some(s) => {
            let _ = write!(b, "\"{}\"", s.as_str());
        }
        None => b.push_str("null"),
    }
    let _ = write!(b, ",\"sock\":{},\"local\":", c.sock.0);
    push_opt_addr(b, c.local);
    b.push_str(",\"peer\":");
    push_opt_addr(b, c.peer);
    let _ = write!(
        b,
        ",\"old\":\"{}\",\"new\":\"{}\",\"pid\":",
        c.old.as_str(),
        c.new.as_str()
    );
    push_opt_u64(b, c.pid.map(u64::from));
    b.push_str(",\"prog\":");
    match &c.prog {
        Some(p) => push_str(b, &crate::escape::escape_controls(p, 96)),
        None => b.push_str("null"),
    }
    b.push('}');
}

/// `{"type":"link",...}`: what the link did to one frame of this capture's
/// connections.
fn link_item(b: &mut String, t: f64, l: &LinkItem) {
    let e = &l.ev;
    let _ = write!(
        b,
        "{{\"type\":\"link\",\"t\":{t:.6},\"what\":\"{}\",\"conn\":",
        e.what.as_str()
    );
    push_opt_u64(b, l.conn);
    let _ = write!(b, ",\"seen\":{},\"from\":", l.seen);
    push_str(b, &e.from);
    b.push_str(",\"to\":");
    push_str(b, &e.to);
    let _ = write!(b, ",\"id\":{},\"proto\":\"{}\",\"src\":", e.id, e.proto);
    push_opt_addr(b, e.src);
    b.push_str(",\"dst\":");
    push_opt_addr(b, e.dst);
    if let Some(tcp) = e.tcp {
        let _ = write!(b, ",\"seq\":{},\"ack\":{},\"flags\":[", tcp.seq, tcp.ack);
        for (i, f) in tcp.flags.names().iter().enumerate() {
            if i > 0 {
                b.push(',');
            }
            let _ = write!(b, "\"{f}\"");
        }
        b.push(']');
    }
    b.push_str(",\"len\":");
    push_opt_u64(b, e.payload.map(u64::from));
    match e.what {
        LinkWhat::Dropped(r) => {
            let _ = write!(b, ",\"reason\":\"{}\"", r.as_str());
        }
        LinkWhat::Delayed {
            delay_us,
            queued_us,
        } => {
            let _ = write!(
                b,
                ",\"delay_ms\":{:.3},\"queued_ms\":{:.3}",
                delay_us as f64 / 1000.0,
                queued_us as f64 / 1000.0
            );
        }
        LinkWhat::Reordered { overtaken_by } => {
            let _ = write!(b, ",\"overtaken_by\":{overtaken_by}");
        }
        LinkWhat::Duplicated => {}
    }
    b.push('}');
}

impl<W: Write> JsonRender<W> {
    /// Write one item now (it has left the [`Settle`] queue).
    fn draw(&mut self, item: &Item, unsettled: Option<&Inferred>) -> io::Result<()> {
        let b = &mut self.line;
        b.clear();
        let t = epoch_secs(item.t());
        match item {
            Item::Segment { seg, ann, .. } => {
                // Written piece by piece, without `format!`: this runs for
                // nearly every packet of a file.
                b.push_str("{\"type\":\"segment\",\"t\":");
                push_epoch_6(b, item.t());
                b.push_str(",\"conn\":");
                push_opt_u64(b, ann.conn);
                b.push_str(",\"src\":");
                push_quoted_addr(b, &mut self.addrs, &seg.src);
                b.push_str(",\"dst\":");
                push_quoted_addr(b, &mut self.addrs, &seg.dst);
                b.push_str(match ann.dir {
                    Dir::C2S => ",\"dir\":\"c2s\",\"flags\":[",
                    Dir::S2C => ",\"dir\":\"s2c\",\"flags\":[",
                });
                let mut first = true;
                for &(bit, name) in TcpFlags::NAMES.iter() {
                    if seg.flags.has(bit) {
                        if !first {
                            b.push(',');
                        }
                        first = false;
                        b.push('"');
                        b.push_str(name);
                        b.push('"');
                    }
                }
                b.push_str("],\"seq\":");
                push_u32(b, seg.seq.0);
                b.push_str(",\"ack\":");
                push_u32(b, seg.ack.0);
                b.push_str(",\"rel_seq\":");
                push_u32(b, ann.rel_seq);
                b.push_str(",\"rel_ack\":");
                push_u32(b, ann.rel_ack);
                b.push_str(",\"len\":");
                push_u32(b, seg.payload_len);
                b.push_str(",\"win\":");
                push_u32(b, u32::from(seg.window));
                b.push_str(",\"step\":\"");
                b.push_str(ann.step.as_str());
                b.push_str("\",\"labels\":[");
                for (i, l) in ann.labels.iter().enumerate() {
                    if i > 0 {
                        b.push(',');
                    }
                    push_str(b, &l.to_string());
                }
                b.push_str("],\"note\":");
                let words = &mut self.words;
                words.clear();
                facts::annotation_into(words, ann);
                if let Some(i) = unsettled {
                    words.push(' ');
                    facts::note_into(words, &Note::Inferred(*i));
                }
                push_str(b, words);
                b.push_str(",\"note_id\":\"");
                b.push_str(ann.note.id());
                b.push_str("\",\"client_state\":\"");
                b.push_str(ann.client_state.as_str());
                b.push_str("\",\"server_state\":\"");
                b.push_str(ann.server_state.as_str());
                b.push('"');
                if let Some(i) = unsettled {
                    let _ = write!(
                        b,
                        ",\"inferred\":{{\"side\":\"{}\",\"state\":\"{}\"}}",
                        i.side.as_str(),
                        i.state.as_str()
                    );
                }
                if seg.payload_len > 0 {
                    b.push_str(",\"preview\":");
                    words.clear();
                    escape_max_into(words, &seg.preview, PREVIEW_CHARS);
                    push_str(b, words);
                }
                if let Some(k) = &ann.kernel {
                    kernel_view(b, k);
                }
                link_notes(b, ann);
                b.push('}');
            }
            Item::Datagram { d, note, .. } => {
                let _ = write!(
                    b,
                    "{{\"type\":\"datagram\",\"t\":{t:.6},\"flow\":{},\"src\":\"{}\",\"dst\":\"{}\",\"len\":{},\"preview\":",
                    note.flow, d.src, d.dst, d.payload_len
                );
                push_str(b, &escape_max(&d.preview, PREVIEW_CHARS));
                b.push_str(",\"note\":");
                push_str(b, &facts::udp(&note.note));
                let _ = write!(b, ",\"note_id\":\"{}\"", note.note.id());
                b.push('}');
            }
            Item::Other { what, icmp, .. } => {
                let _ = write!(b, "{{\"type\":\"other\",\"t\":{t:.6},\"what\":");
                push_str(b, what);
                // An ICMP error: the connection or flow of the packet it quotes.
                let about = icmp.as_ref().and_then(|i| i.about);
                push_conversation(b, about);
                b.push('}');
            }
            Item::Bad { err, .. } => bad(b, t, err),
            Item::Call(c) => {
                let _ = write!(
                    b,
                    "{{\"type\":\"call\",\"t\":{t:.6},\"source\":\"{}\",\"prog\":",
                    c.source.as_str()
                );
                push_str(b, &c.ev.prog);
                let _ = write!(b, ",\"pid\":{},\"call\":", c.ev.pid);
                push_str(b, &c.ev.call);
                let _ = write!(
                    b,
                    ",\"phase\":\"{}\",\"local\":",
                    match c.ev.phase {
                        Phase::Enter => "enter",
                        Phase::Return => "return",
                    }
                );
                push_opt_addr(b, c.ev.local);
                b.push_str(",\"peer\":");
                push_opt_addr(b, c.ev.peer);
                b.push_str(",\"result\":");
                match (c.source, c.kernel.as_deref()) {
                    (Source::Kernel, Some(k)) if k.phase == kernel::Phase::Return => {
                        push_str(b, &en::kernel_result(k))
                    }
                    _ => push_str(b, &c.ev.result),
                }
                // The same in the chosen language (`result` stays English),
                // and a lab program's typed result, for scripts.
                b.push_str(",\"result_words\":");
                push_str(b, &crate::i18n::facts::call_result(c));
                if let Some(r) = &c.ev.returned {
                    let _ = write!(b, ",\"returned\":{}", r.to_json());
                }
                b.push_str(",\"conn\":");
                push_opt_u64(b, c.conn);
                b.push_str(",\"flow\":");
                push_opt_u64(b, c.flow);
                b.push_str(",\"relation\":");
                push_str(
                    b,
                    &c.relation.as_ref().map(relation_text).unwrap_or_default(),
                );
                // The same relation for scripts and the browser view: a
                // stable name that does not change with the language.
                b.push_str(",\"relation_id\":");
                match &c.relation {
                    Some(r) => {
                        let _ = write!(b, "\"{}\"", relation_id(r));
                    }
                    None => b.push_str("null"),
                }
                // The sender's uid, when another user sent it (else null).
                b.push_str(",\"uid\":");
                push_opt_u64(b, c.ev.other_uid.map(u64::from));
                // The name the user gave the program (chat's --name), else null.
                b.push_str(",\"name\":");
                match &c.ev.name {
                    Some(name) => push_str(b, name),
                    None => b.push_str("null"),
                }
                if let Some(side) = c.side {
                    let _ = write!(b, ",\"side\":\"{}\"", side.as_str());
                }
                if let Some(k) = c.kernel.as_deref() {
                    kernel_call(b, k);
                }
                if let Some(sp) = &c.spread {
                    let _ = write!(
                        b,
                        ",\"spread\":{{\"segments\":{},\"bytes\":{}}}",
                        sp.segments, sp.bytes
                    );
                }
                b.push('}');
            }
            Item::Kernel(k) => kernel_state(b, t, k),
            Item::Link(l) => link_item(b, t, l),
            Item::Connection(s) => connection(b, s),
        }
        if let Some(h) = self.headers.as_mut() {
            h.append(b, item);
        }
        b.push('\n');
        self.out.write_all(b.as_bytes())
    }

    fn drain(&mut self) -> io::Result<()> {
        let mut settle = std::mem::take(&mut self.settle);
        let done = settle.drain(&mut |it, unsettled| self.draw(it, unsettled));
        self.settle = settle;
        done
    }
}

impl<W: Write> Render for JsonRender<W> {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        let mut settle = std::mem::take(&mut self.settle);
        let done = settle.push(item, &mut |it, unsettled| self.draw(it, unsettled));
        self.settle = settle;
        done
    }

    fn end(&mut self, end: &End) -> io::Result<()> {
        self.drain()?;
        let t = &end.totals;
        let mut b = String::new();
        let _ = write!(
            b,
            "{{\"type\":\"totals\",\"packets\":{},\"tcp\":{},\"udp\":{},\"other\":{},\"truncated\":{},\"malformed\":{},\"untracked\":{},\"events\":{},\"events_rejected\":{},\"events_dropped\":{}",
            t.packets, t.tcp, t.udp, t.other, t.truncated, t.malformed, t.untracked, t.events, t.events_rejected, t.events_dropped
        );
        if let Some(k) = t.kernel {
            let _ = write!(
                b,
                ",\"kernel_received\":{},\"kernel_dropped\":{},\"if_dropped\":{},\"capture_dropped\":{}",
                k.received, k.dropped, k.if_dropped, t.capture_dropped
            );
        }
        if let Some(k) = &t.tracing {
            let _ = write!(
                b,
                ",\"kernel_trace\":{{\"calls\":{},\"confirmed\":{},\"states\":{},\"lost\":{},\"dropped\":{}}}",
                k.calls, k.confirmed, k.states, k.lost, k.dropped
            );
        }
        if let Some(l) = &t.link {
            let _ = write!(
                b,
                ",\"link\":{{\"events\":{},\"rejected\":{},\"dropped\":{}}}",
                l.events, l.rejected, l.dropped
            );
        }
        b.push_str("}\n");
        self.out.write_all(b.as_bytes())?;
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.out.flush()
    }
}

/// `,"conn":N,"flow":null` (or the other way round, or both null).
fn push_conversation(b: &mut String, c: Option<Conversation>) {
    let (conn, flow) = match c {
        Some(Conversation::Tcp(n)) => (Some(n), None),
        Some(Conversation::Udp(n)) => (None, Some(n)),
        None => (None, None),
    };
    b.push_str(",\"conn\":");
    push_opt_u64(b, conn);
    b.push_str(",\"flow\":");
    push_opt_u64(b, flow);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_json() {
        let mut b = String::new();
        push_str(&mut b, "a\"b\\c\nd\u{1}");
        assert_eq!(b, r#""a\"b\\c\nd\u0001""#);
        let v: serde_json::Value = serde_json::from_str(&b).unwrap();
        assert_eq!(v, "a\"b\\c\nd\u{1}");
    }
}
