//! What another local user can do to a capture run as root, or to the
//! students' events, and what hostile text can do to a terminal.
//!
//! The attacks are real: as root, the test lets `nobody` (through `setpriv`)
//! prepare paths, symbolic links and sockets first, then runs the real
//! binaries and checks what a victim would notice. Tests that need root say
//! why they skip without it.

mod harness;

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use harness::*;
use serde_json::Value;

/// The uid of `nobody`, our attacker (and, in the privilege tests, the user
/// who "ran sudo").
const NOBODY: u32 = 65534;

/// A path for this test run: `tag` in a fresh directory made once per
/// process ([`enterable_dir`]: a random name, not one the attacker could
/// prepare first) that the attacker may enter but not list or change: the
/// attacks happen in directories of nobody's made inside it
/// ([`nobodys_dir`]), and a capture dropped to nobody must reach them.
fn scratch(tag: &str) -> PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(enterable_dir).path().join(tag)
}

/// Removes a file or directory tree when dropped, also when a test fails.
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_dir_all(p);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// True when the test can play root and `nobody`; otherwise says why it skips.
fn can_attack(test: &str) -> bool {
    if !socklab::sys::is_root() {
        eprintln!("skipping {test}: it runs a capture as root and an attacker as nobody (CI runs as root); run `sudo cargo test` to include it");
        return false;
    }
    if Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("skipping {test}: setpriv (util-linux) is not installed");
        return false;
    }
    true
}

/// `PROGRAM ARGS` run as user `uid` (group `uid`, no other groups).
fn as_user(uid: u32, program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.arg(format!("--reuid={uid}"))
        .arg(format!("--regid={uid}"))
        .args(["--clear-groups", "--"])
        .arg(program)
        .args(args);
    cmd
}

/// Run `sh -c SCRIPT` as nobody, to the end; panics if it fails.
fn nobody_sh(script: &str) {
    let out = as_user(NOBODY, "sh", &["-c", script]).output().unwrap();
    assert!(out.status.success(), "attacker script failed: {out:?}");
}

/// A directory owned by nobody, mode 0755: nobody may add, rename and
/// remove entries in it (it is not sticky), others may only look.
fn nobodys_dir(path: &Path) {
    std::fs::create_dir(path).unwrap();
    std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A file of root's that nobody should be able to touch.
fn victim(path: &Path) {
    std::fs::write(path, b"root's precious file\n").unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// (mode, uid, gid, the start of its content) of a file, following links
/// as an attack would.
fn state(path: &Path) -> (String, u32, u32, String) {
    let m = std::fs::metadata(path).unwrap();
    let content = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    (
        format!("{:o}", m.permissions().mode() & 0o7777),
        m.uid(),
        m.gid(),
        content.chars().take(80).collect(),
    )
}

/// The path of a lab program built beside capture.
fn lab(name: &str) -> PathBuf {
    Path::new(capture_bin()).with_file_name(name)
}

/// `udp_client` run as user `uid`, sending one message to `port`; its events
/// go to `events`, or to the default location when `None`.
fn udp_client_as(uid: u32, port: &str, events: Option<&Path>) {
    let mut cmd = as_user(
        uid,
        lab("udp_client"),
        &[
            "--port",
            port,
            "--message",
            "hi",
            "--timeout",
            "200ms",
            "--color",
            "never",
        ],
    );
    match events {
        Some(path) => cmd.env("SOCKLAB_EVENTS", path),
        None => cmd.env_remove("SOCKLAB_EVENTS"),
    };
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
}

/// A user id that no one on this machine has, unique to this test run, so
/// that its default events directory is ours alone.
fn unused_uid() -> u32 {
    200_000 + std::process::id() % 100_000
}

// --- item 9: capture demo --from-file ---------------------------------------

#[test]
fn the_recorded_demo_never_writes_through_a_path_another_user_prepared() {
    if !can_attack("the_recorded_demo_never_writes_through_a_path_another_user_prepared") {
        return;
    }
    let target = scratch("demo-victim");
    let _clean = Cleanup(vec![target.clone()]);
    victim(&target);
    let before = state(&target);
    // The capture waits for a line before it starts, so that its pid is
    // known first: the attacker prepares the directory that pid would use.
    let mut demo = Command::new("sh")
        .args([
            "-c",
            "read go && exec \"$0\" demo --from-file --color never",
        ])
        .arg(capture_bin())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = demo.id();
    // Deliberately the predictable name in /tmp that this pid gives: the
    // path an attacker would prepare, which is the attack under test.
    let prepared = std::env::temp_dir().join(format!("socklab-demo-{pid}"));
    let _clean_prepared = Cleanup(vec![prepared.clone()]);
    let t = target.display();
    let d = prepared.display();
    nobody_sh(&format!(
        "mkdir {d} && ln -s {t} {d}/demo.pcap && ln -s {t} {d}/demo.pcap.events"
    ));
    demo.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let out = demo.wait_with_output().unwrap();
    assert_eq!(
        state(&target),
        before,
        "root's file was written through the attacker's symbolic link"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text.contains("replayed from a recording") && text.contains("tcp_client"),
        "the demo still plays: {text}"
    );
}

// --- item 10: the events socket's mode --------------------------------------

/// The number of the `write` system call, as `/proc/PID/syscall` shows it.
#[cfg(target_arch = "x86_64")]
const SYS_WRITE: Option<&str> = Some("1");
#[cfg(target_arch = "aarch64")]
const SYS_WRITE: Option<&str> = Some("64");
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const SYS_WRITE: Option<&str> = None;

/// True while process `pid` is blocked writing to its standard error.
fn blocked_on_stderr(pid: u32, write: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/syscall")).is_ok_and(|s| {
        let mut f = s.split_whitespace();
        f.next() == Some(write) && f.next() == Some("0x2")
    })
}

/// Start `capture -c 0` with its standard error into a pipe that is full,
/// so that it stops at its first line (`listening on`, or the line saying
/// it dropped root): a window as wide as we like after whatever it did
/// before. If the events socket exists then, nobody swaps it for a
/// symbolic link to `target`; then the pipe is emptied and capture goes on.
/// Returns whether the swap was made.
fn start_capture_and_swap_its_socket(sock: &Path, target: &Path, sudo: bool, write: &str) -> bool {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let fifo = sock.with_file_name(format!("stderr-{sudo}"));
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    // Fill the pipe through a non-blocking descriptor of our own, then give
    // capture a blocking one: its first write waits until we read.
    let mut filler = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    while filler.write(&[b'.'; 4096]).is_ok() {}
    let stderr = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let mut cmd = Command::new(capture_bin());
    cmd.args(["-c", "0", "--json", "--port", &free_port().to_string()])
        .env("SOCKLAB_EVENTS", sock)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr);
    if sudo {
        cmd.env("SUDO_UID", NOBODY.to_string())
            .env("SUDO_GID", NOBODY.to_string());
    } else {
        cmd.env_remove("SUDO_UID").env_remove("SUDO_GID");
    }
    let mut capture = cmd.spawn().unwrap();
    drop(cmd);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !blocked_on_stderr(capture.id(), write) {
        assert!(
            capture.try_wait().unwrap().is_none(),
            "capture ended before writing a line"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "capture never wrote to its stderr"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let bound = std::fs::symlink_metadata(sock).is_ok_and(|m| m.file_type().is_socket());
    if bound {
        let (s, t) = (sock.display(), target.display());
        nobody_sh(&format!("mv {s} {s}.moved && ln -s {t} {s}"));
    }
    drop(filler);
    let drain = std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => break, // every writer is gone: capture ended
                Ok(_) => {}
                Err(_) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    });
    assert!(wait_timeout(&mut capture, Duration::from_secs(60)).is_some());
    drain.join().unwrap();
    let _ = std::fs::remove_file(&fifo);
    let _ = std::fs::remove_file(sock);
    let _ = std::fs::remove_file(sock.with_extension("sock.moved"));
    bound
}

#[test]
fn the_events_socket_mode_is_set_at_creation_and_never_through_a_swapped_path() {
    if !can_attack("the_events_socket_mode_is_set_at_creation_and_never_through_a_swapped_path") {
        return;
    }
    let Some(write) = SYS_WRITE else {
        eprintln!("skipping: the number of write(2) on this architecture is not known here");
        return;
    };
    // A directory where nobody may rename entries (not sticky), as a
    // SOCKLAB_EVENTS path in a shared directory would be.
    let dir = scratch("race");
    let target = scratch("race-victim");
    let _clean = Cleanup(vec![dir.clone(), target.clone()]);
    nobodys_dir(&dir);
    victim(&target);
    let before = state(&target);
    let sock = dir.join("events.sock");
    // Started by sudo: the old code chowned the socket by path after its
    // first line. As plain root: whatever follows the bind must not touch
    // the path either.
    for sudo in [true, false] {
        let swapped = start_capture_and_swap_its_socket(&sock, &target, sudo, write);
        assert_eq!(
            state(&target),
            before,
            "root's file changed (started by sudo: {sudo}, socket swapped: {swapped})"
        );
        if !sudo {
            assert!(swapped, "as root the socket is bound before the first line");
        }
    }
    // The mode a socket gets, with nobody in the way: 0666, set by bind().
    let cap = LiveCapture::start_with(sock.clone(), &["--port", &free_port().to_string()], |_| {});
    let mode = std::fs::symlink_metadata(&sock)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    cap.stop();
    assert_eq!(mode, 0o666, "{mode:o}");
}

// --- item 11: who sent an event, and where the socket lives ------------------

/// Send one event datagram, as nobody, claiming `pid` (perl: a raw sender).
fn nobody_sends(path: &Path, datagram: &str) {
    let script = r#"
use Socket;
my ($path, $msg) = @ARGV;
socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
send($s, $msg, 0, pack_sockaddr_un($path)) or die "send: $!";
"#;
    let out = as_user(
        NOBODY,
        "perl",
        &["-e", script, path.to_str().unwrap(), datagram],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{out:?}");
}

fn event_json(pid: u32, prog: &str, call: &str, result: &str) -> String {
    serde_json::json!({
        "v": 1, "prog": prog, "pid": pid, "call": call, "phase": "return",
        "local": null, "peer": null, "result": result,
        "t_us": socklab::events::now().as_micros() as u64,
    })
    .to_string()
}

#[test]
fn an_event_in_another_process_name_is_rejected_and_other_users_are_named() {
    if !can_attack("an_event_in_another_process_name_is_rejected_and_other_users_are_named") {
        return;
    }
    let port = free_port().to_string();
    // Where nobody may send to it, as a shared SOCKLAB_EVENTS would be.
    let cap = LiveCapture::start_with(scratch("spoof.sock"), &["--port", &port], |_| {});
    // nobody claims to be the server with pid 1 closing a connection.
    nobody_sends(&cap.events, &event_json(1, "tcp_server", "close", "ok"));
    // nobody's own program, honestly.
    udp_client_as(NOBODY, &port, Some(&cap.events));
    let objs = cap.stop();
    let calls = of_type(&objs, "call");
    assert!(
        !calls.iter().any(|c| c["pid"] == 1),
        "a spoofed event was shown: {calls:#?}"
    );
    let totals = of_type(&objs, "totals");
    assert_eq!(totals[0]["events_rejected"], 1, "{objs:#?}");
    let sendto = calls
        .iter()
        .find(|c| c["prog"] == "udp_client" && c["call"] == "sendto")
        .unwrap_or_else(|| panic!("{objs:#?}"));
    assert_eq!(sendto["uid"], NOBODY, "another user's event names them");
}

#[test]
fn sudo_capture_and_the_users_own_programs_meet_in_a_private_directory() {
    if !can_attack("sudo_capture_and_the_users_own_programs_meet_in_a_private_directory") {
        return;
    }
    let uid = unused_uid();
    let dir = PathBuf::from(format!("/tmp/socklab-{uid}"));
    let _clean = Cleanup(vec![dir.clone()]);
    let port = free_port().to_string();
    // No SOCKLAB_EVENTS on either side: the default location.
    let cap = LiveCapture::start_with(dir.join("events.sock"), &["--port", &port], |cmd| {
        cmd.env_remove("SOCKLAB_EVENTS")
            .env("SUDO_UID", uid.to_string())
            .env("SUDO_GID", uid.to_string());
    });
    let meta = std::fs::symlink_metadata(&dir).unwrap();
    assert!(meta.is_dir(), "{meta:?}");
    assert_eq!(
        (meta.uid(), meta.permissions().mode() & 0o777),
        (uid, 0o700),
        "the directory is the user's and private"
    );
    udp_client_as(uid, &port, None);
    let objs = cap.stop();
    let sendto = of_type(&objs, "call")
        .into_iter()
        .find(|c| c["prog"] == "udp_client" && c["call"] == "sendto")
        .cloned()
        .unwrap_or_else(|| panic!("the user's program did not reach sudo capture: {objs:#?}"));
    assert_eq!(sendto["uid"], Value::Null, "the capture user's own program");
}

#[test]
fn a_default_directory_prepared_by_another_user_is_refused_and_gets_nothing() {
    if !can_attack("a_default_directory_prepared_by_another_user_is_refused_and_gets_nothing") {
        return;
    }
    let uid = unused_uid() + 1;
    let dir = PathBuf::from(format!("/tmp/socklab-{uid}"));
    let _clean = Cleanup(vec![dir.clone()]);
    // nobody makes the victim's directory first, and listens in it.
    nobody_sh(&format!("mkdir -m 777 {}", dir.display()));
    let squat = UnixDatagram::bind(dir.join("events.sock")).unwrap();
    squat.set_nonblocking(true).unwrap();
    std::os::unix::fs::lchown(dir.join("events.sock"), Some(NOBODY), Some(NOBODY)).unwrap();
    std::fs::set_permissions(
        dir.join("events.sock"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();

    // The victim's program sends nothing there...
    udp_client_as(uid, &free_port().to_string(), None);
    let mut buf = [0u8; 4096];
    assert!(
        squat.recv(&mut buf).is_err(),
        "the squatter received the victim's events"
    );
    // ...and the victim's capture says what is wrong and goes on without events.
    let out = capture(&["-c", "0", "--json", "--port", &free_port().to_string()])
        .env_remove("SOCKLAB_EVENTS")
        .env("SUDO_UID", uid.to_string())
        .env("SUDO_GID", uid.to_string())
        .run();
    let err = &out.stderr;
    assert_eq!(out.code, Some(0), "{err}");
    assert!(
        err.contains(&format!("belongs to user {NOBODY}")) && err.contains("SOCKLAB_EVENTS"),
        "{err}"
    );
}

#[test]
fn a_live_events_socket_of_another_user_is_refused_with_what_to_do() {
    if !can_attack("a_live_events_socket_of_another_user_is_refused_with_what_to_do") {
        return;
    }
    let path = scratch("theirs.sock");
    let _clean = Cleanup(vec![path.clone()]);
    let _theirs = UnixDatagram::bind(&path).unwrap();
    std::os::unix::fs::lchown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
    let out = capture(&["-c", "0", "--json", "--port", &free_port().to_string()])
        .events(&path)
        .env_remove("SUDO_UID")
        .run();
    let err = &out.stderr;
    assert_eq!(out.code, Some(0), "{err}");
    let line = err
        .lines()
        .find(|l| l.contains("socket calls will not be shown"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains(&format!("another user (uid {NOBODY})"))
            && line.contains("set SOCKLAB_EVENTS to a path of your own"),
        "{line}"
    );
    assert!(path.exists(), "their socket is left alone");
}

// --- item 12: bidirectional characters from outside ---------------------------

#[test]
fn a_chat_peer_cannot_reorder_or_hide_text_on_the_screen() {
    let (me, mut a) = udp_chat_with_hand_peer(&["--quiet"]);
    // U+202E shows what follows right to left: "pay \u{202e}001$ eb" reads
    // "pay be $100"; U+2066..2069 and U+200B hide or isolate text.
    me.send("msg 1 0 mal\u{202e}yrol pay \u{202e}001$ eb \u{2066}x\u{2069}\u{200b}".as_bytes())
        .unwrap();
    me.send(b"bye 2 0 mallory").unwrap();
    a.wait_line("-- peer left");
    assert!(a.wait_exit().success());
    let lines = a.stdout_lines();
    let line = lines
        .iter()
        .find(|l| l.contains("#1:"))
        .unwrap_or_else(|| panic!("{}", a.dump()));
    assert_eq!(
        line,
        "[00:00:00] mal\\u{202e}yrol #1: pay \\u{202e}001$ eb \\u{2066}x\\u{2069}\\u{200b}"
    );
    for l in &lines {
        assert!(
            !l.chars()
                .any(|c| matches!(c, '\u{202e}' | '\u{2066}' | '\u{2069}' | '\u{200b}')),
            "raw format character on screen: {l:?}"
        );
    }
}

#[test]
fn capture_shows_bidirectional_characters_of_payloads_and_events_escaped() {
    if !can_capture("capture_shows_bidirectional_characters_of_payloads_and_events_escaped") {
        return;
    }
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let cap = LiveCapture::start("bidi", &["--port", &port.to_string()]);
    let h = std::thread::spawn(move || {
        use std::io::Read;
        let (mut s, _) = server.accept().unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
    });
    {
        let mut c = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.write_all("abc\u{202e}fed".as_bytes()).unwrap();
    }
    h.join().unwrap();
    // An event from this very process (so its pid is true) with a U+2067.
    UnixDatagram::unbound()
        .unwrap()
        .send_to(
            event_json(
                std::process::id(),
                "tcp_client",
                "recv",
                "3 bytes \u{2067}cba",
            )
            .as_bytes(),
            &cap.events,
        )
        .unwrap();
    let objs = cap.stop();
    let data = of_type(&objs, "segment")
        .into_iter()
        .find(|s| s["preview"].as_str().is_some_and(|p| p.contains("abc")))
        .unwrap_or_else(|| panic!("{objs:#?}"));
    assert_eq!(data["preview"], "abc\\u{202e}fed");
    let call = of_type(&objs, "call")
        .into_iter()
        .find(|c| c["call"] == "recv" && c["source"] != "kernel")
        .unwrap_or_else(|| panic!("{objs:#?}"));
    assert_eq!(call["result"], "3 bytes \\u{2067}cba");
    for o in &objs {
        let text = o.to_string();
        assert!(
            !text.contains('\u{202e}') && !text.contains('\u{2067}'),
            "raw bidirectional character in {text}"
        );
    }
}

// --- item 13: dropping root ------------------------------------------------

/// The `Uid:`, `Gid:` and `Groups:` lines of a process.
fn ids(pid: u32) -> (String, String, String) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    (field("Uid:"), field("Gid:"), field("Groups:"))
}

#[test]
fn under_sudo_without_a_usable_group_capture_still_becomes_the_user() {
    if !can_attack("under_sudo_without_a_usable_group_capture_still_becomes_the_user") {
        return;
    }
    for (tag, gid) in [("nogid", None), ("badgid", Some("wheel?"))] {
        let dir = scratch(tag);
        let _clean = Cleanup(vec![dir.clone()]);
        nobodys_dir(&dir);
        let pcap = dir.join("out.pcap");
        // The events socket too is made by the user, once root is dropped.
        let cap = LiveCapture::start_with(
            dir.join("events.sock"),
            &[
                "-w",
                pcap.to_str().unwrap(),
                "--port",
                &free_port().to_string(),
            ],
            |cmd| {
                cmd.env("SUDO_UID", NOBODY.to_string());
                match gid {
                    Some(g) => cmd.env("SUDO_GID", g),
                    None => cmd.env_remove("SUDO_GID"),
                };
            },
        );
        let (uid, gids, groups) = ids(cap.pid());
        let stderr = cap.stderr();
        cap.stop();
        let n = NOBODY.to_string();
        let all = [n.as_str(); 4].join(" ");
        assert_eq!(
            (uid.as_str(), gids.as_str(), groups.as_str()),
            (all.as_str(), all.as_str(), n.as_str()),
            "SUDO_GID {gid:?}: {stderr}"
        );
        for file in [pcap.clone(), dir.join("out.pcap.events")] {
            let m = std::fs::metadata(&file).unwrap();
            assert_eq!((m.uid(), m.gid()), (NOBODY, NOBODY), "{}", file.display());
        }
    }
}

#[test]
fn reading_a_file_under_sudo_drops_root_too() {
    if !can_attack("reading_a_file_under_sudo_drops_root_too") {
        return;
    }
    let dir = scratch("read");
    let _clean = Cleanup(vec![dir.clone()]);
    nobodys_dir(&dir);
    let svg = dir.join("demo.svg");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo.pcap");
    let out = capture(&["-r"])
        .arg(&data)
        .arg("--svg")
        .arg(&svg)
        .env("SUDO_UID", NOBODY.to_string())
        .env("SUDO_GID", NOBODY.to_string())
        .run();
    let err = &out.stderr;
    assert_eq!(out.code, Some(0), "{err}");
    assert!(
        err.contains(&format!("now running as user {NOBODY}")),
        "{err}"
    );
    let m = std::fs::metadata(&svg).unwrap();
    assert_eq!(
        (m.uid(), m.gid()),
        (NOBODY, NOBODY),
        "the SVG is the user's"
    );
}

#[test]
fn an_unusable_sudo_user_is_refused_never_ignored() {
    if !can_attack("an_unusable_sudo_user_is_refused_never_ignored") {
        return;
    }
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/demo.pcap");
    for (sudo_uid, sudo_gid, says) in [
        ("alice", Some("1000"), "SUDO_UID"),
        // A user id with no passwd entry, and no group given: no group to take.
        ("4000000123", None, "SUDO_GID"),
    ] {
        let mut cmd = Command::new(capture_bin());
        cmd.arg("-r")
            .arg(&data)
            .arg("-c")
            .arg("1")
            .env("SUDO_UID", sudo_uid);
        match sudo_gid {
            Some(g) => cmd.env("SUDO_GID", g),
            None => cmd.env_remove("SUDO_GID"),
        };
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "SUDO_UID={sudo_uid}: {err}");
        assert!(
            err.contains("could not drop root") && err.contains(says),
            "SUDO_UID={sudo_uid}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
}
