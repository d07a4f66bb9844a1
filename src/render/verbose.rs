//! `capture -v`, `-vv`, `-x`, `-X`: every header field, layer by layer, and
//! the bytes, following tcpdump's conventions; and the `headers` object that
//! `--json -v` and the web view add to each packet.
//!
//! ```text
//!            IPv4  version 4, header length 20 bytes, DSCP 0, ECN 0, total length 60,
//!                  identification 22063 (0x562f), flags DF, fragment offset 0, TTL 64,
//!                  protocol TCP (6), header checksum 0xe68a (good), 127.0.0.1 > 127.0.0.1
//!            TCP   ports 53312 > 5000, seq 1045285132 (relative 0), ...
//!                  window 64 (×1024 = 65536 with wscale 10 from the SYN), ...
//! ```
//!
//! `-v` prints one paragraph per layer, `-vv` one line per field; both end
//! with the first bytes of the payload as hex and text. `-x` adds the whole
//! packet (from the IP header on) in hex, `-X` in hex and ASCII.
//!
//! The scaled window needs the window scale of the handshake, which is not
//! in the segment itself: [`WindowScales`] remembers it per connection from
//! the SYN and SYN-ACK it has seen, and the caller passes the result in.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::json::push_str;
use super::Item;
use crate::t;
use crate::track::Dir;
use crate::wire::detail::{
    Checksum, Headers, Icmp, Ip, Ipv4, Ipv6, Tcp, TcpOption, Transport, Udp,
};
use crate::wire::{TcpFlags, PREVIEW_BYTES};

/// Bytes of each packet kept for `-v`/`-vv` and the web view: every header
/// (at most 60 + 60 bytes, or 40 + extensions + 60) and the start of the payload.
pub const KEEP_FOR_HEADERS: usize = 256;
/// The largest window-scale shift RFC 7323 allows; larger offers count as 14.
const MAX_WSCALE: u8 = 14;
/// Connections whose window scale is remembered at once (as the tracker's
/// table); beyond that, new ones show an unknown scale.
const MAX_SCALES: usize = crate::track::DEFAULT_MAX_CONNECTIONS;
/// Under the explanation line of the text view.
const INDENT: &str = "           ";
/// Width of the layer name column (`IPv4  `, `TCP   `).
const LAYER_WIDTH: usize = 6;
/// Bytes per line of a hex dump, as tcpdump prints them.
const HEX_LINE: usize = 16;

/// How much `-x` / `-X` dumps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Hex {
    #[default]
    None,
    /// `-x`: the packet in hex.
    Hex,
    /// `-X`: the packet in hex and ASCII.
    HexAscii,
}

/// What the person asked to see of each packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Detail {
    /// 0: nothing more; 1: `-v`; 2 or more: `-vv`.
    pub verbose: u8,
    pub hex: Hex,
}

impl Detail {
    /// True when any header detail is shown.
    pub fn any(self) -> bool {
        self.verbose > 0 || self.hex != Hex::None
    }

    /// How many bytes of each packet the session must keep.
    pub fn keep(self) -> usize {
        if self.hex == Hex::None {
            KEEP_FOR_HEADERS
        } else {
            usize::MAX
        }
    }
}

/// What multiplies a segment's window field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// A SYN or SYN-ACK: its window is never scaled (RFC 7323 section 2.2).
    InSyn,
    /// Both SYNs offered scaling: the sender's own shift, from its SYN
    /// (`from_synack` false) or SYN-ACK.
    Shift { shift: u8, from_synack: bool },
    /// One side did not offer scaling: the window is in bytes.
    Off,
    /// The handshake was not captured (or the segment is untracked).
    Unknown,
}

impl Scale {
    /// The window in bytes, when it is known.
    pub fn apply(self, window: u16) -> Option<u64> {
        match self {
            Scale::InSyn | Scale::Off => Some(u64::from(window)),
            Scale::Shift { shift, .. } => Some(u64::from(window) << shift.min(MAX_WSCALE)),
            Scale::Unknown => None,
        }
    }
}

/// What each side of a connection offered in its SYN: `None` not seen yet,
/// `Some(None)` a SYN without window scale.
type Offers = [Option<Option<u8>>; 2];

/// The window scale of each connection, learnt from its handshake.
#[derive(Debug, Default)]
pub struct WindowScales {
    conns: HashMap<u64, Offers>,
}

impl WindowScales {
    /// Learn from `item` (a SYN, a SYN-ACK, a connection's end) and return
    /// the scale of its window if it is a segment.
    pub fn observe(&mut self, item: &Item) -> Scale {
        match item {
            Item::Segment { seg, ann, .. } => {
                let Some(conn) = ann.conn else {
                    return Scale::Unknown;
                };
                let side = match ann.dir {
                    Dir::C2S => 0,
                    Dir::S2C => 1,
                };
                if seg.flags.has(TcpFlags::SYN) {
                    if self.conns.len() < MAX_SCALES || self.conns.contains_key(&conn) {
                        self.conns.entry(conn).or_default()[side] = Some(seg.options.wscale);
                    }
                    return Scale::InSyn;
                }
                match self.conns.get(&conn) {
                    Some([Some(Some(c)), Some(Some(s))]) => Scale::Shift {
                        shift: if side == 0 { *c } else { *s },
                        from_synack: side == 1,
                    },
                    Some([Some(_), Some(_)]) => Scale::Off,
                    _ => Scale::Unknown,
                }
            }
            Item::Connection(s) => {
                self.conns.remove(&s.conn);
                Scale::Unknown
            }
            _ => Scale::Unknown,
        }
    }
}

/// One field of a header, for the text views.
struct Field {
    name: &'static str,
    value: String,
}

/// One header: its name and fields, in wire order.
struct Layer {
    name: &'static str,
    /// `IPv4 header, 20 bytes` in `-vv`.
    title: String,
    fields: Vec<Field>,
}

fn field(name: &'static str, value: impl Into<String>) -> Field {
    Field {
        name,
        value: value.into(),
    }
}

/// `0xe68a (good)`, `0xfe30 (partial: ...)`, `0x1234 (bad, should be 0x4321)`.
fn checksum_text(value: u16, status: Checksum) -> String {
    let why = match status {
        Checksum::Good => t!("capture-v-checksum-good"),
        Checksum::Bad { expected } => t!(
            "capture-v-checksum-bad",
            expected = format!("{expected:#06x}")
        ),
        Checksum::Partial => t!("capture-v-checksum-partial"),
        Checksum::Absent => t!("capture-v-checksum-absent"),
        Checksum::Unverified => t!("capture-v-checksum-unverified"),
    };
    format!("{value:#06x} ({why})")
}

/// `TCP (6)`, `UDP (17)`, `ICMP (1)`, `ip proto 132`.
fn proto_text(proto: u8) -> String {
    let name = match proto {
        0 => "hop-by-hop options",
        1 => "ICMP",
        6 => "TCP",
        17 => "UDP",
        43 => "routing",
        44 => "fragment",
        51 => "authentication",
        58 => "ICMPv6",
        60 => "destination options",
        _ => "other",
    };
    format!("{name} ({proto})")
}

fn ipv4_layer(h: &Ipv4) -> Layer {
    let mut flags = Vec::new();
    if h.reserved {
        flags.push("reserved bit");
    }
    if h.df {
        flags.push("DF");
    }
    if h.mf {
        flags.push("MF");
    }
    let mut fields = vec![
        field("version", "4"),
        field(
            "header length",
            format!("{} bytes (IHL {})", h.header_len, h.header_len / 4),
        ),
        field("DSCP", h.dscp.to_string()),
        field("ECN", h.ecn.to_string()),
        field("total length", h.total_len.to_string()),
        field("identification", format!("{} ({:#06x})", h.id, h.id)),
        field(
            "flags",
            if flags.is_empty() {
                t!("capture-v-none")
            } else {
                flags.join(" ")
            },
        ),
        field("fragment offset", h.frag_offset.to_string()),
        field("TTL", h.ttl.to_string()),
        field("protocol", proto_text(h.proto)),
        field(
            "header checksum",
            checksum_text(h.checksum, h.checksum_status),
        ),
        field("source", h.src.to_string()),
        field("destination", h.dst.to_string()),
    ];
    if !h.options.is_empty() {
        fields.push(field("options", format!("{} bytes", h.options.len())));
    }
    Layer {
        name: "IPv4",
        title: t!("capture-v-title", layer = "IPv4", n = h.header_len),
        fields,
    }
}

fn ipv6_layer(h: &Ipv6) -> Layer {
    let mut fields = vec![
        field("version", "6"),
        field(
            "traffic class",
            format!(
                "{:#04x} (DSCP {}, ECN {})",
                h.traffic_class,
                h.dscp(),
                h.ecn()
            ),
        ),
        field("flow label", format!("{:#07x}", h.flow_label)),
        field("payload length", h.payload_len.to_string()),
        field("next header", proto_text(h.next_header)),
        field("hop limit", h.hop_limit.to_string()),
        field("source", h.src.to_string()),
        field("destination", h.dst.to_string()),
    ];
    for (kind, len) in &h.extensions {
        fields.push(field(
            "extension header",
            format!("{}, {len} bytes", proto_text(*kind)),
        ));
    }
    Layer {
        name: "IPv6",
        title: t!("capture-v-title", layer = "IPv6", n = 40),
        fields,
    }
}

/// `mss 65495`, `wscale 7 (×128)`, `sack 16-32 64-80`...
fn option_text(o: &TcpOption) -> String {
    match o {
        TcpOption::End => t!("capture-v-option-end"),
        TcpOption::Nop => "nop".into(),
        TcpOption::Mss(m) => format!("mss {m}"),
        TcpOption::WindowScale(s) => {
            format!("wscale {s} (×{})", 1u32 << (*s).min(MAX_WSCALE))
        }
        TcpOption::SackPermitted => "sackOK".into(),
        TcpOption::Sack(blocks) => {
            let b: Vec<String> = blocks.iter().map(|(l, r)| format!("{l}-{r}")).collect();
            format!("sack {}", b.join(" "))
        }
        TcpOption::Timestamps { val, ecr } => format!("TS val {val} ecr {ecr}"),
        TcpOption::Unknown { kind, data } => {
            t!(
                "capture-v-option-unknown",
                kind = *kind,
                n = data.len(),
                hex = hex_string(data)
            )
        }
        TcpOption::Malformed { kind, len } => {
            t!("capture-v-option-malformed", kind = *kind, len = *len)
        }
    }
}

/// `window 64 (×1024 = 65536 with wscale 10 from the SYN)`.
fn window_text(window: u16, scale: Scale) -> String {
    match scale {
        Scale::InSyn => t!("capture-v-window-syn", window = window),
        Scale::Shift { shift, from_synack } => t!(
            "capture-v-window-scaled",
            window = window,
            factor = 1u32 << shift.min(MAX_WSCALE),
            bytes = u64::from(window) << shift.min(MAX_WSCALE),
            shift = shift,
            from = if from_synack { "SYN-ACK" } else { "SYN" }
        ),
        Scale::Off => t!("capture-v-window-off", window = window),
        Scale::Unknown => t!("capture-v-window-unknown", window = window),
    }
}

/// `SYN ACK (0x012)`.
fn flags_text(flags: TcpFlags, reserved: u8) -> String {
    let names = flags.names();
    let mut text = if names.is_empty() {
        t!("capture-v-none")
    } else {
        names.join(" ")
    };
    // The 9th flag bit (AE, formerly NS) is the low bit of the reserved nibble.
    let bits = u16::from(flags.0) | (u16::from(reserved & 1) << 8);
    let _ = write!(text, " ({bits:#05x})");
    text
}

fn tcp_layer(h: &Tcp, scale: Scale, rel: Option<(u32, u32)>) -> Layer {
    let seq = match rel {
        Some((rel_seq, _)) => t!("capture-v-relative", n = h.seq, rel = rel_seq),
        None => h.seq.to_string(),
    };
    let ack = if !h.flags.has(TcpFlags::ACK) {
        t!("capture-v-ack-unused", n = h.ack)
    } else {
        match rel {
            Some((_, rel_ack)) => t!("capture-v-relative", n = h.ack, rel = rel_ack),
            None => h.ack.to_string(),
        }
    };
    let mut fields = vec![
        field("source port", h.src_port.to_string()),
        field("destination port", h.dst_port.to_string()),
        field("sequence number", seq),
        field("acknowledgment number", ack),
        field(
            "header length",
            format!("{} bytes (data offset {})", h.header_len, h.header_len / 4),
        ),
        field("flags", flags_text(h.flags, h.reserved)),
        field("window", window_text(h.window, scale)),
        field("checksum", checksum_text(h.checksum, h.checksum_status)),
        field("urgent pointer", h.urgent.to_string()),
    ];
    if !h.options.is_empty() {
        let opts: Vec<String> = h.options.iter().map(option_text).collect();
        fields.push(field("options", opts.join(", ")));
    }
    Layer {
        name: "TCP",
        title: t!("capture-v-title", layer = "TCP", n = h.header_len),
        fields,
    }
}

fn udp_layer(h: &Udp) -> Layer {
    Layer {
        name: "UDP",
        title: t!("capture-v-title", layer = "UDP", n = 8),
        fields: vec![
            field("source port", h.src_port.to_string()),
            field("destination port", h.dst_port.to_string()),
            field(
                "length",
                t!(
                    "capture-v-udp-length",
                    len = h.length,
                    data = h.length.saturating_sub(8)
                ),
            ),
            field("checksum", checksum_text(h.checksum, h.checksum_status)),
        ],
    }
}

fn icmp_layer(h: &Icmp) -> Layer {
    Layer {
        name: if h.v6 { "ICMPv6" } else { "ICMP" },
        title: t!(
            "capture-v-title",
            layer = if h.v6 { "ICMPv6" } else { "ICMP" },
            n = 8
        ),
        fields: vec![
            field("type", h.icmp_type.to_string()),
            field("code", h.code.to_string()),
            field("checksum", checksum_text(h.checksum, h.checksum_status)),
            field("rest of header", format!("{:#010x}", h.rest)),
        ],
    }
}

/// The layers of `h`, network first.
fn layers(h: &Headers, scale: Scale, rel: Option<(u32, u32)>) -> Vec<Layer> {
    let mut out = vec![match &h.ip {
        Ip::V4(v4) => ipv4_layer(v4),
        Ip::V6(v6) => ipv6_layer(v6),
    }];
    match &h.transport {
        Transport::Tcp(t) => out.push(tcp_layer(t, scale, rel)),
        Transport::Udp(u) => out.push(udp_layer(u)),
        Transport::Icmp(i) => out.push(icmp_layer(i)),
        Transport::Other { .. } => {}
    }
    out
}

/// `48656c6c6f`.
fn hex_string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// tcpdump's hex dump: `0x0000:  4500 003c 562f 4000 ...  E..<V/@.`, one
/// line of [`HEX_LINE`] bytes each; as in tcpdump only visible ASCII is
/// shown as text (a space too is a dot), so a payload cannot move the
/// cursor or change the terminal.
pub fn hex_dump(out: &mut String, indent: &str, bytes: &[u8], ascii: bool) {
    for (i, line) in bytes.chunks(HEX_LINE).enumerate() {
        let _ = write!(out, "{indent}0x{:04x}: ", i * HEX_LINE);
        let mut hex = String::with_capacity(HEX_LINE * 5 / 2);
        for pair in line.chunks(2) {
            hex.push(' ');
            for b in pair {
                let _ = write!(hex, "{b:02x}");
            }
        }
        out.push_str(&hex);
        if ascii {
            // Pad the hex to a full line so the text column lines up.
            let full = HEX_LINE / 2 * 5;
            out.push_str(&" ".repeat(full.saturating_sub(hex.len()) + 2));
            out.extend(
                line.iter()
                    .map(|&b| if b.is_ascii_graphic() { b as char } else { '.' }),
            );
        }
        out.push('\n');
    }
}

/// Parts joined by `sep`, wrapped at `width`: a line breaks between parts,
/// and inside a part (between words) only when the part alone is too wide.
/// Every line after the first starts with `cont`.
fn wrap(first: &str, cont: &str, parts: &[String], sep: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut fresh = true;
    let len = |s: &str| s.chars().count();
    for (i, part) in parts.iter().enumerate() {
        let piece = if i + 1 < parts.len() {
            format!("{part}{sep}")
        } else {
            part.clone()
        };
        if !fresh && len(&line) + len(piece.trim_end()) > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = cont.to_string();
            fresh = true;
        }
        if len(&line) + len(piece.trim_end()) <= width {
            line.push_str(&piece);
            fresh = false;
            continue;
        }
        // Too wide even on a line of its own: fill word by word.
        for word in piece.split_inclusive(' ') {
            if !fresh && len(&line) + len(word.trim_end()) > width {
                out.push_str(line.trim_end());
                out.push('\n');
                line = cont.to_string();
            }
            line.push_str(word);
            fresh = false;
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// The text of one packet's headers at `detail`, for a `width`-column screen.
pub fn text(
    h: &Headers,
    scale: Scale,
    rel: Option<(u32, u32)>,
    detail: Detail,
    width: usize,
) -> String {
    let mut out = String::new();
    let layer_indent = format!("{INDENT}{:LAYER_WIDTH$}", "");
    if detail.verbose == 1 {
        for l in layers(h, scale, rel) {
            let parts: Vec<String> = l
                .fields
                .iter()
                .map(|f| format!("{} {}", f.name, f.value))
                .collect();
            let first = format!("{INDENT}{:LAYER_WIDTH$}", l.name);
            out.push_str(&wrap(&first, &layer_indent, &parts, ", ", width));
        }
    } else if detail.verbose >= 2 {
        let name_width = layers(h, scale, rel)
            .iter()
            .flat_map(|l| l.fields.iter().map(|f| f.name.len()))
            .max()
            .unwrap_or(0);
        for l in layers(h, scale, rel) {
            let _ = writeln!(out, "{INDENT}{}", l.title);
            for f in &l.fields {
                let first = format!("{INDENT}  {:name_width$}  ", f.name);
                let cont = " ".repeat(first.chars().count());
                let words: Vec<String> = f.value.split(' ').map(str::to_string).collect();
                out.push_str(&wrap(&first, &cont, &words, " ", width));
            }
        }
    }
    if detail.verbose > 0 && h.payload_len > 0 {
        let payload = h.bytes.get(h.payload_at..).unwrap_or(&[]);
        let shown = &payload[..payload.len().min(PREVIEW_BYTES)];
        let more = h.payload_len.saturating_sub(shown.len());
        let _ = write!(
            out,
            "{INDENT}{:LAYER_WIDTH$}{}",
            "data",
            t!("capture-v-data-bytes", bytes = h.payload_len)
        );
        if more > 0 {
            out.push_str(&t!("capture-v-data-shown", shown = shown.len()));
        }
        out.push('\n');
        hex_dump(&mut out, INDENT, shown, true);
    }
    if detail.hex != Hex::None {
        let n = h.bytes.len().min(h.captured);
        hex_dump(&mut out, "\t", &h.bytes[..n], detail.hex == Hex::HexAscii);
    }
    out
}

/// `-v`, `-vv`, `-x`, `-X` in the text view: the header lines of each
/// packet, which the text renderer writes right after the packet's own
/// lines ([`super::text::TextRender::after_item`]), in its order.
pub struct VerboseLines {
    detail: Detail,
    width: usize,
    scales: WindowScales,
}

impl VerboseLines {
    /// Lines for a `width`-column screen.
    pub fn new(detail: Detail, width: usize) -> Self {
        VerboseLines {
            detail,
            width,
            scales: WindowScales::default(),
        }
    }

    /// The header lines of `item` (none for items without headers). Every
    /// item must come through here, in order: the handshake's SYNs give the
    /// window scale of the segments after them.
    pub fn lines(&mut self, item: &Item) -> String {
        let scale = self.scales.observe(item);
        let Some(h) = item.headers() else {
            return String::new();
        };
        let rel = match item {
            Item::Segment { ann, .. } if ann.conn.is_some() => Some((ann.rel_seq, ann.rel_ack)),
            _ => None,
        };
        text(h, scale, rel, self.detail, self.width)
    }
}

/// Adds the `headers` object to the JSON line of each packet.
#[derive(Debug, Default)]
pub struct HeadersJson {
    scales: WindowScales,
}

impl HeadersJson {
    /// Learn from `item` and, if it carries headers, add them to `line` (a
    /// complete JSON object ending in `}`) as its last key.
    pub fn append(&mut self, line: &mut String, item: &Item) {
        let scale = self.scales.observe(item);
        let Some(h) = item.headers() else {
            return;
        };
        if line.ends_with('}') {
            line.pop();
            line.push_str(",\"headers\":");
            headers_json(line, h, scale);
            line.push('}');
        }
    }
}

fn checksum_json(buf: &mut String, value: u16, status: Checksum) {
    let _ = write!(
        buf,
        "\"checksum\":\"{value:#06x}\",\"checksum_status\":\"{}\",\"checksum_expected\":",
        status.as_str()
    );
    match status {
        Checksum::Bad { expected } => {
            let _ = write!(buf, "\"{expected:#06x}\"");
        }
        _ => buf.push_str("null"),
    }
}

fn option_json(buf: &mut String, o: &TcpOption) {
    let _ = write!(buf, "{{\"kind\":{},\"name\":", o.kind());
    match o {
        TcpOption::End => buf.push_str("\"eol\""),
        TcpOption::Nop => buf.push_str("\"nop\""),
        TcpOption::Mss(m) => {
            let _ = write!(buf, "\"mss\",\"value\":{m}");
        }
        TcpOption::WindowScale(s) => {
            let _ = write!(
                buf,
                "\"wscale\",\"shift\":{s},\"multiplier\":{}",
                1u32 << (*s).min(MAX_WSCALE)
            );
        }
        TcpOption::SackPermitted => buf.push_str("\"sack_permitted\""),
        TcpOption::Sack(blocks) => {
            buf.push_str("\"sack\",\"blocks\":[");
            for (i, (l, r)) in blocks.iter().enumerate() {
                if i > 0 {
                    buf.push(',');
                }
                let _ = write!(buf, "[{l},{r}]");
            }
            buf.push(']');
        }
        TcpOption::Timestamps { val, ecr } => {
            let _ = write!(buf, "\"timestamps\",\"val\":{val},\"ecr\":{ecr}");
        }
        TcpOption::Unknown { data, .. } => {
            let _ = write!(buf, "\"unknown\",\"data\":\"{}\"", hex_string(data));
        }
        TcpOption::Malformed { len, .. } => {
            let _ = write!(buf, "\"malformed\",\"len\":{len}");
        }
    }
    buf.push('}');
}

/// The `headers` object: `{"ip":{..},"tcp":{..},"payload":{..}}` (or
/// `"udp"`, `"icmp"`), documented in docs/protocol.md.
pub fn headers_json(buf: &mut String, h: &Headers, scale: Scale) {
    buf.push_str("{\"ip\":");
    match &h.ip {
        Ip::V4(v) => {
            let _ = write!(
                buf,
                "{{\"version\":4,\"header_len\":{},\"dscp\":{},\"ecn\":{},\"total_len\":{},\"id\":{},\"flags\":{{\"reserved\":{},\"df\":{},\"mf\":{}}},\"frag_offset\":{},\"ttl\":{},\"proto\":{},",
                v.header_len, v.dscp, v.ecn, v.total_len, v.id, v.reserved, v.df, v.mf, v.frag_offset, v.ttl, v.proto
            );
            checksum_json(buf, v.checksum, v.checksum_status);
            let _ = write!(
                buf,
                ",\"src\":\"{}\",\"dst\":\"{}\",\"options_len\":{}}}",
                v.src,
                v.dst,
                v.options.len()
            );
        }
        Ip::V6(v) => {
            let _ = write!(
                buf,
                "{{\"version\":6,\"traffic_class\":{},\"dscp\":{},\"ecn\":{},\"flow_label\":{},\"payload_len\":{},\"next_header\":{},\"hop_limit\":{},\"src\":\"{}\",\"dst\":\"{}\",\"extensions\":[",
                v.traffic_class, v.dscp(), v.ecn(), v.flow_label, v.payload_len, v.next_header, v.hop_limit, v.src, v.dst
            );
            for (i, (kind, len)) in v.extensions.iter().enumerate() {
                if i > 0 {
                    buf.push(',');
                }
                let _ = write!(buf, "{{\"type\":{kind},\"len\":{len}}}");
            }
            buf.push_str("]}");
        }
    }
    match &h.transport {
        Transport::Tcp(t) => {
            let _ = write!(
                buf,
                ",\"tcp\":{{\"src_port\":{},\"dst_port\":{},\"seq\":{},\"ack\":{},\"header_len\":{},\"reserved\":{},\"flags\":[",
                t.src_port, t.dst_port, t.seq, t.ack, t.header_len, t.reserved
            );
            for (i, name) in t.flags.names().iter().enumerate() {
                if i > 0 {
                    buf.push(',');
                }
                let _ = write!(buf, "\"{name}\"");
            }
            let _ = write!(
                buf,
                "],\"flag_bits\":{},\"window\":{},\"window_scaled\":",
                t.flags.0, t.window
            );
            match scale.apply(t.window) {
                Some(w) => {
                    let _ = write!(buf, "{w}");
                }
                None => buf.push_str("null"),
            }
            buf.push_str(",\"wscale\":");
            match scale {
                Scale::Shift { shift, from_synack } => {
                    let _ = write!(
                        buf,
                        "{shift},\"wscale_from\":\"{}\"",
                        if from_synack { "SYN-ACK" } else { "SYN" }
                    );
                }
                _ => buf.push_str("null,\"wscale_from\":null"),
            }
            buf.push(',');
            checksum_json(buf, t.checksum, t.checksum_status);
            let _ = write!(buf, ",\"urgent\":{},\"options\":[", t.urgent);
            for (i, o) in t.options.iter().enumerate() {
                if i > 0 {
                    buf.push(',');
                }
                option_json(buf, o);
            }
            buf.push_str("]}");
        }
        Transport::Udp(u) => {
            let _ = write!(
                buf,
                ",\"udp\":{{\"src_port\":{},\"dst_port\":{},\"length\":{},",
                u.src_port, u.dst_port, u.length
            );
            checksum_json(buf, u.checksum, u.checksum_status);
            buf.push('}');
        }
        Transport::Icmp(i) => {
            let _ = write!(
                buf,
                ",\"icmp\":{{\"version\":{},\"type\":{},\"code\":{},",
                if i.v6 { 6 } else { 4 },
                i.icmp_type,
                i.code
            );
            checksum_json(buf, i.checksum, i.checksum_status);
            let _ = write!(buf, ",\"rest\":\"{:#010x}\"}}", i.rest);
        }
        Transport::Other { proto } => {
            let _ = write!(buf, ",\"other\":{{\"proto\":{proto}}}");
        }
    }
    let payload = h.bytes.get(h.payload_at..).unwrap_or(&[]);
    let shown = &payload[..payload.len().min(PREVIEW_BYTES)];
    let _ = write!(buf, ",\"payload\":{{\"len\":{},\"hex\":", h.payload_len);
    push_str(buf, &hex_string(shown));
    buf.push_str("}}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::detail::decode;
    use crate::wire::{build, LinkType};

    fn syn_ack() -> Headers {
        let ip = build::tcp_v4(
            "127.0.0.1:5000".parse().unwrap(),
            "127.0.0.1:53312".parse().unwrap(),
            100,
            7,
            TcpFlags::SYN | TcpFlags::ACK,
            65483,
            &[2, 4, 0xff, 0xd7, 1, 3, 3, 10],
            b"",
        );
        decode(LinkType::Ipv4, &ip, usize::MAX).unwrap()
    }

    #[test]
    fn the_scaled_window_says_where_its_factor_comes_from() {
        let scale = Scale::Shift {
            shift: 10,
            from_synack: false,
        };
        assert_eq!(
            window_text(64, scale),
            "64 (×1024 = 65536 with wscale 10 from the SYN)"
        );
        assert_eq!(scale.apply(64), Some(65536));
        assert_eq!(Scale::Unknown.apply(64), None);
        assert_eq!(
            window_text(65483, Scale::InSyn),
            "65483 (a SYN's window is never scaled)"
        );
    }

    #[test]
    fn verbose_text_has_every_field_and_fits_the_width() {
        let h = syn_ack();
        let one = text(
            &h,
            Scale::InSyn,
            None,
            Detail {
                verbose: 1,
                hex: Hex::None,
            },
            80,
        );
        for want in [
            "IPv4  version 4",
            "TTL 64",
            "flags DF",
            "header checksum 0x",
            "(good)",
            "TCP   source port 5000",
            "flags SYN ACK (0x012)",
            "options mss 65495, nop, wscale 10 (×1024)",
            "urgent pointer 0",
        ] {
            assert!(one.contains(want), "{want:?} missing from\n{one}");
        }
        for line in one.lines() {
            assert!(line.chars().count() <= 80, "too wide: {line:?}");
        }
        let two = text(
            &h,
            Scale::InSyn,
            None,
            Detail {
                verbose: 2,
                hex: Hex::None,
            },
            100,
        );
        assert!(two.contains("TCP header, 28 bytes"), "{two}");
        assert!(
            two.lines().any(|l| l.trim_start().starts_with("TTL ")),
            "{two}"
        );
    }

    #[test]
    fn hex_dumps_look_like_tcpdumps() {
        let mut out = String::new();
        hex_dump(&mut out, "\t", b"E\x00\x00<hello, world!\x1b[2J", true);
        assert_eq!(
            out,
            format!(
                "\t0x0000:  4500 003c 6865 6c6c 6f2c 2077 6f72 6c64  E..<hello,.world\n\
                 \t0x0010:  211b 5b32 4a{}!.[2J\n",
                " ".repeat(29)
            )
        );
        let mut plain = String::new();
        hex_dump(&mut plain, "", &[0xab; 3], false);
        assert_eq!(plain, "0x0000:  abab ab\n");
    }

    #[test]
    fn headers_json_parses_and_carries_the_fields() {
        let h = syn_ack();
        let mut buf = String::new();
        headers_json(&mut buf, &h, Scale::InSyn);
        let v: serde_json::Value = serde_json::from_str(&buf).unwrap();
        assert_eq!(v["ip"]["ttl"], 64);
        assert_eq!(v["ip"]["flags"]["df"], true);
        assert_eq!(v["ip"]["checksum_status"], "good");
        assert_eq!(v["tcp"]["flags"], serde_json::json!(["SYN", "ACK"]));
        assert_eq!(v["tcp"]["window_scaled"], 65483);
        assert_eq!(v["tcp"]["options"][2]["name"], "wscale");
        assert_eq!(v["tcp"]["options"][2]["multiplier"], 1024);
        assert_eq!(v["payload"]["len"], 0);
    }
}
