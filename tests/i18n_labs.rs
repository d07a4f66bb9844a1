//! The lab programs speak the student's language: with a Portuguese locale
//! (`LC_ALL=pt_BR.UTF-8`) their narration, explanations, output, errors and
//! `--help` are in Brazilian Portuguese; with `LC_ALL=C`, in English; and
//! `--lang` wins over the locale. Each program's main path and one error
//! path, run as a student runs them, on free loopback ports.

mod harness;

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use socklab::events::{CallEvent, Phase};

use harness::*;

/// The locale of a Portuguese-speaking student, and of nobody in particular.
const PT: &str = "pt_BR.UTF-8";
const C: &str = "C";

/// `name args` with `LC_ALL=locale` (and no other locale variable), with
/// the harness's other defaults.
fn in_locale(locale: &str, name: &str, args: &[&str]) -> TestCommand {
    let mut cmd = TestCommand::new(name);
    cmd.args(args)
        .env_remove("LANG")
        .env_remove("LC_MESSAGES")
        .env("LC_ALL", locale);
    cmd
}

/// Start server `name --port 0 args` in `locale` and wait for the address
/// it prints after `listening` (`listening on` or `escutando em`), up to a
/// `: ` (chat goes on: `escutando em 0.0.0.0:5005: no outro computador...`).
/// Its stdin stays open (a chat leaves at the end of its input).
fn server(locale: &str, name: &str, args: &[&str], listening: &str) -> (Running, SocketAddr) {
    let mut all = vec!["--port", "0"];
    all.extend_from_slice(args);
    let server = in_locale(locale, name, &all).start();
    let line = server.wait_line(listening);
    let after = line.split(listening).nth(1).unwrap_or_default();
    let addr = after.split(": ").next().unwrap_or_default().trim();
    let addr = addr
        .parse()
        .unwrap_or_else(|e| panic!("no address in {line:?}: {e}"));
    (server, addr)
}

/// Run `name args` in `locale` to its end, with `stdin`.
fn finish(locale: &str, name: &str, args: &[&str], stdin: &[u8]) -> Finished {
    in_locale(locale, name, args).run_with(stdin)
}

/// Every one of `wanted` is in `text`.
#[track_caller]
fn assert_all(text: &str, wanted: &[&str]) {
    for w in wanted {
        assert_contains(text, w);
    }
}

/// None of `unwanted` is in `text` (English left in a Portuguese output).
#[track_caller]
fn assert_none(text: &str, unwanted: &[&str]) {
    for u in unwanted {
        assert!(!text.contains(u), "unexpected {u:?} in:\n{text}");
    }
}

/// One stderr line `prog: erro: ...` holding `wanted`, exit 1.
#[track_caller]
fn assert_one_line_erro(out: &Finished, prog: &str, wanted: &str) {
    assert_eq!(out.code, Some(1), "exit code; output: {out:#?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one stderr line, got: {:?}", out.stderr);
    assert!(
        lines[0].starts_with(&format!("{prog}: erro: ")),
        "{:?}",
        lines[0]
    );
    assert_contains(lines[0], wanted);
}

/// A TCP port held by a listening socket of ours (so a bind() there fails).
fn busy_tcp_port() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

// ---- tcp_server and tcp_client -----------------------------------------

/// One echo conversation with a half-close, in `locale`: (server, client).
fn tcp_conversation(locale: &str, listening: &str, extra: &[&str]) -> (String, Finished) {
    let (mut srv, addr) = server(locale, "tcp_server", &["--once"], listening);
    let port = addr.port().to_string();
    let mut args = vec!["--port", &port, "-m", "olá", "--shutdown"];
    args.extend_from_slice(extra);
    let client = finish(locale, "tcp_client", &args, b"");
    assert_eq!(client.code, Some(0), "{client:#?}");
    assert!(srv.wait_exit().success(), "{}", srv.stderr());
    (srv.stdout(), client)
}

#[test]
fn tcp_server_and_client_speak_portuguese_in_a_portuguese_locale() {
    let (srv, client) = tcp_conversation(PT, "escutando em ", &[]);
    assert_all(
        &srv,
        &[
            "socket(AF_INET, SOCK_STREAM) -> ok",
            "o socket de cada cliente é um descritor de arquivo: no máximo 1000 clientes ao mesmo tempo",
            "accept() -> novo socket para 127.0.0.1:",
            " (cliente 1)\n",
            "[cliente 1] recv() -> 5 bytes \"olá\\n\"",
            "[cliente 1] recv() -> 0 bytes: o outro lado fechou o seu sentido da conexão (FIN recebido)",
            "um cliente atendido (--once): saindo",
        ],
    );
    assert_all(
        &client.stdout,
        &[
            "não chamamos bind(): o kernel escolheu o nosso endereço, 127.0.0.1:",
            "com uma porta livre (efêmera)",
            "resposta: olá\n",
            "recv() -> 0 bytes: o outro lado fechou o seu sentido da conexão (FIN recebido)",
        ],
    );
    for text in [&srv, &client.stdout] {
        assert_none(
            text,
            &["listening on", "new socket", "peer closed", "reply:"],
        );
    }
}

#[test]
fn tcp_server_and_client_speak_english_in_the_c_locale_and_with_lang_en() {
    let (srv, client) = tcp_conversation(C, "listening on ", &[]);
    assert_all(
        &srv,
        &[
            "accept() -> new socket for 127.0.0.1:",
            "[client 1] recv() -> 0 bytes: peer closed its side (FIN received)",
            "served one client (--once): exiting",
        ],
    );
    assert_all(
        &client.stdout,
        &[
            "we did not bind(): the kernel chose our address",
            "reply: olá\n",
        ],
    );
    // --lang beats the locale.
    let port = free_port().to_string();
    let out = finish(
        PT,
        "tcp_client",
        &["--lang", "en", "--port", &port, "-m", "x"],
        b"",
    );
    assert_contains(&out.stderr, "tcp_client: error: connect 127.0.0.1:");
    let out = finish(
        C,
        "tcp_client",
        &["--lang", "pt-BR", "--port", &port, "-m", "x"],
        b"",
    );
    assert_contains(&out.stderr, "tcp_client: erro: connect 127.0.0.1:");
}

#[test]
fn tcp_bulk_transfer_reports_its_rate_with_a_decimal_comma() {
    let (mut srv, addr) = server(
        PT,
        "tcp_server",
        &["--once", "--mode", "sink"],
        "escutando em ",
    );
    let port = addr.port().to_string();
    let client = finish(PT, "tcp_client", &["--port", &port, "--bytes", "1M"], b"");
    assert_eq!(client.code, Some(0), "{client:#?}");
    assert!(srv.wait_exit().success());
    // `send(buffer de 256 KiB) x 4 chamadas -> 1048576 bytes`
    assert_contains(&client.stdout, "send(buffer de 256 KiB) x ");
    assert_contains(&client.stdout, " chamadas -> 1048576 bytes");
    let rate = |text: &str, word: &str| {
        let line = text
            .lines()
            .find(|l| l.contains(word))
            .unwrap_or_else(|| panic!("no {word:?} in:\n{text}"))
            .to_string();
        assert_contains(&line, "bytes (1 MiB) em ");
        // `em 0,004 s: 2,10 Gbit/s`: commas, no points.
        let figures = line.split(" em ").nth(1).unwrap();
        assert!(figures.contains(',') && !figures.contains('.'), "{line}");
    };
    rate(&client.stdout, "enviados 1048576 bytes");
    rate(&srv.stdout(), "recebidos 1048576 bytes");
    assert_contains(
        &srv.stdout(),
        "a última chamada: 0 bytes: o outro lado fechou",
    );
}

#[test]
fn tcp_errors_and_their_hints_are_in_the_students_language() {
    // tcp_client: nothing listens.
    let port = free_port();
    let p = port.to_string();
    let pt = finish(PT, "tcp_client", &["--port", &p, "-m", "x"], b"");
    assert_one_line_erro(
        &pt,
        "tcp_client",
        &format!("connect 127.0.0.1:{port}: conexão recusada: ninguém escuta em 127.0.0.1:{port}; inicie o servidor primeiro ou confira --host e --port"),
    );
    assert_contains(
        &pt.stdout,
        "-> erro: conexão recusada: ninguém escuta ali (TCP: voltou um RST; UDP: um ICMP port unreachable)",
    );
    let en = finish(C, "tcp_client", &["--port", &p, "-m", "x"], b"");
    assert_one_line_error(
        &en,
        "tcp_client",
        &format!("connect 127.0.0.1:{port}: connection refused: nothing is listening on 127.0.0.1:{port}; start the server first"),
    );

    // tcp_server: the port is taken.
    let (_held, port) = busy_tcp_port();
    let p = port.to_string();
    let pt = finish(PT, "tcp_server", &["--port", &p], b"");
    assert_one_line_erro(
        &pt,
        "tcp_server",
        &format!("bind 127.0.0.1:{port}: endereço já em uso: outro programa escuta na porta {port}; pare-o ou escolha outra --port"),
    );
    let en = finish(C, "tcp_server", &["--port", &p], b"");
    assert_one_line_error(
        &en,
        "tcp_server",
        &format!("address already in use: another program listens on port {port}"),
    );

    // A usage error of the library's own parsers (exit 2).
    let pt = finish(PT, "tcp_client", &["--timeout", "logo"], b"");
    assert_eq!(pt.code, Some(2), "{pt:#?}");
    assert_contains(
        &pt.stderr,
        "`logo` não é uma duração: use segundos (1, 2,5, 3s) ou milissegundos (500ms)",
    );
    let en = finish(C, "tcp_client", &["--timeout", "soon"], b"");
    assert_eq!(en.code, Some(2), "{en:#?}");
    assert_contains(&en.stderr, "`soon` is not a duration: use seconds");
}

#[test]
fn the_events_for_capture_stay_english_when_the_programs_speak_portuguese() {
    // Our own events socket, read in a thread of its own as capture reads
    // it (the kernel queues only a few datagrams for a slow reader).
    let path = events_socket("i18n-events");
    let _ = std::fs::remove_file(&path);
    let receiver = UnixDatagram::bind(&path).unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let collecting = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let (mut results, mut buf) = (Vec::new(), [0u8; 4096]);
            loop {
                match receiver.recv(&mut buf) {
                    Ok(len) => {
                        let event = CallEvent::parse(&buf[..len]).expect("a well-formed event");
                        if event.phase == Phase::Return {
                            results.push(format!("{} {} {}", event.prog, event.call, event.result));
                        }
                    }
                    // Nothing queued: the end once the programs have exited.
                    Err(_) if done.load(Ordering::SeqCst) => break,
                    Err(_) => {}
                }
            }
            results
        })
    };
    let (mut srv, addr) = {
        let mut cmd = in_locale(PT, "tcp_server", &["--port", "0", "--once"]);
        let srv = cmd.events(&path).start();
        let line = srv.wait_line("escutando em ");
        let addr: SocketAddr = line.rsplit(' ').next().unwrap().parse().unwrap();
        (srv, addr)
    };
    let port = addr.port().to_string();
    let client = in_locale(PT, "tcp_client", &["--port", &port, "-m", "hi"])
        .events(&path)
        .run();
    assert_eq!(client.code, Some(0), "{client:#?}");
    assert!(srv.wait_exit().success());
    assert_contains(&srv.stdout(), "accept() -> novo socket para 127.0.0.1:");

    // Both have exited: every event is queued already; the thread reads
    // them and stops at the first empty wait.
    done.store(true, Ordering::SeqCst);
    let results = collecting.join().unwrap();
    let _ = std::fs::remove_file(&path);
    let all = results.join("\n");
    for wanted in [
        "tcp_server accept new socket for 127.0.0.1:",
        "tcp_server recv 3 bytes \"hi\\n\"",
        "tcp_server recv 0 bytes: peer closed its side (FIN received)",
        "tcp_client send 3 bytes",
    ] {
        assert_contains(&all, wanted);
    }
    assert_none(&all, &["novo socket", "o outro lado", "erro"]);
}

// ---- udp_server and udp_client -----------------------------------------

#[test]
fn udp_server_and_client_speak_portuguese_in_a_portuguese_locale() {
    let (mut srv, addr) = server(PT, "udp_server", &[], "escutando em ");
    let port = addr.port().to_string();
    let client = finish(
        PT,
        "udp_client",
        &["--port", &port, "-m", "olá", "-m", "off"],
        b"",
    );
    assert_eq!(client.code, Some(0), "{client:#?}");
    assert!(srv.wait_exit().success());
    let srv = srv.stdout();
    assert_all(
        &srv,
        &[
            "socket(AF_INET, SOCK_DGRAM) -> ok",
            "recvfrom() -> 4 bytes de 127.0.0.1:",
            ": olá\n",
            "    `off`: parando o servidor",
            "servidor parado: um cliente enviou `off`",
        ],
    );
    assert_all(
        &client.stdout,
        &[
            &format!("recvfrom() -> 4 bytes de {addr} \"olá\""),
            &format!("resposta de {addr}: olá\n"),
        ],
    );
    assert_none(&srv, &["listening on", "from 127", "server stopped"]);

    // English with LC_ALL=C.
    let (mut srv, addr) = server(C, "udp_server", &[], "listening on ");
    let port = addr.port().to_string();
    let client = finish(
        C,
        "udp_client",
        &["--port", &port, "-m", "hi", "-m", "off"],
        b"",
    );
    assert!(srv.wait_exit().success());
    assert_contains(&srv.stdout(), "server stopped: a client sent `off`");
    assert_contains(&client.stdout, &format!("reply from {addr}: hi\n"));
}

#[test]
fn udp_lost_replies_and_errors_are_in_the_students_language() {
    // Nobody answers: the numbered datagrams' count, and why.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let port = addr.port().to_string();
    let args = [
        "--port",
        &port,
        "--count",
        "2",
        "--interval",
        "1",
        "--timeout",
        "100ms",
    ];
    let pt = finish(PT, "udp_client", &args, b"");
    assert_eq!(pt.code, Some(0), "{pt:#?}");
    assert_all(
        &pt.stdout,
        &[
            "recvfrom() -> erro: tempo esgotado",
            &format!("nenhuma resposta em 100ms: o UDP não retransmite; o datagrama ou a sua resposta se perdeu, ou nada responde em {addr}"),
            "enviados 2 datagramas, nenhuma resposta voltou (faltam 2)",
        ],
    );
    let en = finish(C, "udp_client", &args, b"");
    assert_contains(
        &en.stdout,
        "sent 2 datagrams, 0 replies came back (2 missing)",
    );

    // udp_client: a message no datagram can carry.
    let big = "x".repeat(70_000);
    let pt = finish(PT, "udp_client", &["--port", &port, "-m", &big], b"");
    assert_one_line_erro(
        &pt,
        "udp_client",
        "uma mensagem de 70000 bytes é maior do que cabe num datagrama UDP (65507 bytes sobre IPv4)",
    );
    let en = finish(C, "udp_client", &["--port", &port, "-m", &big], b"");
    assert_one_line_error(
        &en,
        "udp_client",
        "a message of 70000 bytes is larger than a UDP datagram can carry",
    );

    // udp_server: the port is taken (by `silent`).
    let pt = finish(PT, "udp_server", &["--port", &port], b"");
    assert_one_line_erro(
        &pt,
        "udp_server",
        &format!("bind {addr}: endereço já em uso"),
    );
    let en = finish(C, "udp_server", &["--port", &port], b"");
    assert_one_line_error(
        &en,
        "udp_server",
        &format!("bind {addr}: address already in use"),
    );
}

// ---- chat ----------------------------------------------------------------

#[test]
fn a_tcp_chat_and_its_report_are_in_portuguese() {
    let (mut ana, addr) = server(
        PT,
        "chat",
        &[
            "--proto",
            "tcp",
            "--listen",
            "--host",
            "127.0.0.1",
            "--name",
            "ana",
        ],
        "escutando em ",
    );
    assert_contains(
        &ana.stdout(),
        ": no outro computador, rode `chat --proto tcp --connect ENDEREÇO`",
    );
    let port = addr.port().to_string();
    let bia = finish(
        PT,
        "chat",
        &[
            "--proto",
            "tcp",
            "--connect",
            "127.0.0.1",
            "--port",
            &port,
            "--name",
            "bia",
        ],
        "olá\n/quit\n".as_bytes(),
    );
    assert_eq!(bia.code, Some(0), "{bia:#?}");
    assert!(ana.wait_exit().success(), "{}", ana.stderr());
    let ana = ana.stdout();
    assert_all(
        &bia.stdout,
        &[
            "conversando com 127.0.0.1:",
            " sobre TCP como bia: digite uma linha e aperte Enter; /quit ou Ctrl-D sai",
            "relatório: enviadas 1, recebidas 0, perdidas 0, fora de ordem 0, duplicadas 0",
            "por quê: no TCP perdidas, fora de ordem e duplicadas ficam em 0",
        ],
    );
    assert_all(
        &ana,
        &[
            "accept() -> novo socket para 127.0.0.1:",
            "bia #1: olá\n",
            "-- o outro lado saiu: fechou a conexão (FIN recebido)",
            "relatório: enviadas 0, recebidas 1, perdidas 0",
        ],
    );
    for text in [&ana, &bia.stdout] {
        assert_none(text, &["report:", "why:", "peer left", "chatting with"]);
    }
}

#[test]
fn a_udp_chat_explains_itself_in_portuguese_and_in_english() {
    for (locale, wanted) in [
        (
            PT,
            [
                "nenhum pacote foi enviado: um connect() no UDP só registra o endereço do outro lado",
                "a nossa despedida: se este datagrama se perder, o outro lado nunca fica sabendo que saímos (o UDP não tem FIN)",
                "relatório: enviadas 1, recebidas 0, perdidas 0",
                "por quê: essas contagens vêm dos nossos próprios números de sequência",
            ],
        ),
        (
            C,
            [
                "no packet was sent: a UDP connect() only records the peer's address",
                "our goodbye: if this datagram is lost, the peer never learns that we left (UDP has no FIN)",
                "report: sent 1, received 0, lost 0",
                "why: these counts come from our own sequence numbers",
            ],
        ),
    ] {
        // The peer's port is a socket of ours that reads nothing: the chat
        // sends its message and its goodbye into it.
        let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
        let peer_port = peer.local_addr().unwrap().port().to_string();
        let port = free_port().to_string();
        let args = [
            "--proto", "udp", "--peer", "127.0.0.1", "--host", "127.0.0.1", "--port", &port,
            "--peer-port", &peer_port, "--name", "ana",
        ];
        let out = finish(locale, "chat", &args, b"oi\n");
        assert_eq!(out.code, Some(0), "{out:#?}");
        assert_all(&out.stdout, &wanted);
    }
}

#[test]
fn a_udp_chat_with_nobody_there_says_so_in_portuguese() {
    // Nothing is bound to the peer's port: our datagram comes back as an
    // ICMP port unreachable, reported on the connected socket.
    let port = free_port();
    let peer_port = (0..).map(|_| free_port()).find(|&p| p != port).unwrap();
    let (port, peer_port) = (port.to_string(), peer_port.to_string());
    let args = [
        "--proto",
        "udp",
        "--peer",
        "127.0.0.1",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--peer-port",
        &peer_port,
    ];
    let out = finish(PT, "chat", &args, b"oi\n");
    assert_eq!(out.code, Some(0), "{out:#?}");
    assert_all(
        &out.stdout,
        &[
            "-> erro: ECONNREFUSED (voltou um ICMP port unreachable)",
            "um datagrama nosso chegou ao computador do outro lado, mas nenhum programa lá tinha a porta aberta",
            &format!("-- ninguém escuta em 127.0.0.1:{peer_port} (ICMP port unreachable): o que enviamos se perdeu"),
        ],
    );
}

#[test]
fn chat_errors_are_in_the_students_language() {
    let port = free_port().to_string();
    let args = ["--proto", "tcp", "--connect", "127.0.0.1", "--port", &port];
    let pt = finish(PT, "chat", &args, b"");
    assert_one_line_erro(
        &pt,
        "chat",
        &format!("connect 127.0.0.1:{port}: conexão recusada (RST recebido): nenhum programa escuta na porta {port} daquele computador"),
    );
    let en = finish(C, "chat", &args, b"");
    assert_one_line_error(
        &en,
        "chat",
        &format!("connect 127.0.0.1:{port}: connection refused (RST received): nothing listens on port {port} there"),
    );
    // A usage error: exit 2, the reason and the usage, in Portuguese.
    let pt = finish(PT, "chat", &["--proto", "udp", "--listen"], b"");
    assert_eq!(pt.code, Some(2), "{pt:#?}");
    assert_all(
        &pt.stderr,
        &[
            "erro: no UDP não há quem espera nem quem chama: os dois lados usam --peer",
            "Uso: chat",
        ],
    );
    let en = finish(C, "chat", &["--proto", "udp", "--listen"], b"");
    assert_eq!(en.code, Some(2), "{en:#?}");
    assert_contains(&en.stderr, "over UDP there is no listener and no caller");
}

// ---- --help ----------------------------------------------------------------

#[test]
fn every_lab_program_has_its_help_and_examples_in_portuguese() {
    for prog in [
        "tcp_server",
        "tcp_client",
        "udp_server",
        "udp_client",
        "chat",
    ] {
        let out = in_locale(PT, prog, &["--help"])
            .env("SOCKLAB_I18N_CHECK", "1")
            .run();
        let (stdout, stderr) = (&out.stdout, &out.stderr);
        assert_eq!(out.code, Some(0), "{prog}: {stderr}");
        assert_eq!(stderr, "", "{prog}: help texts missing in Portuguese");
        assert_all(
            stdout,
            &["Uso: ", "Opções:", "Exemplos", "Mostra esta ajuda"],
        );
        assert_none(stdout, &["Examples:", "Print help"]);

        let out = in_locale(C, prog, &["--help"]).run();
        assert_all(&out.stdout, &["Usage: ", "Examples", "Print help"]);
    }
}
