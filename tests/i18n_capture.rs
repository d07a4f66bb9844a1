//! capture in Brazilian Portuguese: chosen by the locale (`LC_ALL`) or
//! `--lang`, with English unchanged under `LC_ALL=C`. Offline (recordings
//! in tests/data), so no privileges are needed.

mod harness;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use harness::{data, golden, TestCommand};
use serde_json::Value;

const PT: &str = "pt_BR.UTF-8";
const EN: &str = "C";

/// Run capture with `LC_ALL=locale` (the other locale variables cleared,
/// so the machine's own do not decide), 100 columns, no colour.
fn run(locale: &str, args: &[&str]) -> (i32, String, String) {
    TestCommand::new("capture")
        .args(args)
        .env("LC_ALL", locale)
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env("COLUMNS", "100")
        .run()
        .parts()
}

#[test]
fn portuguese_goldens_for_a_few_recordings() {
    for (file, name) in [
        ("demo.pcap", "text_demo.pt-BR.txt"),
        ("refused.pcap", "text_refused.pt-BR.txt"),
        ("crossing_fins.pcap", "text_crossing_fins.pt-BR.txt"),
        ("lost_synack.pcap", "text_lost_synack.pt-BR.txt"),
        ("lost_one_byte.pcap", "text_lost_one_byte.pt-BR.txt"),
    ] {
        let (code, out, err) = run(PT, &["-r", &data(file)]);
        assert_eq!(code, 0, "{file}: {err}");
        golden(name, &out);
    }
    let (code, out, err) = run(PT, &["-r", &data("demo.pcap"), "--ladder"]);
    assert_eq!(code, 0, "{err}");
    golden("ladder_demo_100.pt-BR.txt", &out);
}

#[test]
fn the_replayed_demo_speaks_portuguese_under_a_portuguese_locale_and_english_under_c() {
    let (code, pt, err) = run(PT, &["demo", "--from-file"]);
    assert_eq!(code, 0, "{err}");
    for said in [
        "demonstração do socklab (reproduzida de uma gravação",
        "Como ler, em ordem de tempo:",
        "Depois, cada conversa como um diagrama de escada",
        "handshake 1/3: o cliente pede para se conectar com SYN",
        "o SYN conta como um byte no espaço de sequência",
        "retornou depois do passo 3/3 do handshake (ACK)",
        "(o socket de escuta: nada vai para a rede",
        "encerramento 1: o cliente envia FIN",
        "datagrama UDP de 14 bytes: nenhum handshake vem antes dele",
        "fim conexão #1",
        "cliente SYN-SENT · servidor SYN-RECEIVED",
        "pacotes: 12 TCP, 4 UDP",
    ] {
        assert!(pt.contains(said), "{said:?} missing in:\n{pt}");
    }
    for english in [
        "How to read it",
        "the client asks",
        "returned after",
        "packets:",
    ] {
        assert!(!pt.contains(english), "{english:?} in the Portuguese demo");
    }

    let (code, en, err) = run(EN, &["demo", "--from-file"]);
    assert_eq!(code, 0, "{err}");
    for said in [
        "socklab demo (replayed from a recording",
        "How to read it, in time order:",
        "handshake 1/3: the client asks to connect with SYN",
        "returned after handshake step 3/3 (ACK)",
        "end connection #1",
        "packets: 12 TCP, 4 UDP",
    ] {
        assert!(en.contains(said), "{said:?} missing in:\n{en}");
    }
    assert!(!en.contains("Como ler") && !en.contains("o cliente"));
}

#[test]
fn the_summary_table_has_portuguese_headers_and_values() {
    let (code, pt, err) = run(PT, &["-r", &data("demo.pcap")]);
    assert_eq!(code, 0, "{err}");
    let table = &pt[pt.rfind('┌').expect("a table")..];
    for said in [
        "cliente",
        "servidor",
        "encerramento",
        "em três vias",
        "completo",
    ] {
        assert!(table.contains(said), "{said:?} missing in:\n{table}");
    }
    assert!(!table.contains("teardown") && !table.contains("three-way"));

    let (code, en, err) = run(EN, &["-r", &data("demo.pcap")]);
    assert_eq!(code, 0, "{err}");
    let table = &en[en.rfind('┌').expect("a table")..];
    for said in ["client", "teardown", "three-way", "complete", "closed"] {
        assert!(table.contains(said), "{said:?} missing in:\n{table}");
    }
}

#[test]
fn errors_and_their_hints_follow_the_language() {
    let missing = "/nonexistent/socklab-i18n.pcap";
    let (code, _, err) = run(PT, &["-r", missing]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim_end(),
        format!(
            "capture: erro: não foi possível ler {missing}: o arquivo não existe; confira o \
             caminho dado a -r"
        )
    );
    let (code, _, err) = run(EN, &["-r", missing]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim_end(),
        format!("capture: error: cannot read {missing}: no such file; check the path given to -r")
    );
    // A usage error (a bad filter) keeps its exit code in both languages.
    let (code, _, err) = run(PT, &["-r", &data("demo.pcap"), "tcp", "port"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("filtro inválido") && err.contains("sintaxe do tcpdump"),
        "{err}"
    );
    let (code, _, err) = run(PT, &["-r", &data("demo.pcap"), "--conn", "9"]);
    assert_eq!(code, 1);
    assert!(err.contains("não há conexão #9 nesta captura"), "{err}");
}

#[test]
fn the_flag_beats_the_locale() {
    let (_, out, _) = run(PT, &["--lang", "en", "-r", &data("refused.pcap")]);
    assert!(out.contains("connection refused: nothing listens"), "{out}");
    let (_, out, _) = run(EN, &["--lang", "pt-BR", "-r", &data("refused.pcap")]);
    assert!(
        out.contains("conexão recusada: nada escuta na porta"),
        "{out}"
    );
}

/// The JSON objects of `file`, in `locale`.
fn json(locale: &str, file: &str) -> Vec<Value> {
    let (code, out, err) = run(locale, &["-r", &data(file), "--json"]);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn json_keys_and_values_do_not_change_with_the_language_only_the_sentences() {
    let en = json(EN, "demo.pcap");
    let pt = json(PT, "demo.pcap");
    assert_eq!(en.len(), pt.len());
    let mut notes = 0;
    for (e, p) in en.iter().zip(&pt) {
        let (mut e, mut p) = (e.clone(), p.clone());
        for field in ["note", "relation", "result_words"] {
            let (a, b) = (e.get(field).cloned(), p.get(field).cloned());
            if let (Some(Value::String(a)), Some(Value::String(b))) = (&a, &b) {
                // A relation such as `-> SYN` is the same in both.
                if field == "note" && !a.is_empty() {
                    assert_ne!(a, b, "a note not translated");
                    notes += 1;
                }
            }
            e.as_object_mut().unwrap().remove(field);
            p.as_object_mut().unwrap().remove(field);
        }
        assert_eq!(e, p, "a JSON field changed with the language");
    }
    assert_eq!(notes, 16, "one note per segment and datagram");
    // Scripts read the facts by name.
    let syn = pt.iter().find(|o| o["step"] == "handshake-1").unwrap();
    assert_eq!(syn["note_id"], "handshake.syn");
    let connect = pt
        .iter()
        .find(|o| o["type"] == "call" && o["call"] == "connect" && o["phase"] == "return")
        .unwrap();
    assert_eq!(connect["relation_id"], "returned-after");
    assert!(connect["relation"]
        .as_str()
        .unwrap()
        .starts_with("retornou depois"));
    let datagram = pt.iter().find(|o| o["type"] == "datagram").unwrap();
    assert_eq!(datagram["note_id"], "udp.first");
}

#[test]
fn help_is_all_in_portuguese_with_its_examples() {
    for args in [
        &["--lang", "pt-BR", "--help"][..],
        &["demo", "--lang", "pt-BR", "--help"],
        &["shell", "--lang", "pt-BR", "--help"],
    ] {
        let out = TestCommand::new("capture")
            .args(args)
            .env("SOCKLAB_I18N_CHECK", "1")
            .run();
        assert_eq!(out.code, Some(0));
        assert!(
            out.stderr.is_empty(),
            "{args:?}: missing translations:\n{}",
            out.stderr
        );
    }
    let (code, help, _) = run(PT, &["--help"]);
    assert_eq!(code, 0);
    assert!(help.contains("Exemplos:"), "{help}");
    assert!(help.contains("a lição inteira num só comando"), "{help}");
    assert!(help.contains("Lê os pacotes de um arquivo pcap"), "{help}");
    let (_, help, _) = run(EN, &["--help"]);
    assert!(help.contains("Examples:") && help.contains("Read packets from a pcap file"));
}

/// GET `path` from the browser view at `addr`; the response's body (the
/// event stream: its first lines).
fn get(addr: &str, path: &str, lines: usize) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    if lines == 0 {
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        return body;
    }
    let mut r = BufReader::new(s);
    let mut out = String::new();
    for _ in 0..lines {
        let mut l = String::new();
        if r.read_line(&mut l).unwrap_or(0) == 0 {
            break;
        }
        out.push_str(&l);
    }
    out
}

#[test]
fn the_browser_view_follows_the_process_language_and_names_relations() {
    // Stopped (by its pid) when `view` is dropped: it stays up until Ctrl-C.
    let view = TestCommand::new("capture")
        .args(["-r", &data("demo.pcap"), "--web=127.0.0.1:0"])
        .env("LC_ALL", PT)
        .stdin_null()
        .start();
    let line = view.wait_stderr("capture: visão no navegador em http://");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap()
        .to_string();
    let page = get(&addr, "/", 0);
    assert!(page.contains("<html lang=\"pt-BR\">"), "{page}");
    let feed = get(&addr, "/events", 400);
    assert!(feed.contains("\"lang\":\"pt-BR\""), "{feed}");
    assert!(
        feed.contains("\"relation_id\":\"returned-after\""),
        "{feed}"
    );
    assert!(feed.contains("\"relation_id\":\"caused\""), "{feed}");
}

#[test]
fn the_quiz_asks_and_scores_in_portuguese_and_takes_portuguese_answers() {
    // The SYN: its flags, "nenhum" for its ack number, the client's state.
    let out = TestCommand::new("capture")
        .args(["-r", &data("refused.pcap"), "--quiz"])
        .env("LC_ALL", PT)
        .run_with(b"SYN\nnenhum\nSYN-SENT\n");
    assert_eq!(out.code, Some(0));
    let text = &out.stdout;
    assert!(text.starts_with("Adivinhe cada segmento"), "{text}");
    assert!(
        text.contains("#1 a seguir: o cliente (127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains("certo: nenhum (o flag ACK está desligado)"),
        "{text}"
    );
    assert!(
        text.contains("Pontuação: flags 1/1 · número de ack 1/1 · estado 1/1 · total 3/3"),
        "{text}"
    );
}
