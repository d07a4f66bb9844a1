//! `capture -v`, `-vv`, `-x`, `-X` and the `headers` object of `--json -v`,
//! checked field by field against tshark (and the hex dumps against
//! tcpdump) on the real captures in tests/data.

mod harness;

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use harness::*;
use serde_json::Value;
use socklab::wire::{build, LinkType};

/// The packet objects of `capture -r FILE --json -v`, one per frame, in
/// frame order (socket calls and summaries left out).
fn packets(file: &str) -> Vec<Value> {
    let (code, out, err) = run_capture(&["-r", file, "--json", "-v"]);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .filter(|v| {
            matches!(
                v["type"].as_str(),
                Some("segment" | "datagram" | "other" | "truncated" | "malformed")
            )
        })
        .collect()
}

/// tshark's values of `fields` for every frame (checksums checked, absolute
/// sequence numbers), or `None` when tshark is not installed.
fn tshark(file: &str, fields: &[&str]) -> Option<Vec<HashMap<String, String>>> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r", file])
        .args(["-o", "tcp.check_checksum:TRUE"])
        .args(["-o", "ip.check_checksum:TRUE"])
        .args(["-o", "udp.check_checksum:TRUE"])
        .args(["-o", "tcp.relative_sequence_numbers:FALSE"])
        .args(["-T", "fields", "-E", "separator=|", "-E", "occurrence=a"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().ok()?;
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| {
                fields
                    .iter()
                    .zip(line.split('|'))
                    .map(|(f, v)| (f.to_string(), v.to_string()))
                    .collect()
            })
            .collect(),
    )
}

fn num(s: &str) -> u64 {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).unwrap_or_else(|e| panic!("{s}: {e}")),
        None => s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}")),
    }
}

/// tshark's checksum status (0 bad, 1 good, 2 unverified) against ours: an
/// offloaded loopback checksum is "partial", which tshark calls bad.
fn status_matches(tshark: &str, ours: &Value) -> bool {
    matches!(
        (tshark, ours.as_str()),
        ("1", Some("good")) | ("0", Some("bad" | "partial")) | ("2", Some("unverified"))
    )
}

const FIELDS: &[&str] = &[
    "ip.version",
    "ip.ttl",
    "ip.id",
    "ip.len",
    "ip.dsfield.dscp",
    "ip.flags.df",
    "ip.flags.mf",
    "ip.checksum",
    "ip.checksum.status",
    "ipv6.hlim",
    "ipv6.flow",
    "ipv6.plen",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.hdr_len",
    "tcp.flags",
    "tcp.window_size_value",
    "tcp.window_size",
    "tcp.window_size_scalefactor",
    "tcp.checksum",
    "tcp.checksum.status",
    "tcp.urgent_pointer",
    "tcp.option_kind",
    "tcp.options.mss_val",
    "tcp.options.wscale.shift",
    "tcp.options.timestamp.tsval",
    "tcp.options.timestamp.tsecr",
    "tcp.options.sack_le",
    "tcp.options.sack_re",
    "udp.length",
    "udp.checksum",
    "udp.checksum.status",
    "icmp.type",
    "icmp.code",
    "icmp.checksum",
    "icmp.checksum.status",
];

/// Compare every field tshark shows with our `headers`; returns how many
/// values were compared.
fn compare_with_tshark(file: &str) -> Option<usize> {
    let frames = tshark(file, FIELDS)?;
    let ours = packets(file);
    assert_eq!(ours.len(), frames.len(), "{file}: one object per frame");
    let compared = std::cell::Cell::new(0);
    for (n, (ws, obj)) in frames.iter().zip(&ours).enumerate() {
        let frame = n + 1;
        let h = &obj["headers"];
        let check = |what: &str, theirs: &str, mine: &Value| {
            if theirs.is_empty() {
                return;
            }
            let ok = match mine {
                Value::Number(m) => m.as_u64() == Some(num(theirs)),
                Value::String(m) => m.eq_ignore_ascii_case(theirs),
                Value::Bool(b) => theirs == if *b { "1" } else { "0" },
                other => panic!("{file} frame {frame} {what}: ours is {other}"),
            };
            assert!(
                ok,
                "{file} frame {frame} {what}: tshark {theirs}, ours {mine}"
            );
            compared.set(compared.get() + 1);
        };
        let f = |k: &str| ws.get(k).map(String::as_str).unwrap_or("");
        if f("ip.version") == "4" {
            check("ttl", f("ip.ttl"), &h["ip"]["ttl"]);
            check("id", f("ip.id"), &h["ip"]["id"]);
            check("total length", f("ip.len"), &h["ip"]["total_len"]);
            check("dscp", f("ip.dsfield.dscp"), &h["ip"]["dscp"]);
            check("df", f("ip.flags.df"), &h["ip"]["flags"]["df"]);
            check("mf", f("ip.flags.mf"), &h["ip"]["flags"]["mf"]);
            check("ip checksum", f("ip.checksum"), &h["ip"]["checksum"]);
            assert!(
                status_matches(f("ip.checksum.status"), &h["ip"]["checksum_status"]),
                "{file} frame {frame}: ip checksum status {} vs {}",
                f("ip.checksum.status"),
                h["ip"]["checksum_status"]
            );
        } else if !f("ipv6.hlim").is_empty() {
            check("hop limit", f("ipv6.hlim"), &h["ip"]["hop_limit"]);
            check("flow label", f("ipv6.flow"), &h["ip"]["flow_label"]);
            check("payload length", f("ipv6.plen"), &h["ip"]["payload_len"]);
        }
        if !f("tcp.hdr_len").is_empty() {
            let t = &h["tcp"];
            check("seq", f("tcp.seq_raw"), &t["seq"]);
            check("ack", f("tcp.ack_raw"), &t["ack"]);
            check("header length", f("tcp.hdr_len"), &t["header_len"]);
            check("flags", f("tcp.flags"), &t["flag_bits"]);
            check("window", f("tcp.window_size_value"), &t["window"]);
            // tshark knows the scale only when it saw the handshake (-1
            // unknown, -2 no scaling); a SYN's window is never scaled.
            if !matches!(f("tcp.window_size_scalefactor"), "-1") {
                check("scaled window", f("tcp.window_size"), &t["window_scaled"]);
            }
            check("tcp checksum", f("tcp.checksum"), &t["checksum"]);
            assert!(
                status_matches(f("tcp.checksum.status"), &t["checksum_status"]),
                "{file} frame {frame}: tcp checksum status {} vs {}",
                f("tcp.checksum.status"),
                t["checksum_status"]
            );
            check("urgent", f("tcp.urgent_pointer"), &t["urgent"]);
            let opts = t["options"].as_array().unwrap();
            let kinds: Vec<String> = opts.iter().map(|o| o["kind"].to_string()).collect();
            assert_eq!(
                f("tcp.option_kind"),
                kinds.join(","),
                "{file} frame {frame}: option kinds"
            );
            compared.set(compared.get() + 1);
            let opt = |name: &str, key: &str| {
                opts.iter()
                    .find(|o| o["name"] == name)
                    .map(|o| o[key].clone())
                    .unwrap_or(Value::Null)
            };
            check("mss", f("tcp.options.mss_val"), &opt("mss", "value"));
            check(
                "wscale",
                f("tcp.options.wscale.shift"),
                &opt("wscale", "shift"),
            );
            check(
                "tsval",
                f("tcp.options.timestamp.tsval"),
                &opt("timestamps", "val"),
            );
            check(
                "tsecr",
                f("tcp.options.timestamp.tsecr"),
                &opt("timestamps", "ecr"),
            );
            if !f("tcp.options.sack_le").is_empty() {
                let blocks = opt("sack", "blocks");
                let edges = |i: usize| -> String {
                    blocks
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|b| b[i].to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                };
                assert_eq!(f("tcp.options.sack_le"), edges(0), "{file} frame {frame}");
                assert_eq!(f("tcp.options.sack_re"), edges(1), "{file} frame {frame}");
                compared.set(compared.get() + 2);
            }
        }
        if !f("udp.length").is_empty() && f("icmp.type").is_empty() {
            let u = &h["udp"];
            check("udp length", f("udp.length"), &u["length"]);
            check("udp checksum", f("udp.checksum"), &u["checksum"]);
            assert!(
                status_matches(f("udp.checksum.status"), &u["checksum_status"]),
                "{file} frame {frame}: udp checksum status"
            );
        }
        if !f("icmp.type").is_empty() {
            let i = &h["icmp"];
            // An ICMP error quotes the datagram: tshark's first value is the outer one.
            let first = |k: &str| f(k).split(',').next().unwrap_or("").to_string();
            check("icmp type", &first("icmp.type"), &i["type"]);
            check("icmp code", &first("icmp.code"), &i["code"]);
            check("icmp checksum", &first("icmp.checksum"), &i["checksum"]);
            assert!(
                status_matches(&first("icmp.checksum.status"), &i["checksum_status"]),
                "{file} frame {frame}: icmp checksum status"
            );
        }
    }
    Some(compared.get())
}

#[test]
fn every_header_field_matches_tshark_on_real_captures() {
    let mut total = 0;
    for file in [
        "demo.pcap",
        "ipv6.pcap",
        "udp.pcap",
        "refused.pcap",
        "reset.pcap",
        "four_way.pcap",
        "half_close.pcap",
        "lossy.pcap",
        "any_sll.pcap",
        "any_sll2.pcap",
    ] {
        let Some(n) = compare_with_tshark(&data(file)) else {
            eprintln!("skipping the tshark comparison: tshark is not installed (./run.sh test installs it)");
            return;
        };
        assert!(n > 0, "{file}: nothing compared");
        total += n;
    }
    eprintln!("compared {total} header values with tshark");
}

/// ICMP port unreachable (lab 5's point) and a wrong checksum, in a pcap
/// built here: tshark and we agree on type, code and checksum verdicts.
#[test]
fn icmp_and_a_bad_checksum_match_tshark() {
    let udp = build::udp_v4(
        "127.0.0.1:40000".parse().unwrap(),
        "127.0.0.1:5001".parse().unwrap(),
        b"hello?",
    );
    let icmp = build::port_unreachable(&udp);
    let mut bad = build::tcp_v4(
        "127.0.0.1:40000".parse().unwrap(),
        "127.0.0.1:5000".parse().unwrap(),
        7,
        9,
        0x18,
        512,
        &[],
        b"x",
    );
    bad[20 + 16] ^= 0x5a; // TCP checksum
    bad[10] ^= 0x01; // IPv4 header checksum
    let frames: Vec<Vec<u8>> = [udp, icmp, bad]
        .iter()
        .map(|p| build::ethernet(p))
        .collect();
    let t = Duration::from_secs(1_700_000_000);
    let refs: Vec<(Duration, &[u8])> = frames.iter().map(|f| (t, f.as_slice())).collect();
    let path = temp_path("icmp.pcap");
    std::fs::write(&path, build::pcap_file(LinkType::Ethernet, &refs)).unwrap();
    let file = path.display().to_string();
    let Some(n) = compare_with_tshark(&file) else {
        eprintln!(
            "skipping the tshark comparison: tshark is not installed (./run.sh test installs it)"
        );
        return;
    };
    assert!(n > 10);
    let ours = packets(&file);
    assert_eq!(ours[1]["headers"]["icmp"]["type"], 3);
    assert_eq!(ours[1]["headers"]["icmp"]["code"], 3);
    assert_eq!(ours[0]["headers"]["udp"]["checksum_status"], "good");
    assert_eq!(ours[2]["headers"]["tcp"]["checksum_status"], "bad");
    assert_eq!(ours[2]["headers"]["ip"]["checksum_status"], "bad");
    let _ = std::fs::remove_file(&path);
}

/// The two questions of the issue, answered by `-v`: the TTL of the SYN,
/// and what the window scale did to `win 64`.
#[test]
fn verbose_text_answers_the_ttl_of_the_syn_and_the_scaled_window() {
    let (code, out, err) = run_capture(&["-r", &data("demo.pcap"), "-v", "--color", "never"]);
    assert_eq!(code, 0, "{err}");
    let syn = out
        .find("──SYN──")
        .unwrap_or_else(|| panic!("no SYN in\n{out}"));
    let after_syn = &out[syn..];
    let ip_line_end = after_syn.find("TCP ").unwrap();
    assert!(
        after_syn[..ip_line_end].contains("TTL 64"),
        "{}",
        &after_syn[..ip_line_end]
    );
    assert!(
        after_syn.contains("window 65495 (a SYN's window is never scaled)"),
        "{after_syn}"
    );
    assert!(
        out.contains("window 64 (×1024 = 65536 with wscale 10 from the SYN)"),
        "{out}"
    );
    assert!(out.contains("with wscale 10 from the SYN-ACK)"), "{out}");
    // Loopback's offloaded checksums are said to be unverified, not wrong.
    assert!(out.contains("0xfe30 (unverified: offloaded"), "{out}");
    assert!(!out.contains("(bad"), "{out}");
    // And the payload as hex and text.
    assert!(out.contains("0x0000:  6865 6c6c 6f0a"), "{out}");
}

#[test]
fn very_verbose_puts_each_field_on_its_own_line_and_fits_80_columns() {
    let out = capture_at(&["-r", &data("demo.pcap"), "-vv", "--color", "never"], 80);
    assert!(out.contains("IPv4 header, 20 bytes"), "{out}");
    assert!(out.contains("TCP header, 40 bytes"), "{out}");
    let field_line = |name: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line in\n{out}"))
            .to_string()
    };
    assert!(field_line("TTL ").trim_end().ends_with("64"));
    assert!(field_line("urgent pointer").trim_end().ends_with('0'));
    // Only the header lines are ours; the annotated lines above them are
    // the text view's own (their width is another matter).
    let ours = out.lines().filter(|l| {
        l.starts_with("             ")
            || l.starts_with("           IP")
            || l.starts_with("           TCP")
    });
    for l in ours {
        assert!(l.chars().count() <= 80, "wider than 80: {l:?}");
    }
}

/// `-x` and `-X` print exactly what tcpdump prints.
#[test]
fn hex_dumps_are_tcpdumps() {
    for (flag, ours_flag) in [("-x", "-x"), ("-X", "-X")] {
        let Ok(td) = Command::new("tcpdump")
            .args(["-n", "-r", &data("demo.pcap"), flag])
            .output()
        else {
            eprintln!("skipping the tcpdump comparison: tcpdump is not installed");
            return;
        };
        let theirs: Vec<String> = String::from_utf8_lossy(&td.stdout)
            .lines()
            .filter(|l| l.starts_with("\t0x"))
            .map(str::to_string)
            .collect();
        let (code, out, err) =
            run_capture(&["-r", &data("demo.pcap"), ours_flag, "--color", "never"]);
        assert_eq!(code, 0, "{err}");
        let ours: Vec<String> = out
            .lines()
            .filter(|l| l.starts_with("\t0x"))
            .map(str::to_string)
            .collect();
        assert!(!theirs.is_empty());
        assert_eq!(ours, theirs, "{flag}");
    }
}

#[test]
fn json_without_v_has_no_headers_and_with_v_every_packet_has_them() {
    let (code, plain, _) = run_capture(&["-r", &data("demo.pcap"), "--json"]);
    assert_eq!(code, 0);
    assert!(!plain.contains("\"headers\""));
    for p in packets(&data("udp.pcap")) {
        assert_eq!(p["headers"]["ip"]["version"], 4, "{p}");
        assert!(p["headers"]["udp"]["length"].as_u64().unwrap() >= 8);
        assert_eq!(
            p["headers"]["payload"]["hex"].as_str().unwrap().len() / 2,
            p["len"].as_u64().unwrap() as usize
        );
    }
    // A frame cut by the snaplen is reported as cut, without headers.
    let cut = packets(&data("snaplen60.pcap"));
    assert!(cut
        .iter()
        .any(|p| p["type"] == "truncated" && p["headers"].is_null()));
}
