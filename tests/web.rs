//! `capture --web` in a real headless browser (Debian's chromium, driven by
//! chromedriver over WebDriver), the server's HTTP rules, and `--quiz`.
//!
//! The browser tests skip, saying why, when chromium or chromedriver is
//! missing (`apt-get install chromium chromium-driver`). Screenshots of the
//! page at 1024×768 go to `$SOCKLAB_SCREENSHOTS` when it is set (see
//! images/README.md).

mod harness;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use harness::*;
use serde_json::{json, Value};
use socklab::wire::{build, LinkType, TcpFlags};

/// Upper bound on any wait below: a test that waits this long has failed.
const PATIENCE: Duration = Duration::from_secs(30);

/// Files and directories a test made, removed however it ends.
struct Scratch(Vec<PathBuf>);

impl Drop for Scratch {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

// ------------------------------------------------------------ the capture

/// `capture --web ...` running in the background, and its page's address.
struct WebCapture {
    running: Running,
    url: String,
}

impl WebCapture {
    /// Start capture with `args` (which include `--web...`) and wait for the
    /// line that gives the page's address (and, live, for "listening on").
    fn start(args: &[&str], events: Option<&Path>) -> WebCapture {
        let mut cmd = TestCommand::new("capture");
        cmd.args(args).args(["--color", "never"]).stdin_null();
        if let Some(e) = events {
            cmd.events(e);
        }
        let running = cmd.start();
        let line = running.wait_stderr("capture: browser view at ");
        let url = line
            .split("capture: browser view at ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(|u| u.trim_end_matches(':').to_string())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        if !args.contains(&"-r") {
            running.wait_stderr("listening on");
        }
        WebCapture { running, url }
    }

    /// What it printed on stderr so far.
    fn stderr(&self) -> String {
        self.running.stderr()
    }

    fn addr(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    }
}

/// One raw HTTP exchange with the page's server: (status, head, body).
fn http(addr: &str, request: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn get(addr: &str, path: &str) -> (u16, String, String) {
    http(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
}

#[test]
fn the_server_only_reads_and_only_for_loopback_names() {
    let cap = WebCapture::start(&["-r", &data("demo.pcap"), "--web"], None);
    let addr = cap.addr();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let (status, head, body) = get(&addr, "/");
    assert_eq!(status, 200);
    assert!(body.contains("<script src=\"/app.js\">"));
    assert!(
        head.contains("Content-Security-Policy: default-src 'none'; script-src 'self'"),
        "{head}"
    );
    for path in ["/app.js", "/app.css"] {
        assert_eq!(get(&addr, path).0, 200, "{path}");
    }
    assert_eq!(get(&addr, "/../etc/passwd").0, 404);
    // Nothing but GET and HEAD: the page cannot send a command.
    let (status, _, _) = http(
        &addr,
        &format!("POST /events HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 4\r\n\r\nstop"),
    );
    assert_eq!(status, 405);
    // A page from another site that rebinds its name to 127.0.0.1.
    let (status, _, _) = http(
        &addr,
        "GET /events HTTP/1.1\r\nHost: attacker.example:80\r\n\r\n",
    );
    assert_eq!(status, 403);
    // A head that never ends is cut at 8 KiB.
    let mut big = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX: ");
    big.push_str(&"a".repeat(9000));
    assert_eq!(http(&addr, &big).0, 431);
    // The event stream: hello first, then the same objects as --json -v.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(s, "GET /events HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut text = String::new();
    let mut buf = [0u8; 65536];
    while !text.contains("\"type\":\"totals\"") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "stream ended early: {text}");
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(text.contains("Content-Type: text/event-stream"));
    let data: Vec<Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(data[0]["type"], "hello");
    assert_eq!(data[0]["read_only"], false);
    let seg = data.iter().find(|v| v["type"] == "segment").unwrap();
    assert_eq!(seg["headers"]["ip"]["ttl"], 64, "{seg}");
    assert_eq!(seg["flags"], json!(["SYN"]));
    // The file is read, the page stays up until Ctrl-C (here SIGTERM),
    // which ends it at once and cleanly.
    cap.running.wait_stderr("the browser view stays up");
    let mut cap = cap;
    let pid = cap.running.pid().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = cap.running.wait_exit();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_bad_web_address_is_a_usage_error() {
    let (code, _, err) = run_capture(&["-r", &data("demo.pcap"), "--web=nowhere"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not an address"), "{err}");
}

// ------------------------------------------------------------ the browser

/// A headless chromium driven over WebDriver (chromedriver on loopback).
struct Browser {
    driver: Child,
    port: u16,
    session: String,
    profile: PathBuf,
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

impl Browser {
    /// Start one, or say why not (and the caller skips).
    fn start(test: &str) -> Option<Browser> {
        let (Some(chromium), Some(driver)) = (which("chromium"), which("chromedriver")) else {
            eprintln!("skipping {test}: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let profile = temp_path(&format!("chromium-{test}"));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        // A process group of its own: chromium and its helpers are in it,
        // so that a test that fails half-way still ends all of them.
        let driver = Command::new(driver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut b = Browser {
            driver,
            port,
            session: String::new(),
            profile,
        };
        let deadline = Instant::now() + PATIENCE;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     format!("--user-data-dir={}", b.profile.display()),
                     "--window-size=1024,768"]}}}});
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        // Exactly 1024×768 of page, whatever the window decorations.
        b.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1024, "height": 768, "deviceScaleFactor": 1, "mobile": false}),
        );
        // Record the page's own script errors, to fail on any of them.
        b.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": "window.__errors = []; window.addEventListener('error', e => window.__errors.push(String(e.message)));"}),
        );
        Some(b)
    }

    /// The page's scripts threw nothing so far.
    fn no_script_errors(&self) {
        assert_eq!(
            self.js("return window.__errors || []"),
            json!([]),
            "script errors"
        );
    }

    /// One WebDriver command; returns its `value`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .unwrap();
        // chromedriver keeps connections open: read the head, then exactly
        // Content-Length bytes.
        let mut r = BufReader::new(s);
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap();
                }
            }
        }
        let mut raw = vec![0u8; len];
        r.read_exact(&mut raw).unwrap();
        let body = String::from_utf8_lossy(&raw);
        let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        v["value"].clone()
    }

    fn cmd(&self, method: &str, what: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}/{what}", self.session), body)
    }

    fn cdp(&self, cmd: &str, params: Value) {
        self.cmd(
            "POST",
            "goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        );
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "url", Some(json!({ "url": url })));
    }

    /// Run `script` (a function body) in the page and return its result.
    fn js(&self, script: &str) -> Value {
        let v = self.cmd(
            "POST",
            "execute/sync",
            Some(json!({"script": script, "args": []})),
        );
        if let Some(err) = v.get("error") {
            panic!("script failed: {err}: {v}\n{script}");
        }
        v
    }

    /// Poll `script` until it returns something truthy; fail after PATIENCE.
    fn wait_for(&self, script: &str, what: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let v = self.js(script);
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Number(n) => n.as_f64() != Some(0.0),
                _ => true,
            };
            if truthy {
                return v;
            }
            assert!(Instant::now() < deadline, "waited in vain for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn click(&self, id: &str) {
        self.js(&format!(
            "document.getElementById('{id}').click(); return true;"
        ));
    }

    fn text(&self, selector: &str) -> String {
        self.js(&format!(
            "const e = document.querySelector({}); return e ? e.textContent : '';",
            json!(selector)
        ))
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    /// Step forward until the current event's text contains `want`.
    fn step_to(&self, want: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            self.click("b-forward");
            if self.text("#events li.current .text").contains(want) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "never reached {want:?}; at {:?}",
                self.text("#events li.current .text")
            );
        }
    }

    fn screenshot(&self, path: &Path) {
        let v = self.cmd("GET", "screenshot", None);
        let png = base64_decode(v.as_str().expect("a screenshot"));
        assert_eq!(&png[1..4], b"PNG");
        let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
        assert_eq!((width, height), (1024, 768), "screenshot size");
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.call("DELETE", &format!("/session/{}", self.session), None)
            }));
        }
        // The driver's group: chromedriver, chromium and chromium's helpers.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Standard base64 (WebDriver screenshots), without a crate for it.
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let n = chunk.iter().fold(0u32, |acc, &c| {
            (acc << 6) | if c == b'=' { 0 } else { val(c) }
        }) << (6 * (4 - chunk.len()));
        let three = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&three[..3 - pad]);
    }
    out
}

/// What tshark says the acknowledgement number of `frame` is (absolute).
fn tshark_ack(file: &str, frame: usize) -> Option<String> {
    let out = Command::new("tshark")
        .args(["-n", "-r", file, "-T", "fields", "-e", "tcp.ack_raw"])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(frame - 1)
        .map(str::to_string)
}

#[test]
fn the_page_loads_and_steps_forward_and_back_through_a_recording() {
    let Some(b) = Browser::start("page_steps") else {
        return;
    };
    let cap = WebCapture::start(&["-r", &data("demo.pcap"), "--web"], None);
    b.goto(&cap.url);
    b.wait_for(
        "return document.getElementById('status').textContent.includes('of 75')",
        "the 75 events of demo.pcap",
    );
    assert_eq!(b.text("#title"), "socklab · capture");
    b.step_to("SYN seq 0");
    let syn = b.text("#events li.current .text");
    b.click("b-forward");
    // Between the SYN and the SYN-ACK nothing else happens in demo.pcap.
    let synack = b.text("#events li.current .text");
    assert!(synack.contains("SYN-ACK"), "{synack}");
    assert_ne!(syn, synack);
    // The ladder highlights the SYN-ACK's arrow, and the detail pane shows
    // its acknowledgement number: tshark's, absolute, and 1 relative.
    let arrow = b.text("#ladder g.current text.label");
    assert!(arrow.starts_with("SYN-ACK seq 0 ack 1"), "{arrow}");
    let detail = b.text("#detail");
    let ack = tshark_ack(&data("demo.pcap"), 2).unwrap_or_else(|| "2764735291".into());
    assert!(
        detail.contains(&format!("{ack} (relative 1)")),
        "ack {ack} not in the detail pane: {detail}"
    );
    assert!(detail.contains("TTL"), "{detail}");
    assert!(detail.contains("window scale 10 (× 1024)"), "{detail}");
    assert_eq!(b.text("#ladder-head text.client-state"), "ESTABLISHED");
    assert_eq!(b.text("#ladder-head text.server-state"), "SYN-RECEIVED");
    // Back: the SYN is current again, and the server's state with it.
    b.click("b-back");
    assert_eq!(b.text("#events li.current .text"), syn);
    assert!(b
        .text("#ladder g.current text.label")
        .starts_with("SYN seq 0"));
    assert_eq!(b.text("#ladder-head text.client-state"), "SYN-SENT");
    // The keyboard does the same: → forward.
    b.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight'})); return 1;");
    assert!(b.text("#events li.current .text").contains("SYN-ACK"));
    // Next teardown jumps to the first FIN.
    b.click("b-teardown");
    let fin = b.text("#events li.current .text");
    assert!(fin.contains("FIN"), "{fin}");
    // The page speaks Portuguese on request.
    b.goto(&format!("{}?lang=pt-BR", cap.url));
    b.wait_for(
        "return document.getElementById('b-handshake').textContent === 'Próx. handshake'",
        "the Portuguese page",
    );
    b.step_to("SYN-ACK");
    b.no_script_errors();
}

#[test]
fn predict_mode_scores_a_right_and_a_wrong_answer() {
    let Some(b) = Browser::start("predict") else {
        return;
    };
    let cap = WebCapture::start(&["-r", &data("demo.pcap"), "--web"], None);
    b.goto(&cap.url);
    b.wait_for(
        "return document.getElementById('status').textContent.includes('of 75')",
        "the events",
    );
    b.click("b-predict");
    // Step until the page asks about the next segment (the SYN).
    let deadline = Instant::now() + PATIENCE;
    while b.js("return document.getElementById('predict').hidden") == json!(true) {
        b.click("b-forward");
        assert!(Instant::now() < deadline, "no question came");
    }
    // The segment is hidden: its arrow is a question mark.
    assert_eq!(b.text("#ladder g.pending text.label"), "? ? ?");
    assert!(!b.text("#events").contains("SYN seq 0"));
    // The right answers: flags SYN, no ACK, client SYN-SENT, server SYN-RECEIVED.
    b.js(r#"
        document.querySelector('#predict button.flag[data-flag="SYN"]').click();
        document.querySelector('#predict input.none').checked = true;
        for (const s of document.querySelectorAll('#predict select.state'))
            s.value = s.dataset.side === 'client' ? 'SYN-SENT' : 'SYN-RECEIVED';
        document.querySelector('#predict button.check').click();
        return 1;"#);
    let card = b.text("#predict");
    assert!(card.contains("flags 1/1"), "{card}");
    assert!(card.contains("ack number 1/1"), "{card}");
    assert!(card.contains("state 2/2"), "{card}");
    assert!(b.text("#events li.current .text").contains("SYN seq 0"));
    // The SYN-ACK: a wrong answer (only SYN, and ack 0).
    b.click("b-forward");
    assert_eq!(
        b.js("return document.getElementById('predict').hidden"),
        json!(false)
    );
    b.js(r#"
        document.querySelector('#predict button.flag[data-flag="SYN"]').click();
        document.querySelector('#predict input.ack').value = '0';
        document.querySelector('#predict button.check').click();
        return 1;"#);
    let card = b.text("#predict");
    assert!(card.contains("flags 1/2"), "{card}");
    assert!(card.contains("ack number 1/2"), "{card}");
    assert!(card.contains("not quite: SYN ACK"), "{card}");
    assert!(b.text("#events li.current .text").contains("SYN-ACK"));
    b.no_script_errors();
}

/// A TCP conversation whose payloads and socket-call results are HTML.
fn hostile_capture() -> PathBuf {
    let c = "127.0.0.1:40000".parse().unwrap();
    let s = "127.0.0.1:5000".parse().unwrap();
    let payload = b"<script>__pwned=2</script><img src=x onerror=__pwned=1>";
    let (a, p) = (TcpFlags::ACK, TcpFlags::PSH | TcpFlags::ACK);
    let segs = [
        build::tcp_v4(c, s, 100, 0, TcpFlags::SYN, 65495, &[], b""),
        build::tcp_v4(s, c, 900, 101, TcpFlags::SYN | a, 65483, &[], b""),
        build::tcp_v4(c, s, 101, 901, a, 512, &[], b""),
        build::tcp_v4(c, s, 101, 901, p, 512, &[], payload),
    ];
    let frames: Vec<Vec<u8>> = segs.iter().map(|ip| build::ethernet(ip)).collect();
    let t0 = Duration::from_secs(1_700_000_000);
    let timed: Vec<(Duration, &[u8])> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| (t0 + Duration::from_millis(i as u64 + 1), f.as_slice()))
        .collect();
    let path = temp_path("hostile.pcap");
    std::fs::write(&path, build::pcap_file(LinkType::Ethernet, &timed)).unwrap();
    let event = json!({"v": 1, "prog": "tcp_client", "pid": 7, "call": "send", "phase": "return",
        "local": "127.0.0.1:40000", "peer": "127.0.0.1:5000",
        "result": "<img src=x onerror=window.__pwned=3>",
        "t_us": (t0 + Duration::from_millis(5)).as_micros() as u64});
    std::fs::write(format!("{}.events", path.display()), format!("{event}\n")).unwrap();
    path
}

#[test]
fn a_hostile_payload_is_shown_as_text_and_runs_nothing() {
    let Some(b) = Browser::start("hostile") else {
        return;
    };
    let file = hostile_capture();
    let _scratch = Scratch(vec![
        file.clone(),
        PathBuf::from(format!("{}.events", file.display())),
    ]);
    let cap = WebCapture::start(&["-r", &file.display().to_string(), "--web"], None);
    b.goto(&cap.url);
    b.wait_for(
        "return document.getElementById('status').textContent.includes('of 6')",
        "the events of the hostile capture",
    );
    b.step_to("__pwned=1>");
    b.click("b-forward"); // and the call whose result is HTML
                          // Shown as text, everywhere it appears...
    let list = b.text("#events");
    assert!(
        list.contains("<script>__pwned=2</script><img src=x onerror=__pwned=1>"),
        "{list}"
    );
    assert!(
        list.contains("-> <img src=x onerror=window.__pwned=3>"),
        "{list}"
    );
    b.click("b-back");
    let detail = b.text("#detail");
    assert!(
        detail.contains("<script>__pwned=2</script><img src=x onerror=__pwned=1>"),
        "{detail}"
    );
    // ...and nothing made of it: no element, no script run.
    assert_eq!(
        b.js("return document.querySelectorAll('img, #events script, #detail script').length"),
        json!(0)
    );
    assert_eq!(b.js("return typeof window.__pwned"), json!("undefined"));
    b.no_script_errors();
}

#[test]
fn a_live_handshake_appears_in_the_page() {
    if !can_capture("a_live_handshake_appears_in_the_page") {
        return;
    }
    let Some(b) = Browser::start("live") else {
        return;
    };
    let port = free_port();
    let events = events_socket("web-live");
    let filter = format!("tcp port {port}");
    let cap = WebCapture::start(
        &["--web", "--immediate-mode", &filter],
        Some(events.as_path()),
    );
    b.goto(&cap.url);
    b.wait_for(
        "return document.getElementById('status').textContent.includes('live')",
        "the live page",
    );
    let server_bin = env!("CARGO_BIN_EXE_tcp_server");
    let client_bin = env!("CARGO_BIN_EXE_tcp_client");
    let mut server = Command::new(server_bin)
        .args([
            "--port",
            &port.to_string(),
            "--once",
            "--quiet",
            "--color",
            "never",
        ])
        .env("SOCKLAB_EVENTS", &events)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    while !ready.contains("listening on") {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "tcp_server did not start"
        );
        ready.push_str(&line);
    }
    let client = Command::new(client_bin)
        .args([
            "--port",
            &port.to_string(),
            "--message",
            "hi",
            "--color",
            "never",
        ])
        .env("SOCKLAB_EVENTS", &events)
        .output()
        .unwrap();
    assert!(client.status.success());
    let _ = server.wait();
    // Jump to the newest event until the handshake is there.
    b.wait_for(
        "document.getElementById('b-end').click();
         return [...document.querySelectorAll('#ladder text.label')].map(t => t.textContent).join('|').includes('SYN-ACK seq 0 ack 1');",
        "the live SYN-ACK on the ladder",
    );
    let labels = b
        .js("return [...document.querySelectorAll('#ladder text.label')].map(t => t.textContent);");
    let labels: Vec<String> = serde_json::from_value(labels).unwrap();
    assert!(labels[0].starts_with("SYN seq 0"), "{labels:?}");
    assert!(labels[1].starts_with("SYN-ACK seq 0 ack 1"), "{labels:?}");
    assert!(labels[2].starts_with("ACK seq 1 ack 1"), "{labels:?}");
    let list = b.text("#events");
    assert!(list.contains("connect()"), "the calls come too: {list}");
    drop(cap);
    let _ = std::fs::remove_file(&events);
}

/// Set inside the namespace of the read-only test: the page's address.
const NETNS_ADDR: &str = "SOCKLAB_WEB_TEST_NETNS_ADDR";

/// A network namespace of the test's own, removed when dropped.
struct Netns(String);

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip runs");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Bound to an address other than loopback (to share with a class), the
/// page says it is a read-only view. The address must not be the host's:
/// the test runs itself again inside a network namespace of its own, where
/// capture, chromium and the address all live.
#[test]
fn shared_on_a_network_the_page_says_it_is_read_only() {
    if let Some(addr) = std::env::var_os(NETNS_ADDR) {
        let addr = addr.to_string_lossy().to_string();
        let Some(b) = Browser::start("read_only") else {
            panic!("chromium was there outside the namespace");
        };
        let web = format!("--web={addr}:0");
        let cap = WebCapture::start(&["-r", &data("demo.pcap"), &web], None);
        assert!(
            cap.url.starts_with(&format!("http://{addr}:")),
            "{}",
            cap.url
        );
        assert!(cap
            .stderr()
            .contains("read-only; anyone who can reach it sees the packets"));
        b.goto(&cap.url);
        let banner = b.wait_for(
            "const r = document.getElementById('readonly'); return r.hidden ? '' : r.textContent;",
            "the read-only banner",
        );
        assert!(
            banner
                .as_str()
                .unwrap()
                .starts_with("Read-only view shared with the class"),
            "{banner}"
        );
        // Stepping still works: the controls are the page's own.
        b.step_to("SYN seq 0");
        return;
    }
    if !can_capture("shared_on_a_network_the_page_says_it_is_read_only") {
        return;
    }
    if which("chromium").is_none() || which("chromedriver").is_none() {
        eprintln!("skipping the read-only page: chromium and chromedriver are not installed");
        return;
    }
    let ns = Netns(format!("socklab-web-{}", std::process::id()));
    ip(&["netns", "add", &ns.0]);
    ip(&["-n", &ns.0, "link", "set", "lo", "up"]);
    ip(&[
        "-n", &ns.0, "link", "add", "v0", "type", "veth", "peer", "name", "v1",
    ]);
    ip(&["-n", &ns.0, "addr", "add", "10.251.0.1/24", "dev", "v0"]);
    ip(&["-n", &ns.0, "link", "set", "v0", "up"]);
    ip(&["-n", &ns.0, "link", "set", "v1", "up"]);
    let me = std::env::current_exe().unwrap();
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.0])
        .arg(me)
        .args([
            "--exact",
            "shared_on_a_network_the_page_says_it_is_read_only",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(NETNS_ADDR, "10.251.0.1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "inside the namespace: {text}");
    assert!(text.contains("1 passed"), "{text}");
}

#[test]
fn screenshots_at_1024x768_light_and_dark() {
    let Some(b) = Browser::start("screenshots") else {
        return;
    };
    let keep = std::env::var_os("SOCKLAB_SCREENSHOTS").map(PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| temp_path("shots"));
    let _scratch = Scratch(if keep.is_none() {
        vec![dir.clone()]
    } else {
        vec![]
    });
    std::fs::create_dir_all(&dir).unwrap();
    let cap = WebCapture::start(&["-r", &data("demo.pcap"), "--web"], None);
    for (theme, lang) in [("light", "en"), ("dark", "pt-BR")] {
        b.goto(&format!("{}?theme={theme}&lang={lang}", cap.url));
        b.wait_for(
            "return document.getElementById('status').textContent.includes('75')",
            "the events",
        );
        // The first data segment: its headers fill the detail pane (in the
        // light one with the IP layer folded, to show TCP's fields).
        b.step_to("len 6");
        if theme == "light" {
            b.js("document.querySelector('#detail details summary').click(); return 1;");
            assert!(b
                .text("#detail")
                .contains("× 1024 = 65536 bytes (window scale 10 from the SYN)"));
        }
        b.screenshot(&dir.join(format!("web-{theme}.png")));
    }
    // Predict mode, asking about the SYN-ACK.
    b.goto(&format!("{}?theme=light&lang=en", cap.url));
    b.wait_for(
        "return document.getElementById('status').textContent.includes('75')",
        "the events",
    );
    b.step_to("SYN seq 0");
    b.click("b-predict");
    b.click("b-forward");
    b.js("document.querySelector('#predict button.flag[data-flag=\"SYN\"]').click(); return 1;");
    b.screenshot(&dir.join("web-predict.png"));
    b.no_script_errors();
    if keep.is_some() {
        eprintln!("screenshots in {}", dir.display());
    }
}

// ------------------------------------------------------------------ quiz

fn quiz(file: &str, answers: &str) -> (i32, String) {
    let mut child = Command::new(capture_bin())
        .args(["-r", file, "--quiz"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

#[test]
fn the_quiz_scores_answers_and_ends_at_end_of_input() {
    // The SYN: flags, ack, the client's and the server's new state; then
    // the SYN-ACK's flags, wrong; then end of input.
    let (code, out) = quiz(&data("demo.pcap"), "SYN\nnone\nSYN-SENT\nsyn_recv\nSYN\n");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("the client (127.0.0.1:52092) sends a segment"),
        "{out}"
    );
    assert!(
        out.contains("which state is the server in after it?"),
        "{out}"
    );
    assert!(out.contains("not quite: SYN ACK"), "{out}");
    assert!(out.contains("it was: SYN seq 0 win 65495"), "{out}");
    assert!(
        out.contains("Score: flags 1/2 · ack number 1/1 · state 2/2 · total 4/5"),
        "{out}"
    );
}

#[test]
fn the_quiz_asks_about_every_segment_of_a_whole_file() {
    // Empty answers: every question is asked, shown and counted wrong.
    let (code, out) = quiz(&data("refused.pcap"), &"\n".repeat(50));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches(" next: the ").count(), 2, "SYN and RST: {out}");
    assert!(out.contains("not quite: RST ACK"), "{out}");
    assert!(out.contains("total 0/"), "{out}");
    let (code, _, err) = run_capture(&["--quiz"]);
    assert_eq!(code, 2, "--quiz needs -r: {err}");
}
