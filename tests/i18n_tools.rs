//! twohost and tcp_vs_udp in both languages: a Portuguese locale
//! (`LC_ALL=pt_BR.UTF-8`) gets Portuguese sentences on the main paths and
//! in the errors, `LC_ALL=C` gets the English ones, and the JSON is the
//! same in both. No locale files are needed: socklab only reads the
//! variable.
//!
//! The lab network tests build their own, named after this process's pid,
//! and remove it; the ones that need root skip (saying why) without it.

mod harness;

use std::collections::BTreeSet;
use std::time::Duration;

use harness::{can_use_namespaces, Finished, TestCommand};
use serde_json::Value;

const PT: &str = "pt_BR.UTF-8";
const EN: &str = "C";

/// Run socklab's `program` with `args` in `locale`, to its end.
fn run_in(locale: &str, program: &str, args: &[&str], limit: Duration) -> Finished {
    TestCommand::new(program)
        .args(args)
        .env("LC_ALL", locale)
        .limit(limit)
        .run()
}

fn tcp_vs_udp(locale: &str, args: &[&str]) -> Finished {
    run_in(locale, "tcp_vs_udp", args, Duration::from_secs(300))
}

fn ok(out: &Finished) -> bool {
    out.code == Some(0)
}

fn assert_has(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(haystack.contains(n), "no `{n}` in:\n{haystack}");
    }
}

fn assert_lacks(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(
            !haystack.contains(n),
            "`{n}` (the other language) in:\n{haystack}"
        );
    }
}

#[test]
fn tcp_vs_udp_overload_speaks_the_locales_language() {
    let args = ["--messages", "300", "--recv-delay", "0.2ms"];
    let pt = tcp_vs_udp(PT, &args);
    let out = pt.stdout.clone();
    assert!(ok(&pt), "{}", pt.stderr);
    assert_has(
        &out,
        &[
            // the narration
            "[emissor tcp] connect(",
            "conectado (handshake de três vias concluído)",
            "o emissor fechou (FIN recebido)",
            "marcadores de fim: o UDP não tem fim de fluxo",
            // the table, with decimal commas
            "perda no enlace",
            "latência p99",
            "nenhuma (loopback)",
            "300 (100,0%)",
            // what it means
            "o controle de fluxo segurou o emissor no ritmo do receptor",
            "datagramas nunca chegaram à aplicação",
        ],
    );
    assert_lacks(
        &out,
        &[
            "flow control",
            "none (loopback)",
            "(100.0%)",
            "[tcp sender]",
        ],
    );

    let en = tcp_vs_udp(EN, &args);
    let out = en.stdout.clone();
    assert!(ok(&en), "{}", en.stderr);
    assert_has(
        &out,
        &[
            "[tcp sender] connect(",
            "connected (three-way handshake done)",
            "link loss",
            "none (loopback)",
            "300 (100.0%)",
            "flow control held the sender back to the receiver's pace",
            "datagrams never reached the application",
        ],
    );
    assert_lacks(
        &out,
        &["controle de fluxo", "nenhuma (loopback)", "emissor"],
    );
}

/// The keys of each JSON object, and the values that name things.
fn json_shape(out: &Finished) -> Vec<(BTreeSet<String>, Value, Value)> {
    assert!(ok(out), "{}", out.stderr);
    out.stdout
        .lines()
        .map(|l| {
            let v: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            let keys = v.as_object().expect("an object").keys().cloned().collect();
            (keys, v["proto"].clone(), v["scenario"].clone())
        })
        .collect()
}

#[test]
fn tcp_vs_udp_json_is_the_same_in_both_languages() {
    let args = [
        "--json",
        "--messages",
        "100",
        "--recv-delay",
        "0",
        "--rcvbuf",
        "1M",
    ];
    let pt = tcp_vs_udp(PT, &args);
    let en = tcp_vs_udp(EN, &args);
    let (pt, en) = (json_shape(&pt), json_shape(&en));
    assert_eq!(pt.len(), 2);
    assert_eq!(pt, en, "the JSON changed with the language");
    // Numbers keep their `.`: a Portuguese run's JSON still parses as
    // numbers (json_shape parsed it), and nothing in it is prose.
    let raw = tcp_vs_udp(PT, &args).stdout;
    assert_lacks(&raw, &["perda", "mensagens", "enviadas"]);
}

#[test]
fn tcp_vs_udp_usage_errors_speak_the_locales_language() {
    let pt = tcp_vs_udp(PT, &["--loss", "5"]);
    assert_eq!(pt.code, Some(2));
    let err = pt.stderr;
    assert_has(
        &err,
        &[
            "erro: --loss é do --scenario lossy (o cenário overload roda no loopback, sem enlace no meio)",
            "Uso: tcp_vs_udp",
        ],
    );
    assert!(pt.stdout.is_empty());

    let en = tcp_vs_udp(EN, &["--loss", "5"]);
    assert_eq!(en.code, Some(2));
    assert_has(
        &en.stderr,
        &["error: --loss belongs to --scenario lossy (the overload scenario runs on loopback"],
    );

    // A value clap checks with our parser: the reason is ours, translated.
    let pt = tcp_vs_udp(PT, &["--rate", "0"]);
    assert_eq!(pt.code, Some(2));
    assert_has(
        &pt.stderr,
        &["`0` não é um ritmo: use mensagens por segundo"],
    );
    let en = tcp_vs_udp(EN, &["--rate", "0"]);
    assert_has(&en.stderr, &["`0` is not a rate: use messages per second"]);
}

#[test]
fn help_is_complete_in_portuguese() {
    for program in ["tcp_vs_udp", "twohost"] {
        let out = TestCommand::new(program)
            .args(["--lang", "pt-BR", "--help"])
            .env("SOCKLAB_I18N_CHECK", "1")
            .run();
        assert!(ok(&out));
        assert_eq!(out.stderr, "", "{program}: help texts missing in pt-BR");
        let help = out.stdout;
        assert_has(
            &help,
            &["Uso:", "Opções:", "Exemplos:", "Mostra esta ajuda"],
        );
        assert_lacks(&help, &["Examples:", "Print help"]);
    }
    // A subcommand's own help, and a positional that is not the lab
    // programs' --host.
    let out = run_in(PT, "twohost", &["exec", "--help"], Duration::from_secs(30));
    assert_has(
        &out.stdout,
        &["Roda um programa num dos hosts", "alice, bob (ou carol)"],
    );
}

fn twohost(locale: &str, prefix: &str, subnet: u8, args: &[&str]) -> Finished {
    let subnet = subnet.to_string();
    let mut all = vec!["--prefix", prefix, "--subnet", &subnet];
    all.extend_from_slice(args);
    run_in(locale, "twohost", &all, Duration::from_secs(60))
}

#[test]
fn twohost_errors_speak_the_locales_language() {
    // Nothing is up under this name: the error says so, and what to do.
    let p = format!("i{}e", std::process::id());
    let pt = twohost(PT, &p, 232, &["exec", "alice", "true"]);
    assert_eq!(pt.code, Some(1));
    assert_eq!(
        pt.stderr.trim(),
        "twohost: erro: os dois hosts não estão no ar: rode `twohost up` primeiro"
    );
    let en = twohost(EN, &p, 232, &["exec", "alice", "true"]);
    assert_eq!(
        en.stderr.trim(),
        "twohost: error: the two hosts are not up: run `twohost up` first"
    );

    // Values out of range: usage errors, exit 2, with the link's words.
    let pt = twohost(PT, &p, 232, &["up", "--loss", "101"]);
    assert_eq!(pt.code, Some(2));
    assert_has(
        &pt.stderr,
        &["101 não é uma porcentagem de 0 a 100 (20 quer dizer 20 %)"],
    );
    let en = twohost(EN, &p, 232, &["up", "--loss", "101"]);
    assert_eq!(en.code, Some(2));
    assert_has(
        &en.stderr,
        &["101 is not a percentage from 0 to 100 (20 means 20 %)"],
    );
    let pt = twohost(PT, &p, 232, &["set"]);
    assert_eq!(pt.code, Some(2));
    assert_has(&pt.stderr, &["erro: diga o que mudar"]);
}

#[test]
fn twohost_up_status_down_in_portuguese_and_english() {
    if !can_use_namespaces("twohost_up_status_down_in_portuguese_and_english") {
        return;
    }
    let p = format!("i{}u", std::process::id());
    let s = 231;
    // Removed whatever happens below.
    struct Down(String);
    impl Drop for Down {
        fn drop(&mut self) {
            let _ = twohost(EN, &self.0, 231, &["down"]);
        }
    }
    let _down = Down(p.clone());

    let up = twohost(PT, &p, s, &["up", "--delay", "2ms", "--loss", "1.5"]);
    assert!(ok(&up), "{}", up.stderr);
    assert_has(
        &up.stdout,
        &[
            "dois hosts no ar: alice, bob, cada um ligado ao enlace pelo seu próprio cabo",
            "enlace: atraso de 2 ms em cada sentido, perda de 1,5 %",
            "observe o cabo do lado da alice",
            "Ao terminar:",
        ],
    );
    let status = twohost(PT, &p, s, &["status"]);
    assert_has(
        &status.stdout,
        &[
            "dois hosts: no ar",
            "descartados no caminho até aqui:",
            "encaminhados",
        ],
    );
    let en_status = twohost(EN, &p, s, &["status"]);
    assert_has(
        &en_status.stdout,
        &[
            "two hosts: up",
            "link: delay 2 ms each way, loss 1.5 %",
            "forwarded",
        ],
    );
    // The JSON is the same whoever asks.
    let json = |locale| {
        let out = twohost(locale, &p, s, &["status", "--json"]);
        let v: Value = serde_json::from_str(&out.stdout).expect("status --json is JSON");
        (
            v["link"].clone(),
            v["alice"]["ipv4"].clone(),
            v["up"].clone(),
        )
    };
    assert_eq!(json(PT), json(EN));

    let set = twohost(PT, &p, s, &["set", "--rate", "10mbit"]);
    assert_has(
        &set.stdout,
        &["o enlace agora:", "10 Mbit/s (fila de 100 quadros)"],
    );
    let down = twohost(PT, &p, s, &["down"]);
    assert_has(
        &down.stdout,
        &["alice e bob removidos (e com eles os cabos e o enlace)"],
    );
    let again = twohost(EN, &p, s, &["down"]);
    assert_has(
        &again.stdout,
        &["nothing to remove: the two hosts were not up"],
    );
}

#[test]
fn tcp_vs_udp_lossy_speaks_the_locales_language() {
    if !can_use_namespaces("tcp_vs_udp_lossy_speaks_the_locales_language") {
        return;
    }
    let args = [
        "--scenario",
        "lossy",
        "--loss",
        "5",
        "--messages",
        "300",
        "--size",
        "100",
    ];
    let pt = tcp_vs_udp(PT, &args);
    let out = pt.stdout.clone();
    assert!(ok(&pt), "{}", pt.stderr);
    assert_has(
        &out,
        &[
            "dois hosts no ar:",
            "o enlace entre eles: perda de 5 %",
            // the role processes narrate in the same language
            "conectado (handshake de três vias concluído)",
            "TCP com 5% de perda no enlace: 300 de 300 entregues em",
            "o kernel retransmitiu",
            "UDP com 5% de perda no enlace: perdeu",
            "do intervalo de 95%",
            "enlace descartou",
        ],
    );
    assert_lacks(&out, &["link loss", "the kernel retransmitted"]);

    let en = tcp_vs_udp(EN, &args);
    let out = en.stdout.clone();
    assert!(ok(&en), "{}", en.stderr);
    assert_has(
        &out,
        &[
            "two hosts up:",
            "TCP at 5% link loss: 300 of 300 delivered in",
            "UDP at 5% link loss:",
            "link dropped",
        ],
    );
}
