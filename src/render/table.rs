//! The end-of-capture summary: one row per connection, then the counters.

use std::io::{self, Write};

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};

use super::{human_duration, End, Style, Totals};
use crate::track::Side;

/// Write the connection table (or a line saying there was none).
pub fn write_summary(out: &mut dyn Write, end: &End, style: Style) -> io::Result<()> {
    if end.connections.is_empty() {
        return writeln!(out, "no TCP connection seen");
    }
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !style.color {
        t.force_no_tty();
    }
    t.set_header(vec![
        "#",
        "client",
        "server",
        "handshake",
        "teardown",
        "closed by",
        "duration",
        "segments c→s/s→c",
        "bytes c→s/s→c",
        "handshake RTT",
    ]);
    for s in &end.connections {
        let closed = match s.closed_by {
            Some(Side::Client) => "client",
            Some(Side::Server) => "server",
            None => "-",
        };
        let teardown = if s.half_close {
            format!("{} (half-close)", s.teardown.as_str())
        } else {
            s.teardown.as_str().to_string()
        };
        t.add_row(vec![
            Cell::new(s.conn).set_alignment(CellAlignment::Right),
            Cell::new(s.client),
            Cell::new(s.server),
            Cell::new(s.handshake.as_str()),
            Cell::new(teardown),
            Cell::new(closed),
            Cell::new(human_duration(s.last.saturating_sub(s.first))),
            Cell::new(format!("{}/{}", s.segments_c2s, s.segments_s2c)),
            Cell::new(format!("{}/{}", s.bytes_c2s, s.bytes_s2c)),
            Cell::new(
                s.handshake_rtt
                    .map(human_duration)
                    .unwrap_or_else(|| "-".into()),
            ),
        ]);
    }
    writeln!(out, "{t}")?;
    if end.more_connections > 0 {
        writeln!(
            out,
            "... and {} more connections (not listed)",
            end.more_connections
        )?;
    }
    Ok(())
}

/// Write the packet counters (the kernel's go to stderr, as tcpdump does).
pub fn write_totals(out: &mut dyn Write, t: &Totals) -> io::Result<()> {
    let mut line = format!(
        "{} packets: {} TCP, {} UDP, {} other",
        t.packets, t.tcp, t.udp, t.other
    );
    if t.truncated + t.malformed > 0 {
        line.push_str(&format!(
            ", {} truncated, {} malformed",
            t.truncated, t.malformed
        ));
    }
    if t.untracked > 0 {
        line.push_str(&format!(
            ", {} segments of untracked connections (over the connection cap)",
            t.untracked
        ));
    }
    if t.events + t.events_rejected + t.events_dropped > 0 {
        line.push_str(&format!("; {} socket calls from lab programs", t.events));
        if t.events_rejected > 0 {
            line.push_str(&format!(
                " ({} bad event datagrams ignored)",
                t.events_rejected
            ));
        }
        if t.events_dropped > 0 {
            line.push_str(&format!(
                " ({} dropped: more arrived at once than the capture keeps)",
                t.events_dropped
            ));
        }
    }
    writeln!(out, "{line}")?;
    Ok(())
}
