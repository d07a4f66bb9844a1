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
        "retrans.",
        "dup ACKs",
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
            Cell::new(s.retransmissions).set_alignment(CellAlignment::Right),
            Cell::new(s.dup_acks).set_alignment(CellAlignment::Right),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::{ConnSummary, Handshake, Teardown};
    use std::time::Duration;

    #[test]
    fn each_row_shows_retransmissions_and_duplicate_acks() {
        let end = End {
            connections: vec![ConnSummary {
                conn: 1,
                client: "127.0.0.1:40000".parse().unwrap(),
                server: "127.0.0.1:5000".parse().unwrap(),
                handshake: Handshake::Complete,
                teardown: Teardown::FourWay,
                closed_by: Some(Side::Client),
                half_close: false,
                first: Duration::ZERO,
                last: Duration::from_millis(3),
                segments: 40,
                segments_c2s: 25,
                segments_s2c: 15,
                bytes_c2s: 20_000,
                bytes_s2c: 0,
                handshake_rtt: None,
                retransmissions: 4,
                dup_acks: 7,
                out_of_order: 0,
                syn_options: None,
                synack_options: None,
            }],
            ..End::default()
        };
        let mut out = Vec::new();
        write_summary(&mut out, &end, Style::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let header = text.lines().nth(1).unwrap();
        assert!(
            header.contains("retrans.") && header.contains("dup ACKs"),
            "{text}"
        );
        let row: Vec<&str> = text
            .lines()
            .nth(3)
            .unwrap()
            .split('┆')
            .map(str::trim)
            .collect();
        assert_eq!(row[row.len() - 2], "4", "{text}");
        assert_eq!(
            row[row.len() - 1].trim_end_matches('│').trim(),
            "7",
            "{text}"
        );
    }
}
