//! What the class sees of a capture: the terminal ladder and the summary
//! table at the widths of real terminals, the SVG with its times, bands
//! and time scale, UDP and ICMP in both, and `--conn` in every view. All
//! on the recordings of tests/data, so no privileges are needed.

mod harness;

use harness::*;
use serde_json::Value;
use socklab::render::wrap::width;

/// No line wider than the terminal.
fn assert_fits(text: &str, columns: usize) {
    for (i, l) in text.lines().enumerate() {
        assert!(
            width(l) <= columns,
            "line {} is {} cells wide, more than {columns}:\n{l}",
            i + 1,
            width(l)
        );
    }
}

/// The words of a drawing, with the lines and arrows taken away.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "│─┐┘┌└▶◀┆≈".contains(c))
        .filter(|w| !w.is_empty() && !w.starts_with("#1") && !w.starts_with("u1"))
        .map(str::to_string)
        .collect()
}

/// `needle`'s words appear in `hay`'s words one after the other.
fn contains_words(hay: &[String], needle: &str) -> bool {
    let n: Vec<&str> = needle.split_whitespace().collect();
    hay.windows(n.len())
        .any(|w| w.iter().zip(&n).all(|(a, b)| a == b))
}

/// Every socket call the ladder draws (those that send or that waited),
/// as the ladder words it, from a recording's sidecar.
fn drawn_calls(events: &str) -> Vec<String> {
    std::fs::read_to_string(data(events))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter_map(|e| {
            let call = e["call"].as_str()?;
            let result = e["result"].as_str()?;
            match e["phase"].as_str()? {
                "enter" if ["connect", "send", "sendto", "shutdown", "close"].contains(&call) => {
                    Some(format!("{call}() ..."))
                }
                "return" if ["connect", "accept", "recv", "recvfrom"].contains(&call) => {
                    Some(format!("{call}() -> {result}"))
                }
                _ => None,
            }
        })
        .collect()
}

#[test]
fn the_ladder_fits_80_120_and_200_columns_and_cuts_nothing() {
    let demo = data("demo.pcap");
    let calls = drawn_calls("demo.pcap.events");
    assert!(calls.len() > 20, "{calls:?}");
    for columns in [80, 120, 200] {
        let out = capture_at(&["-r", &demo, "--ladder"], columns);
        golden(&format!("ladder_demo_{columns}.txt"), &out);
        assert_fits(&out, columns);
        assert!(!out.contains('…'), "nothing shortened at {columns}:\n{out}");
        let w = words(&out);
        for call in &calls {
            assert!(
                contains_words(&w, call),
                "{call:?} whole at {columns}:\n{out}"
            );
        }
        for label in [
            "SYN-ACK seq=0 ack=1",
            "PSH-ACK seq=7 ack=20 len=13",
            "FIN-ACK seq=20 ack=21",
            "UDP len=24",
        ] {
            assert!(contains_words(&w, label), "{label:?} at {columns}:\n{out}");
        }
    }
    // The arrows' area grows with the terminal (up to what labels need),
    // and the columns beside it take the rest: at 200 columns a call the
    // 80-column ladder wraps is on one line.
    let wide = capture_at(&["-r", &demo, "--ladder"], 200);
    assert!(wide.contains("accept() -> new socket for 127.0.0.1:52092 (client 1)"));
    let narrow = capture_at(&["-r", &demo, "--ladder"], 80);
    assert!(!narrow.contains("accept() -> new socket for 127.0.0.1:52092 (client 1)"));
}

#[test]
fn long_labels_and_odd_widths_never_overflow() {
    // Many different labels (retransmissions, dup ACKs, window updates)
    // and every width from the one-line-per-segment form to a wide one.
    for file in ["lossy.pcap", "demo.pcap", "udp_refused.pcap", "ipv6.pcap"] {
        for columns in [40, 59, 60, 61, 73, 80, 97, 120, 163, 200, 260] {
            let out = capture_at(&["-r", &data(file), "--ladder"], columns);
            assert_fits(&out, columns);
            assert!(!out.contains('…'), "{file} at {columns}:\n{out}");
        }
    }
}

#[test]
fn the_summary_table_fits_80_columns_without_breaking_a_word() {
    let out = capture_at(&["-r", &data("demo.pcap")], 80);
    let table: String = out
        .lines()
        .skip_while(|l| !l.starts_with('┌'))
        .map(|l| format!("{l}\n"))
        .collect();
    golden("table_demo_80.txt", &table);
    assert_fits(&table, 80);
    let w: Vec<&str> = table
        .split(|c: char| c.is_whitespace() || "│┆".contains(c))
        .collect();
    for whole in [
        "127.0.0.1:52092",
        "127.0.0.1:35297",
        "handshake",
        "complete",
        "three-way",
        "client",
        "socket",
        "programs",
    ] {
        assert!(w.contains(&whole), "{whole:?} whole in:\n{table}");
    }
    // The same at 200 columns: one line per connection, every column.
    let wide = capture_at(&["-r", &data("half_close.pcap")], 200);
    let header = wide.lines().find(|l| l.contains("handshake RTT")).unwrap();
    assert!(header.contains("client") && header.contains("server"));
    assert!(wide.contains("(half-close)"));
}

#[test]
fn udp_calls_and_the_icmp_port_unreachable_are_drawn() {
    let file = data("udp_refused.pcap");
    let out = capture_at(&["-r", &file, "--ladder"], 100);
    let w = words(&out);
    for whole in [
        "sendto() ...",
        "UDP len=13",
        "ICMP port unreachable",
        "recvfrom() -> error: timed out",
        "close() ...",
    ] {
        assert!(contains_words(&w, whole), "{whole:?} in:\n{out}");
    }
    // The error comes back from the receiver's side (an arrow to the left)
    // after the datagram went right.
    let icmp = out.lines().position(|l| l.contains("ICMP")).unwrap();
    let udp = out.lines().position(|l| l.contains("UDP len=13")).unwrap();
    assert!(udp < icmp);
    assert!(out.lines().nth(icmp + 1).unwrap().contains('◀'), "{out}");
    assert!(out.contains("nothing listens on port 5009"), "{out}");

    let svg = temp_path("icmp.svg");
    capture_at(&["-r", &file, "--svg", svg.to_str().unwrap()], 100);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let arrows: Vec<_> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("line") && n.attribute("class").is_some_and(|c| c.starts_with("arrow"))
        })
        .collect();
    assert_eq!(arrows.len(), 2, "the datagram and its ICMP error");
    assert_eq!(arrows[1].attribute("class"), Some("arrow icmp"));
    let x = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    assert!(
        x(&arrows[1], "x1") > x(&arrows[1], "x2"),
        "back to the sender"
    );
    let calls: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("call"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(
        calls,
        [
            "sendto() ...",
            "recvfrom() -> error: timed out",
            "close() ..."
        ]
    );
    let _ = std::fs::remove_file(svg);

    // The demo's UDP flow: the server's calls in its column, the client's
    // in its own.
    let demo = capture_at(&["-r", &data("demo.pcap"), "--ladder", "--conn", "u1"], 200);
    let server_call = demo
        .lines()
        .find(|l| l.contains("recvfrom() -> 14 bytes from 127.0.0.1:41173"))
        .unwrap();
    let client_call = demo
        .lines()
        .find(|l| l.contains("recvfrom() -> 14 bytes from 127.0.0.1:51196"))
        .unwrap();
    let bar = |l: &str| l.find('│').unwrap();
    assert!(server_call.rfind('│').unwrap() < server_call.find("recvfrom").unwrap());
    assert!(client_call.find("recvfrom").unwrap() < bar(client_call));
}

/// The connections and flows each view shows.
#[test]
fn conn_selects_one_conversation_in_every_view() {
    let demo = data("demo.pcap");
    // Text: only the UDP flow's lines, and its calls.
    let text = capture_at(&["-r", &demo, "--conn", "u1"], 100);
    assert!(text.contains("u1 127.0.0.1:41173 ──UDP"), "{text}");
    assert!(text.contains("udp_client[723]: sendto() ..."), "{text}");
    assert!(!text.contains("#1"), "{text}");
    assert!(!text.contains("tcp_client"), "{text}");
    // JSON: every object is the flow's, or the totals.
    let json = capture_at(&["-r", &demo, "--json", "--conn", "u1"], 100);
    let objs: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(objs.len() > 10);
    for o in &objs {
        match o["type"].as_str().unwrap() {
            "datagram" | "call" => assert_eq!(o["flow"], 1, "{o}"),
            "totals" => {}
            other => panic!("{other} under --conn u1: {o}"),
        }
    }
    // TCP connection 1 (`1` or `#1`): no UDP anywhere.
    for sel in ["1", "#1"] {
        let json = capture_at(&["-r", &demo, "--json", "--conn", sel], 100);
        let objs: Vec<Value> = json
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(of_type(&objs, "datagram").is_empty());
        assert_eq!(of_type(&objs, "connection").len(), 1);
        assert!(of_type(&objs, "call").iter().all(|c| c["conn"] == 1));
    }
    // Ladder and SVG.
    let ladder = capture_at(&["-r", &demo, "--ladder", "--conn", "u1"], 100);
    assert!(ladder.contains("u1  sender 127.0.0.1:41173"), "{ladder}");
    assert!(!ladder.contains("#1  client"), "{ladder}");
    assert!(ladder.contains("no TCP connection seen"), "{ladder}");
    let svg = temp_path("conn.svg");
    capture_at(
        &["-r", &demo, "--svg", svg.to_str().unwrap(), "--conn", "#1"],
        100,
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(text.matches("class=\"diagram\"").count(), 1);
    assert!(text.contains("id=\"#1\""));
    let _ = std::fs::remove_file(svg);
    // A number that is not there, or not a number: one line, and why.
    for view in [&[][..], &["--json"][..], &["--ladder"][..]] {
        let mut args = vec!["-r", demo.as_str(), "--conn", "u9"];
        args.extend_from_slice(view);
        let (code, _, err) = run_capture(&args);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("no UDP flow u9"), "{err}");
    }
    let (code, _, err) = run_capture(&["-r", &demo, "--conn", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("uN for UDP flow N"), "{err}");
}

/// The arrows of an SVG, top to bottom: (class, y1).
fn svg_arrows(doc: &roxmltree::Document) -> Vec<(String, f64)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("line"))
        .filter_map(|n| {
            let c = n.attribute("class")?;
            c.starts_with("arrow")
                .then(|| (c.to_string(), n.attribute("y1").unwrap().parse().unwrap()))
        })
        .collect()
}

#[test]
fn every_svg_arrow_has_its_time_and_bulk_data_is_one_band() {
    let lossy = data("lossy.pcap");
    let svg = temp_path("lossy.svg");
    let path = svg.to_str().unwrap();
    capture_at(&["-r", &lossy, "--svg", path], 100);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let arrows = svg_arrows(&doc);
    let times: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("time"))
        .filter_map(|n| n.text())
        .filter(|t| t.ends_with(" s"))
        .collect();
    assert_eq!(times.len(), arrows.len(), "a time on every arrow");
    assert_eq!(times[0], "0.000000 s");
    assert_eq!(times[2], "1.005558 s", "the SYN sent again a second later");
    // A band stands for the bulk of the transfer and says what it holds.
    let bands: Vec<String> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("band"))
        .map(|n| {
            n.descendants()
                .filter_map(|t| t.text())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert!(!bands.is_empty());
    assert!(
        bands
            .iter()
            .any(|b| b.contains("data segments client → server, seq")
                && b.contains("retransmissions")),
        "{bands:?}"
    );
    let height: f64 = doc
        .root_element()
        .attribute("height")
        .unwrap()
        .parse()
        .unwrap();
    assert!(height < 1500.0, "fits a slide: {height}");
    // The first loss is drawn in full: its dup ACKs and the retransmission.
    assert!(text.contains("[dup-ack-3]"));
    assert!(arrows.iter().any(|(c, _)| c == "arrow retransmission"));

    // --all-segments: one arrow per segment, no band.
    capture_at(&["-r", &lossy, "--svg", path, "--all-segments"], 100);
    let all = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&all).unwrap();
    let json = capture_at(&["-r", &lossy, "--json"], 100);
    let segments = json
        .lines()
        .filter(|l| l.contains("\"type\":\"segment\""))
        .count();
    assert_eq!(svg_arrows(&doc).len(), segments);
    assert!(!all.contains("class=\"band\""));
    let _ = std::fs::remove_file(svg);
}

#[test]
fn svg_labels_are_wrapped_or_kept_in_a_tooltip_never_cut() {
    let svg = temp_path("demo.svg");
    capture_at(
        &["-r", &data("demo.pcap"), "--svg", svg.to_str().unwrap()],
        100,
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    // A call too long for its column goes on two lines, whole.
    let calls: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("call"))
        .filter_map(|n| n.text())
        .collect();
    let joined = calls.join(" ");
    for call in drawn_calls("demo.pcap.events") {
        let shortened = doc
            .descendants()
            .any(|n| n.has_tag_name("title") && n.text() == Some(call.as_str()));
        assert!(
            joined.contains(&call) || shortened,
            "{call:?} neither whole nor in a tooltip: {calls:?}"
        );
    }
    assert!(calls.iter().all(|c| c.chars().count() <= 40), "{calls:?}");
    let _ = std::fs::remove_file(svg);
}

#[test]
fn time_scale_makes_waits_visible_in_the_svg_and_the_ladder() {
    let lossy = data("lossy.pcap");
    let svg = temp_path("scale.svg");
    let path = svg.to_str().unwrap();
    let y_gap = |args: &[&str]| {
        let mut all = vec!["-r", lossy.as_str(), "--svg", path, "--all-segments"];
        all.extend_from_slice(args);
        capture_at(&all, 100);
        let text = std::fs::read_to_string(&svg).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let arrows = svg_arrows(&doc);
        // The first retransmitted data segment comes 35.4 ms after the
        // third duplicate ACK.
        let i = arrows
            .iter()
            .position(|(c, y)| c == "arrow retransmission" && *y > arrows[8].1)
            .unwrap();
        (arrows[i].1 - arrows[i - 1].1, text)
    };
    let (even, _) = y_gap(&[]);
    let (scaled, text) = y_gap(&["--time-scale"]);
    // 10 px for each 10 ms: 35 px more than the even spacing.
    assert!((scaled - even - 35.0).abs() <= 1.0, "{even} then {scaled}");
    // The one-second wait for the lost SYN-ACK is cut and said.
    assert!(text.contains("1.01 s later (not to scale)"), "cut gap");
    assert!(text.contains("time to scale: 10 px = 10.0 ms"));
    // A coarser scale: 5 px more.
    let (coarse, _) = y_gap(&["--time-scale=70ms"]);
    assert!((coarse - even - 5.0).abs() <= 1.0, "{even} then {coarse}");
    let _ = std::fs::remove_file(svg);

    let ladder = capture_at(&["-r", &lossy, "--ladder", "--time-scale"], 100);
    assert!(ladder.contains("┆ 35.4 ms"), "{ladder}");
    assert!(ladder.contains("≈"), "{ladder}");
    assert_fits(&ladder, 100);
    let (code, _, err) = run_capture(&["-r", &lossy, "--time-scale"]);
    assert_eq!(code, 2, "only with a diagram: {err}");
}

/// The live demo reads as one conversation: the programs' own lines come
/// in their place among the segments and calls, not all before them.
#[test]
fn the_live_demo_interleaves_the_programs_lines_with_the_timeline() {
    if !can_capture("the_live_demo_interleaves_the_programs_lines_with_the_timeline") {
        return;
    }
    let out = capture(&["demo", "--color", "never"])
        .events(events_socket("views-demo"))
        .env("COLUMNS", "100")
        .run();
    let (stdout, stderr) = (&out.stdout, &out.stderr);
    assert_eq!(out.code, Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let at = |what: &dyn Fn(&str) -> bool| {
        lines
            .iter()
            .position(|l| what(l))
            .unwrap_or_else(|| panic!("not found in:\n{stdout}"))
    };
    // The legend names each kind of line.
    assert!(
        stdout.contains("what the program itself prints"),
        "{stdout}"
    );
    assert!(stdout.contains("as the capture received it"), "{stdout}");
    // The client's own "connect(...) -> ok" comes after the handshake's
    // segments, and its reply after the server's data.
    let syn = at(&|l| l.contains("──SYN────"));
    let connected =
        at(&|l| l.starts_with("  │ tcp_client") && l.contains("connect(") && l.contains("-> ok"));
    let server_data = at(&|l| l.contains("◀─────PSH-ACK──"));
    let reply = at(&|l| l.starts_with("  │ tcp_client") && l.contains("reply: hello"));
    let table = at(&|l| l.starts_with('┌'));
    assert!(
        syn < connected && server_data < reply && reply < table,
        "{stdout}"
    );
    // The UDP act's lines come with the UDP datagrams, after the TCP ones.
    let udp = at(&|l| l.contains("──UDP────"));
    let udp_reply = at(&|l| l.starts_with("  │ udp_client") && l.contains("reply"));
    assert!(
        reply < udp && udp < udp_reply && udp_reply < table,
        "{stdout}"
    );
    // Named options and the listening socket's close() say what they are.
    assert!(
        stdout.contains("setsockopt() -> ok (SO_REUSEADDR, 1)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("close() ...  (the listening socket"),
        "{stdout}"
    );
    // None of the programs' lines went to stderr.
    assert!(!stderr.contains("│ tcp_client"), "{stderr}");
}
