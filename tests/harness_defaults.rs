//! The harness's own promises, which every other test relies on: English
//! whatever the machine's locale, and no program left running.

mod harness;

use std::path::Path;

use harness::*;

#[test]
fn programs_speak_english_whatever_the_machines_locale() {
    let help_with = |var: &str, locale: &str| {
        let out = TestCommand::new("udp_client")
            .arg("--help")
            .env(var, locale)
            .run();
        assert_eq!(out.code, Some(0), "{out:#?}");
        out.stdout
    };
    // A Brazilian lab machine: LANG asks for Portuguese; the harness's
    // LC_ALL=C comes first, so the expected texts stay English.
    assert_contains(&help_with("LANG", "pt_BR.UTF-8"), "Usage: udp_client");
    // A Portuguese test says so on the builder.
    assert_contains(&help_with("LC_ALL", "pt_BR.UTF-8"), "Uso: udp_client");
}

#[test]
fn a_running_program_is_stopped_when_the_test_lets_go_of_it() {
    let (server, _) = Running::server("udp_server", &[]);
    let proc_dir = format!("/proc/{}", server.pid());
    assert!(Path::new(&proc_dir).exists(), "the server runs");
    drop(server);
    assert!(!Path::new(&proc_dir).exists(), "killed and reaped on drop");
}
