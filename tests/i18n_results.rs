//! What a call returned, inside capture, in capture's language: a lab
//! program sends its result typed (beside the English text older captures
//! show), and capture says it in Portuguese under a Portuguese locale.
//! The live test needs root and skips otherwise; the others read
//! recordings in tests/data.

mod harness;

use harness::*;
use serde_json::Value;

const PT: &str = "pt_BR.UTF-8";

/// `capture ARGS` under `LC_ALL=locale` (the other locale variables
/// cleared), 100 columns.
fn capture_in(locale: &str, args: &[&str]) -> String {
    let (code, out, err) = TestCommand::new("capture")
        .args(args)
        .env("LC_ALL", locale)
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env("COLUMNS", "100")
        .run()
        .parts();
    assert_eq!(code, 0, "capture {args:?}: {err}");
    out
}

/// The lines of `out` that narrate a call of `prog`'s `call` returning.
fn returns<'a>(out: &'a str, prog: &str, call: &str) -> Vec<&'a str> {
    let who = format!("{prog}[");
    let what = format!(" {call}() -> ");
    out.lines()
        .filter(|l| l.contains(&who) && l.contains(&what))
        .collect()
}

#[test]
fn a_live_capture_in_portuguese_says_what_accept_and_recv_of_0_returned() {
    if !can_capture("a_live_capture_in_portuguese_says_what_accept_and_recv_of_0_returned") {
        return;
    }
    let port = free_port();
    let p = port.to_string();
    let pcap = temp_path("typed-results.pcap");
    let cap = LiveCapture::start(
        "typed-results",
        &["--port", &p, "-w", pcap.to_str().unwrap()],
    );
    // The lab programs themselves in English: the results must be said in
    // capture's language, not in theirs.
    let mut server = TestCommand::new("tcp_server")
        .args(["--port", &p, "--once", "--color", "never"])
        .events(&cap.events)
        .stdin_null()
        .start();
    server.wait_line("listening on");
    let client = TestCommand::new("tcp_client")
        .args(["--port", &p, "--message", "hello", "--color", "never"])
        .events(&cap.events)
        .run();
    assert_eq!(client.code, Some(0), "{client:?}");
    assert!(server.wait_exit().success(), "{}", server.dump());
    let objs = cap.stop();

    // The JSON: `result` stays English, `result_words` is the chosen
    // language's (English here), `returned` the typed facts.
    let accept = objs
        .iter()
        .find(|o| o["type"] == "call" && o["call"] == "accept" && o["phase"] == "return")
        .unwrap_or_else(|| panic!("no accept() return in {objs:#?}"));
    let client_addr = accept["peer"].as_str().unwrap().to_string();
    assert_eq!(
        accept["result"],
        format!("new socket for {client_addr} (client 1)")
    );
    assert_eq!(accept["result_words"], accept["result"]);
    assert_eq!(accept["returned"]["kind"], "new-client");
    assert_eq!(accept["returned"]["peer"], client_addr.as_str());
    assert_eq!(accept["returned"]["n"], 1);

    let pt = capture_in(PT, &["-r", pcap.to_str().unwrap()]);
    let accepts = returns(&pt, "tcp_server", "accept");
    assert_eq!(
        accepts.len(),
        1,
        "one accept() returned, in Portuguese:\n{pt}"
    );
    assert!(
        accepts[0].contains(&format!(
            "accept() -> novo socket para {client_addr} (cliente 1)"
        )),
        "{}",
        accepts[0]
    );
    let recvs = returns(&pt, "tcp_server", "recv");
    assert!(
        recvs
            .iter()
            .any(|l| l.contains("recv() -> 6 bytes \"hello\\n\"")),
        "{recvs:#?}"
    );
    assert!(
        recvs.iter().any(|l| l.contains(
            "recv() -> 0 bytes: o outro lado fechou o seu sentido da conexão (FIN recebido)"
        )),
        "{recvs:#?}"
    );
    assert!(!pt.contains("new socket for"), "English left:\n{pt}");
    assert!(!pt.contains("peer closed its side"), "English left:\n{pt}");

    // The same recording in English says it as before.
    let en = capture_in("C", &["-r", pcap.to_str().unwrap()]);
    assert!(
        en.contains(&format!(
            "accept() -> new socket for {client_addr} (client 1)"
        )),
        "{en}"
    );
    assert!(
        en.contains("recv() -> 0 bytes: peer closed its side (FIN received)"),
        "{en}"
    );
    let _ = std::fs::remove_file(&pcap);
    let _ = std::fs::remove_file(format!("{}.events", pcap.display()));
}

#[test]
fn the_demos_calls_say_what_they_returned_in_portuguese() {
    let pt = capture_in(PT, &["-r", &data("demo.pcap")]);
    assert!(
        pt.contains("accept() -> novo socket para 127.0.0.1:52092 (cliente 1)"),
        "{pt}"
    );
    assert!(
        pt.contains(
            "recv() -> 0 bytes: o outro lado fechou o seu sentido da conexão (FIN recebido)"
        ),
        "{pt}"
    );
    assert!(
        pt.contains("recvfrom() -> 14 bytes de 127.0.0.1:41173 \"hello over UDP\""),
        "{pt}"
    );
    // The ladder says the same.
    let ladder = capture_in(PT, &["-r", &data("demo.pcap"), "--ladder"]);
    assert!(ladder.contains("accept() -> novo socket"), "{ladder}");
    // JSON: `result` English whatever the language, `result_words` in it.
    let json = capture_in(PT, &["-r", &data("demo.pcap"), "--json"]);
    let fin = json
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|o| o["returned"]["kind"] == "peer-closed")
        .expect("the server's recv() of 0 bytes");
    assert_eq!(
        fin["result"],
        "0 bytes: peer closed its side (FIN received)"
    );
    assert_eq!(
        fin["result_words"],
        "0 bytes: o outro lado fechou o seu sentido da conexão (FIN recebido)"
    );
}

/// Every typed result of the recording, said in English, is the text the
/// program sent beside it: the typed facts say the same thing.
#[test]
fn the_recordings_typed_results_say_what_their_english_text_says() {
    let text = std::fs::read_to_string(data("demo.pcap.events")).unwrap();
    let mut typed = 0;
    for line in text.lines() {
        let ev = socklab::events::CallEvent::parse(line.as_bytes()).unwrap();
        if let Some(r) = &ev.returned {
            let en = socklab::i18n::facts::returned_in(socklab::i18n::Lang::En, r);
            assert_eq!(en, ev.result, "{line}");
            typed += 1;
        }
    }
    assert_eq!(typed, 18, "every result that has words to translate");
}

#[test]
fn events_in_the_old_format_still_show_their_text() {
    // udp_refused.pcap.events was recorded before typed results.
    let events = std::fs::read_to_string(data("udp_refused.pcap.events")).unwrap();
    assert!(!events.contains("\"returned\""));
    let pt = capture_in(PT, &["-r", &data("udp_refused.pcap")]);
    assert!(
        pt.contains("sendto() -> 13 bytes"),
        "the old event's own text:\n{pt}"
    );
    assert!(pt.contains("recvfrom() -> error: timed out"), "{pt}");
}
