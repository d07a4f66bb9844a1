//! Socket calls from the lab programs, merged with the segments they cause.

mod harness;

use std::os::unix::net::UnixDatagram;
use std::process::Command;

use harness::*;
use serde_json::Value;

fn lab(name: &str) -> String {
    let capture = std::path::Path::new(capture_bin());
    capture.with_file_name(name).display().to_string()
}

fn position(objs: &[Value], pred: impl Fn(&Value) -> bool) -> usize {
    objs.iter()
        .position(pred)
        .unwrap_or_else(|| panic!("not found in {objs:#?}"))
}

#[test]
fn calls_appear_beside_the_segments_they_cause() {
    if !can_capture("calls_appear_beside_the_segments_they_cause") {
        return;
    }
    let port = free_port();
    let p = port.to_string();
    let cap = LiveCapture::start("calls", &["--port", &p]);
    let mut server = TestCommand::new("tcp_server")
        .args(["--port", &p, "--once", "--color", "never"])
        .events(&cap.events)
        .stdin_null()
        .start();
    // Wait for "listening on" before the client connects.
    server.wait_line("listening on");
    let client = TestCommand::new("tcp_client")
        .args(["--port", &p, "--message", "hello", "--color", "never"])
        .events(&cap.events)
        .run();
    assert_eq!(client.code, Some(0), "{client:?}");
    assert!(server.wait_exit().success(), "{}", server.dump());
    let objs = cap.stop();

    let syn = position(&objs, |o| {
        o["type"] == "segment" && o["step"] == "handshake-1"
    });
    let conn = objs[syn]["conn"].clone();
    let connect = position(&objs, |o| {
        o["type"] == "call"
            && o["prog"] == "tcp_client"
            && o["call"] == "connect"
            && o["phase"] == "enter"
    });
    assert!(connect < syn, "connect() enter must come before the SYN");
    assert!(objs[connect]["t"].as_f64() <= objs[syn]["t"].as_f64());
    assert_eq!(
        objs[connect]["conn"], conn,
        "connect() belongs to the connection"
    );

    let step3 = position(&objs, |o| {
        o["type"] == "segment" && o["step"] == "handshake-3"
    });
    let accept = position(&objs, |o| {
        o["type"] == "call"
            && o["prog"] == "tcp_server"
            && o["call"] == "accept"
            && o["phase"] == "return"
    });
    assert!(accept > step3, "accept() returns after handshake step 3");
    assert_eq!(objs[accept]["conn"], conn);

    let fin = position(&objs, |o| {
        o["type"] == "segment" && o["step"] == "teardown-1"
    });
    let closer = if objs[fin]["dir"] == "c2s" {
        "tcp_client"
    } else {
        "tcp_server"
    };
    let close = position(&objs, |o| {
        o["type"] == "call" && o["prog"] == closer && o["call"] == "close" && o["phase"] == "enter"
    });
    assert!(close < fin, "close() comes before the FIN it caused");
    assert_eq!(objs[close]["conn"], conn);
    assert!(objs[close]["relation"].as_str().unwrap().contains("FIN"));

    // Every call on this connection's two sockets carries its number.
    let c = only_connection(&objs);
    let (client, server_addr) = (c["client"].clone(), c["server"].clone());
    for o in of_type(&objs, "call") {
        let on_conn = (o["local"] == client && o["peer"] == server_addr)
            || (o["local"] == server_addr && o["peer"] == client);
        if on_conn {
            assert_eq!(o["conn"], conn, "call without its conn: {o}");
        }
    }
}

#[test]
fn garbage_event_datagrams_are_ignored_and_counted() {
    if !can_capture("garbage_event_datagrams_are_ignored_and_counted") {
        return;
    }
    let port = free_port();
    let cap = LiveCapture::start("garbage", &["--port", &port.to_string()]);
    let s = UnixDatagram::unbound().unwrap();
    s.send_to(b"\x00\xffnot an event", &cap.events).unwrap();
    s.send_to(&vec![b'{'; 4000], &cap.events).unwrap();
    s.send_to(br#"{"v":1,"prog":"x y","pid":1}"#, &cap.events)
        .unwrap();
    let objs = cap.stop();
    let totals = of_type(&objs, "totals");
    assert_eq!(totals[0]["events_rejected"], 3, "{objs:#?}");
    assert!(of_type(&objs, "call").is_empty());
}

#[test]
fn without_a_capture_lab_programs_run_and_say_nothing_about_events() {
    let dir = fresh_dir();
    let events = dir.path().join("nobody-listens.sock");
    let out = TestCommand::new("udp_client")
        .args([
            "--port",
            &free_port().to_string(),
            "--message",
            "hi",
            "--timeout",
            "200ms",
        ])
        .events(&events)
        .run();
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("sendto("), "{text}");
    assert!(!text.to_lowercase().contains("event"), "{text}");
    assert!(!events.exists());
}

#[test]
fn calls_from_an_ordinary_user_reach_a_capture_run_as_root() {
    if !can_capture("calls_from_an_ordinary_user_reach_a_capture_run_as_root") {
        return;
    }
    // The lecture setup: the instructor's capture runs as root, students'
    // programs as themselves. Here the student is `nobody`.
    let port = free_port();
    let p = port.to_string();
    // The events socket where the student may reach it, as a lecture's
    // shared SOCKLAB_EVENTS would be.
    let dir = enterable_dir();
    let cap = LiveCapture::start_with(dir.path().join("events.sock"), &["--port", &p], |_| {});
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(lab("udp_client"))
        .args([
            "--port",
            &p,
            "--message",
            "hi",
            "--timeout",
            "200ms",
            "--color",
            "never",
        ])
        .env("SOCKLAB_EVENTS", &cap.events)
        .output();
    let Ok(out) = out else {
        eprintln!("skipping: setpriv (util-linux) is not installed");
        return;
    };
    assert!(out.status.success(), "{out:?}");
    let objs = cap.stop();
    let calls = of_type(&objs, "call");
    let sendto = calls
        .iter()
        .find(|c| c["prog"] == "udp_client" && c["call"] == "sendto")
        .unwrap_or_else(|| panic!("{objs:#?}"));
    // The kernel says who sent it: not the capture's user, so it is named.
    assert_eq!(sendto["uid"], 65534, "{sendto}");
}

#[test]
fn a_chat_is_shown_with_its_name() {
    if !can_capture("a_chat_is_shown_with_its_name") {
        return;
    }
    // Two chats on one machine are both `chat`: only their --name tells
    // them apart, in the live JSON and in the text of a recording.
    let (pa, pb) = (free_port().to_string(), free_port().to_string());
    let pcap = temp_path("chat-name.pcap");
    let cap = LiveCapture::start("chat-name", &["--port", &pa, "-w", pcap.to_str().unwrap()]);
    let chat = TestCommand::new("chat")
        .args(["--proto", "udp", "--peer", "127.0.0.1", "--port", &pa])
        .args(["--peer-port", &pb, "--name", "alice", "--color", "never"])
        .events(&cap.events)
        .run_with(b"anyone?\n");
    assert_eq!(chat.code, Some(0), "{chat:?}");
    let objs = cap.stop();
    let send = of_type(&objs, "call")
        .into_iter()
        .find(|c| c["prog"] == "chat" && c["call"] == "send")
        .unwrap_or_else(|| panic!("{objs:#?}"));
    assert_eq!(send["name"], "alice", "{send}");
    let pid = send["pid"].as_u64().unwrap();

    let (code, out, err) = run_capture(&["-r", pcap.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.contains(&format!("chat alice[{pid}]: send() ..."))),
        "{out}"
    );
    let _ = std::fs::remove_file(&pcap);
    let _ = std::fs::remove_file(format!("{}.events", pcap.display()));
}
