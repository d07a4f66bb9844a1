//! The course's Python programs (labs/python/) work: echo, off, UDP echo,
//! and the chat over TCP and UDP, on loopback with free ports.

use std::io::{BufRead, BufReader, Write};
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

/// Long enough for a slow, shared machine; only a guard against hanging.
const WAIT: Duration = Duration::from_secs(30);

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("labs/python")
        .join(name)
}

fn have_python() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: python3 is not installed");
    }
    ok
}

/// A running Python program: its output lines arrive on a channel; it is
/// killed (by its pid) if the test ends first.
struct Py {
    child: Child,
    lines: Receiver<String>,
    stdin: Option<ChildStdin>,
}

impl Py {
    fn start(name: &str, args: &[&str]) -> Py {
        let mut child = Command::new("python3")
            .arg("-u")
            .arg(script(name))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let (tx, lines) = mpsc::channel();
        for pipe in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let stdin = child.stdin.take();
        Py {
            child,
            lines,
            stdin,
        }
    }

    /// The next line containing `what`; the lines before it are returned too.
    fn wait_for(&self, what: &str) -> (String, Vec<String>) {
        let mut before = Vec::new();
        loop {
            match self.lines.recv_timeout(WAIT) {
                Ok(l) if l.contains(what) => return (l, before),
                Ok(l) => before.push(l),
                Err(_) => panic!("no line with {what:?}; got {before:?}"),
            }
        }
    }

    /// The port of a `listening on HOST:PORT` line.
    fn port(&self) -> u16 {
        let (line, _) = self.wait_for("listening on ");
        let addr = line
            .split("listening on ")
            .nth(1)
            .and_then(|r| r.split([' ', ',']).next())
            .unwrap();
        addr.rsplit(':').next().unwrap().parse().unwrap()
    }

    fn say(&mut self, line: &str) {
        let s = self.stdin.as_mut().expect("stdin open");
        writeln!(s, "{line}").unwrap();
        s.flush().unwrap();
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Wait for the end (killed after [`WAIT`]); all output lines left.
    fn finish(mut self) -> (bool, Vec<String>) {
        self.close_stdin();
        let deadline = std::time::Instant::now() + WAIT;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break Some(s);
            }
            if std::time::Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let status = status.expect("the program ended by itself");
        let mut rest = Vec::new();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(2)) {
            rest.push(l);
        }
        (status.success(), rest)
    }
}

impl Drop for Py {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn tcp_echo_server_and_client() {
    if !have_python() {
        return;
    }
    let server = Py::start("servidor_tcp.py", &["--port", "0"]);
    let port = server.port().to_string();
    let client = Py::start("cliente_tcp.py", &["--port", &port, "hello", "world"]);
    let (ok, out) = client.finish();
    assert!(ok, "{out:?}");
    assert!(out.iter().any(|l| l == "echo: hello"), "{out:?}");
    assert!(out.iter().any(|l| l == "echo: world"), "{out:?}");
    let (_, before) = server.wait_for("done");
    assert!(
        before.iter().any(|l| l.contains("b'hello\\n'")),
        "{before:?}"
    );
}

#[test]
fn off_stops_the_server() {
    if !have_python() {
        return;
    }
    let server = Py::start("servidor_off.py", &["--port", "0"]);
    let port = server.port().to_string();
    let mut client = Py::start("cliente_off.py", &["--port", &port]);
    client.say("hi");
    client.say("off");
    let (ok, out) = client.finish();
    assert!(ok, "{out:?}");
    assert_eq!(
        out,
        [
            "server: message received",
            "server: goodbye: server stopping"
        ]
    );
    let (ok, out) = server.finish();
    assert!(ok);
    assert!(
        out.iter().any(|l| l == "server stopped: a client sent off"),
        "{out:?}"
    );
    // Nothing listens any more: a connect() is refused.
    let late = Py::start("cliente_tcp.py", &["--port", &port]);
    let (ok, out) = late.finish();
    assert!(!ok);
    assert!(out.iter().any(|l| l.contains("refused")), "{out:?}");
}

#[test]
fn udp_echo_server_and_client() {
    if !have_python() {
        return;
    }
    let server = Py::start("servidor_udp.py", &["--port", "0"]);
    let port = server.port().to_string();
    let client = Py::start("cliente_udp.py", &["--port", &port, "hello", "off"]);
    let (ok, out) = client.finish();
    assert!(ok, "{out:?}");
    let echoes: Vec<&String> = out.iter().filter(|l| l.starts_with("echo from")).collect();
    assert_eq!(echoes.len(), 2, "{out:?}");
    assert!(echoes[0].ends_with(": hello"));
    let (ok, out) = server.finish();
    assert!(ok);
    assert!(out.iter().any(|l| l.contains("server stopped")), "{out:?}");
}

#[test]
fn chat_over_tcp_exchanges_lines_and_ends_with_both_fins() {
    if !have_python() {
        return;
    }
    let mut a = Py::start(
        "chat.py",
        &["--host", "127.0.0.1", "--port", "0", "--name", "ana"],
    );
    let port = a.port().to_string();
    let mut b = Py::start(
        "chat.py",
        &["--ip", "127.0.0.1", "--port", &port, "--name", "bia"],
    );
    b.wait_for("connected to");
    a.wait_for("connected to");
    a.say("oi, tudo bem?");
    b.wait_for("> ana: oi, tudo bem?");
    b.say("tudo!");
    a.wait_for("> bia: tudo!");
    // Bia leaves (Ctrl-D): her FIN ends Ana's chat too.
    b.close_stdin();
    a.wait_for("the other side left");
    let (ok_b, _) = b.finish();
    let (ok_a, _) = a.finish();
    assert!(ok_a && ok_b);
}

#[test]
fn chat_over_udp_exchanges_lines() {
    if !have_python() {
        return;
    }
    // Two free UDP ports (each side must name the other's before starting).
    let (s1, s2) = (
        UdpSocket::bind("127.0.0.1:0").unwrap(),
        UdpSocket::bind("127.0.0.1:0").unwrap(),
    );
    let (p1, p2) = (
        s1.local_addr().unwrap().port().to_string(),
        s2.local_addr().unwrap().port().to_string(),
    );
    drop((s1, s2));
    let side = |me: &str, peer: &str, name: &str| {
        Py::start(
            "chat.py",
            &[
                "--udp",
                "--host",
                "127.0.0.1",
                "--port",
                me,
                "--ip",
                "127.0.0.1",
                "--peer-port",
                peer,
                "--name",
                name,
            ],
        )
    };
    let mut a = side(&p1, &p2, "ana");
    let mut b = side(&p2, &p1, "bia");
    a.port();
    b.port();
    a.say("datagrama 1");
    b.wait_for("> ana: datagrama 1");
    b.say("datagrama 2");
    a.wait_for("> bia: datagrama 2");
    let (ok_a, out_a) = a.finish();
    let (ok_b, _) = b.finish();
    assert!(ok_a && ok_b);
    assert!(out_a.iter().any(|l| l.contains("not told")), "{out_a:?}");
}
