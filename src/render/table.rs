//! The end-of-capture summary: one row per connection, then the counters.
//!
//! The table fits the width it is given. Columns are laid out here, not by
//! `comfy-table`'s dynamic arrangement (which breaks words and addresses
//! in the middle: `handsh/ake`, `127.0./0.1:59/770`): headers and cells
//! wrap only at spaces, and when even that does not fit, related columns
//! are stacked in one (client over server, handshake over teardown,
//! segments over bytes), then the least important ones are dropped
//! (handshake RTT, duration, closed by...). Below that, each connection
//! becomes a short paragraph.

use std::io::{self, Write};

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};

use super::wrap::{self, longest_word};
use super::{handshake_word, human_duration, side_word, teardown_word, End, Style, Totals};
use crate::t;
use crate::track::ConnSummary;

/// Cells a column costs besides its content: a space on each side and the
/// separator (the table's last border is counted once, [`TABLE_EDGE`]).
const COLUMN_FRAME: usize = 3;
const TABLE_EDGE: usize = 1;

/// One column: a header and a cell per row, each made of parts that go on
/// lines of their own (a stacked column has two).
#[derive(Clone, Debug)]
struct Column {
    header: Vec<String>,
    cells: Vec<Vec<String>>,
    right: bool,
}

impl Column {
    fn new(header: &str, cells: Vec<String>) -> Column {
        Column {
            header: vec![header.to_string()],
            cells: cells.into_iter().map(|c| vec![c]).collect(),
            right: false,
        }
    }

    fn right(mut self) -> Column {
        self.right = true;
        self
    }

    /// This column with `other` under it, in the same cells.
    fn stack(mut self, other: Column) -> Column {
        self.header.extend(other.header);
        for (c, o) in self.cells.iter_mut().zip(other.cells) {
            c.extend(o);
        }
        self
    }

    fn parts(&self) -> impl Iterator<Item = &String> {
        self.header.iter().chain(self.cells.iter().flatten())
    }

    /// The narrowest it can be without breaking a word.
    fn min_width(&self) -> usize {
        self.parts().map(|p| longest_word(p)).max().unwrap_or(0)
    }

    /// The width it takes with nothing wrapped.
    fn full_width(&self) -> usize {
        self.parts().map(|p| wrap::width(p)).max().unwrap_or(0)
    }
}

/// The columns of the table, most important first within each role.
struct Columns {
    conn: Column,
    client: Column,
    server: Column,
    handshake: Column,
    teardown: Column,
    closed_by: Column,
    duration: Column,
    segments: Column,
    bytes: Column,
    rtt: Column,
    retransmissions: Column,
    dup_acks: Column,
}

impl Columns {
    fn of(connections: &[ConnSummary]) -> Columns {
        let col = |header: &str, f: &dyn Fn(&ConnSummary) -> String| {
            Column::new(header, connections.iter().map(f).collect())
        };
        Columns {
            conn: col("#", &|s| s.conn.to_string()).right(),
            client: col(&t!("capture-col-client"), &|s| s.client.to_string()),
            server: col(&t!("capture-col-server"), &|s| s.server.to_string()),
            handshake: col(&t!("capture-col-handshake"), &|s| {
                handshake_word(s.handshake)
            }),
            teardown: col(&t!("capture-col-teardown"), &|s| {
                if s.half_close {
                    format!("{} {}", teardown_word(s.teardown), t!("capture-half-close"))
                } else {
                    teardown_word(s.teardown)
                }
            }),
            closed_by: col(&t!("capture-col-closed-by"), &|s| match s.closed_by {
                Some(side) => side_word(side),
                None => "-".to_string(),
            }),
            duration: col(&t!("capture-col-duration"), &|s| {
                human_duration(s.last.saturating_sub(s.first))
            }),
            segments: col(&t!("capture-col-segments-both"), &|s| {
                format!("{}/{}", s.segments_c2s, s.segments_s2c)
            }),
            bytes: col(&t!("capture-col-bytes-both"), &|s| {
                format!("{}/{}", s.bytes_c2s, s.bytes_s2c)
            }),
            rtt: col(&t!("capture-col-rtt"), &|s| {
                s.handshake_rtt
                    .map(human_duration)
                    .unwrap_or_else(|| "-".into())
            }),
            retransmissions: col(&t!("capture-col-retrans"), &|s| {
                s.retransmissions.to_string()
            })
            .right(),
            dup_acks: col(&t!("capture-col-dup-acks"), &|s| s.dup_acks.to_string()).right(),
        }
    }

    /// The layouts to try, widest first: everything side by side, then
    /// related columns stacked, then the least important dropped.
    fn layouts(self) -> Vec<Vec<Column>> {
        let Columns {
            conn,
            client,
            server,
            handshake,
            teardown,
            closed_by,
            duration,
            segments,
            bytes,
            rtt,
            retransmissions,
            dup_acks,
        } = self;
        let ends = client.clone().stack(server.clone());
        let story = handshake.clone().stack(teardown.clone());
        // One "c→s/s→c" says it for both.
        let mut counts = segments.clone().stack(bytes.clone());
        counts.header = vec![t!("capture-col-segments"), t!("capture-col-bytes-both")];
        let losses = retransmissions.clone().stack(dup_acks.clone());
        let all = vec![
            conn.clone(),
            client,
            server,
            handshake.clone(),
            teardown.clone(),
            closed_by.clone(),
            duration.clone(),
            segments.clone(),
            bytes.clone(),
            rtt.clone(),
            retransmissions,
            dup_acks,
        ];
        let stacked_ends = vec![
            conn.clone(),
            ends.clone(),
            handshake,
            teardown,
            closed_by.clone(),
            duration.clone(),
            segments,
            bytes,
            rtt.clone(),
            losses.clone(),
        ];
        // Then always stacked, dropping from the right: the handshake RTT,
        // the duration, who closed, the losses, the counts.
        let stacked = [conn, ends, story, closed_by, duration, counts, losses, rtt];
        let keep = |names: &[usize]| -> Vec<Column> {
            names.iter().map(|&i| stacked[i].clone()).collect()
        };
        vec![
            all,
            stacked_ends,
            keep(&[0, 1, 2, 3, 4, 5, 6, 7]),
            keep(&[0, 1, 2, 3, 4, 5, 6]),
            keep(&[0, 1, 2, 3, 5, 6]),
            keep(&[0, 1, 2, 5, 6]),
            keep(&[0, 1, 2, 5]),
            keep(&[0, 1, 2]),
        ]
    }
}

/// Widths for `cols` within `width` cells, or `None` when even their
/// narrowest does not fit. Room left over goes to the columns that wrap,
/// up to their full width.
fn widths(cols: &[Column], width: usize) -> Option<Vec<usize>> {
    let frame = cols.len() * COLUMN_FRAME + TABLE_EDGE;
    let room = width.checked_sub(frame)?;
    let mut w: Vec<usize> = cols.iter().map(Column::min_width).collect();
    if w.iter().sum::<usize>() > room {
        return None;
    }
    let full: Vec<usize> = cols.iter().map(Column::full_width).collect();
    let mut spare = room - w.iter().sum::<usize>();
    // One cell at a time, to the column furthest from its full width.
    while spare > 0 {
        let Some(i) = (0..cols.len())
            .filter(|&i| w[i] < full[i])
            .max_by_key(|&i| full[i] - w[i])
        else {
            break;
        };
        w[i] += 1;
        spare -= 1;
    }
    Some(w)
}

/// A cell's parts wrapped to `width`, one line each.
fn lines(parts: &[String], width: usize) -> String {
    parts
        .iter()
        .flat_map(|p| wrap::wrap(p, width))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Write the connection table (or a line saying there was none), at most
/// `width` cells wide.
pub fn write_summary(out: &mut dyn Write, end: &End, style: Style, width: usize) -> io::Result<()> {
    if end.connections.is_empty() {
        return writeln!(out, "{}", t!("capture-no-connection"));
    }
    let layout = Columns::of(&end.connections)
        .layouts()
        .into_iter()
        .find_map(|cols| widths(&cols, width).map(|w| (cols, w)));
    let Some((cols, w)) = layout else {
        return write_paragraphs(out, &end.connections, width);
    };
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    if !style.color {
        t.force_no_tty();
    }
    t.set_header(
        cols.iter()
            .zip(&w)
            .map(|(c, &w)| Cell::new(lines(&c.header, w))),
    );
    for row in 0..end.connections.len() {
        t.add_row(cols.iter().zip(&w).map(|(c, &w)| {
            let cell = Cell::new(lines(&c.cells[row], w));
            if c.right {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    writeln!(out, "{t}")?;
    if end.more_connections > 0 {
        write_wrapped(
            out,
            &t!("capture-more-connections", n = end.more_connections),
            width,
        )?;
    }
    Ok(())
}

/// Too narrow for any table: each connection as a few wrapped lines.
fn write_paragraphs(out: &mut dyn Write, conns: &[ConnSummary], width: usize) -> io::Result<()> {
    // A value and its unit stay on one line (a no-break space).
    let keep = |t: String| t.replace(' ', "\u{a0}");
    for s in conns {
        let closed = match s.closed_by {
            Some(side) => format!(", {}", t!("capture-closed-by", side = side_word(side))),
            None => String::new(),
        };
        let rtt = s
            .handshake_rtt
            .map(|r| t!("capture-paragraph-rtt", rtt = keep(human_duration(r))))
            .unwrap_or_default();
        let half = if s.half_close {
            format!(" {}", t!("capture-half-close"))
        } else {
            String::new()
        };
        let text = t!(
            "capture-connection-paragraph",
            conn = s.conn,
            client = s.client.to_string(),
            server = s.server.to_string(),
            handshake = handshake_word(s.handshake),
            teardown = teardown_word(s.teardown),
            half = half,
            closed = closed,
            duration = keep(human_duration(s.last.saturating_sub(s.first))),
            seg_c2s = s.segments_c2s,
            seg_s2c = s.segments_s2c,
            bytes_c2s = s.bytes_c2s,
            bytes_s2c = s.bytes_s2c,
            rtt = rtt,
            retransmissions = s.retransmissions,
            dup_acks = s.dup_acks,
        );
        write_wrapped(out, &text, width)?;
    }
    Ok(())
}

/// `text` wrapped at spaces to `width`.
fn write_wrapped(out: &mut dyn Write, text: &str, width: usize) -> io::Result<()> {
    for l in wrap::wrap(text, width) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

/// Write the packet counters (the kernel's go to stderr, as tcpdump does),
/// wrapped at spaces to `width`.
pub fn write_totals(out: &mut dyn Write, t: &Totals, width: usize) -> io::Result<()> {
    let mut line = t!(
        "capture-totals",
        packets = t.packets,
        tcp = t.tcp,
        udp = t.udp,
        other = t.other
    );
    if t.truncated + t.malformed > 0 {
        line.push_str(&t!(
            "capture-totals-bad",
            truncated = t.truncated,
            malformed = t.malformed
        ));
    }
    if t.untracked > 0 {
        line.push_str(&t!("capture-totals-untracked", n = t.untracked));
    }
    if t.events + t.events_rejected + t.events_dropped > 0 {
        line.push_str(&t!("capture-totals-events", n = t.events));
        if t.events_rejected > 0 {
            line.push_str(&t!("capture-totals-rejected", n = t.events_rejected));
        }
        if t.events_dropped > 0 {
            line.push_str(&t!("capture-totals-events-dropped", n = t.events_dropped));
        }
    }
    write_wrapped(out, &line, width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::{Handshake, Side, Teardown};
    use std::time::Duration;

    fn summary(conn: u64, client: &str, server: &str, half_close: bool) -> ConnSummary {
        ConnSummary {
            conn,
            client: client.parse().unwrap(),
            server: server.parse().unwrap(),
            handshake: Handshake::Complete,
            teardown: Teardown::ThreeWay,
            closed_by: Some(Side::Client),
            half_close,
            first: Duration::ZERO,
            last: Duration::from_micros(624),
            segments: 12,
            segments_c2s: 7,
            segments_s2c: 5,
            bytes_c2s: 173_761,
            bytes_s2c: 19,
            handshake_rtt: Some(Duration::from_micros(30)),
            retransmissions: 4,
            dup_acks: 7,
            out_of_order: 0,
            syn_options: None,
            synack_options: None,
        }
    }

    fn table(conns: Vec<ConnSummary>, width: usize) -> String {
        let end = End {
            connections: conns,
            ..End::default()
        };
        let mut out = Vec::new();
        write_summary(&mut out, &end, Style::default(), width).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Every word of every cell (and header) appears whole on some line.
    fn assert_no_word_broken(text: &str, words: &[&str]) {
        for w in words {
            assert!(text.contains(w), "{w:?} broken or missing in:\n{text}");
        }
    }

    #[test]
    fn fits_every_width_without_breaking_a_word() {
        let conns = vec![
            summary(1, "127.0.0.1:59770", "127.0.0.1:5000", false),
            summary(2, "[2001:db8::1]:59771", "[2001:db8::2]:5000", true),
        ];
        for width in [200, 120, 100, 80, 60, 40, 30] {
            let text = table(conns.clone(), width);
            for l in text.lines() {
                assert!(wrap::width(l) <= width, "{width}: {l:?} in\n{text}");
            }
            assert_no_word_broken(
                &text,
                &[
                    "127.0.0.1:59770",
                    "[2001:db8::1]:59771",
                    "[2001:db8::2]:5000",
                    "complete",
                    "three-way",
                    "(half-close)",
                    "handshake",
                ],
            );
        }
    }

    #[test]
    fn wide_keeps_every_column_and_narrow_stacks_then_drops() {
        let conns = vec![summary(1, "127.0.0.1:59770", "127.0.0.1:5000", false)];
        let wide = table(conns.clone(), 200);
        let header = wide.lines().nth(1).unwrap();
        assert!(header.contains("client") && header.contains("server"));
        assert!(header.contains("handshake RTT"), "{wide}");
        // At 80 columns client and server share a column, one over the
        // other, the losses too, and the handshake RTT goes; at 60 more go.
        let narrow = table(conns.clone(), 80);
        let rows: Vec<&str> = narrow.lines().collect();
        assert!(
            rows[1].contains("client") && !rows[1].contains("server"),
            "{narrow}"
        );
        assert!(rows[2].contains("server"), "{narrow}");
        assert!(!narrow.contains("RTT"), "{narrow}");
        assert!(
            narrow.contains("retrans.") && narrow.contains("dup ACKs"),
            "{narrow}"
        );
        assert!(!table(conns, 60).contains("duration"));
        let client = rows
            .iter()
            .position(|l| l.contains("127.0.0.1:59770"))
            .unwrap();
        assert!(rows[client + 1].contains("127.0.0.1:5000"), "{narrow}");
    }

    #[test]
    fn too_narrow_for_a_table_gives_paragraphs() {
        let text = table(
            vec![summary(1, "127.0.0.1:59770", "127.0.0.1:5000", false)],
            24,
        );
        assert!(!text.contains('┆'), "{text}");
        assert!(text.lines().all(|l| wrap::width(l) <= 24), "{text}");
        assert_no_word_broken(&text, &["127.0.0.1:59770", "three-way,", "#1"]);
    }

    #[test]
    fn totals_wrap_at_words() {
        let t = Totals {
            packets: 16,
            tcp: 12,
            udp: 4,
            events: 58,
            events_rejected: 3,
            ..Totals::default()
        };
        let mut out = Vec::new();
        write_totals(&mut out, &t, 40).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().count() > 1 && text.lines().all(|l| l.len() <= 40));
        assert!(text.contains("datagrams"), "{text}");
    }

    #[test]
    fn each_row_shows_retransmissions_and_duplicate_acks() {
        let conns = vec![summary(1, "127.0.0.1:40000", "127.0.0.1:5000", false)];
        // Wide: columns of their own; narrower: one over the other.
        for width in [200, 100] {
            let text = table(conns.clone(), width);
            assert!(
                text.contains("retrans.") && text.contains("dup ACKs"),
                "{text}"
            );
            let cells: Vec<&str> = text
                .lines()
                .flat_map(|l| l.split(['┆', '│']))
                .map(str::trim)
                .collect();
            assert!(
                cells.contains(&"4") && cells.contains(&"7"),
                "{width}:\n{text}"
            );
        }
    }
}
