//! The course, kept true: every checked command block of every lab (in
//! English and in Brazilian Portuguese) runs, and prints what the lab says
//! it prints; every relative link in the README, the labs and the docs
//! leads to a file that exists; the two languages give the same commands.
//!
//! The convention for checked blocks is in `labs/README.md` (for authors).
//! Every block runs twice: as the test runs (root in CI, with the `sudo`
//! lines), and as an ordinary user (`nobody` through setpriv when the test
//! is root), with each `sudo` line of a `live` block replaced by its form
//! without sudo. Blocks marked `root` have no such form and run only as
//! root; the test says which ones it skipped and why. Where the system
//! forbids an ordinary user a private network, the ordinary user's run
//! skips the `live` blocks with the programs' own words for why.
//! `SOCKLAB_LABS=03` runs only the lab files whose name contains `03`.

mod course_support;
mod harness;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use course_support::runner::{Course, Runner};
use course_support::{checked_blocks, heading_anchors, relative_links, Block};

/// The binaries a lab may run, as `target/release/NAME`.
fn bins() -> BTreeMap<&'static str, PathBuf> {
    [
        ("tcp_server", env!("CARGO_BIN_EXE_tcp_server")),
        ("tcp_client", env!("CARGO_BIN_EXE_tcp_client")),
        ("udp_server", env!("CARGO_BIN_EXE_udp_server")),
        ("udp_client", env!("CARGO_BIN_EXE_udp_client")),
        ("capture", env!("CARGO_BIN_EXE_capture")),
        ("chat", env!("CARGO_BIN_EXE_chat")),
        ("twohost", env!("CARGO_BIN_EXE_twohost")),
        ("tcp_vs_udp", env!("CARGO_BIN_EXE_tcp_vs_udp")),
    ]
    .into_iter()
    .map(|(name, path)| (name, PathBuf::from(path)))
    .collect()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files directly in `dir` (relative to the repository), sorted.
fn markdown_in(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    files
}

/// The numbered lab files in `dir`: `NN-name.md`.
fn labs_in(dir: &str) -> Vec<PathBuf> {
    markdown_in(dir)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.len() > 3
                && name.as_bytes()[..2].iter().all(u8::is_ascii_digit)
                && &name[2..3] == "-"
        })
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The path relative to the repository, for messages.
fn shown(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Run every checked block of `files`, in order, one at a time, as `runner`.
fn run_checked_blocks(name: &str, files: &[PathBuf], runner: Runner) {
    let only = std::env::var("SOCKLAB_LABS").unwrap_or_default();
    let root = socklab::sys::is_root();
    // Each language's labs show that language's output.
    let locale = match name {
        "pt-BR" => "pt_BR.UTF-8",
        _ => "C.UTF-8",
    };
    let course = Course::new(name, locale, bins(), runner);
    let who = match (runner, root) {
        (Runner::AsIs, true) => "root",
        (Runner::AsIs, false) => "this user",
        (Runner::Ordinary, true) => "nobody",
        (Runner::Ordinary, false) => "this ordinary user",
    };
    // Why a block does not run in this run, if it does not.
    let mut private_net: Option<Result<(), String>> = None;
    let mut why_not = |block: &Block| -> Option<String> {
        match runner {
            Runner::AsIs if !root && (block.root || block.live) => Some(
                "not running as root (CI runs as root; the test run as an ordinary user runs the `live` blocks without sudo)".into(),
            ),
            Runner::Ordinary if block.root => {
                Some("marked `root`: it has no form without sudo".into())
            }
            Runner::Ordinary if block.live => private_net
                .get_or_insert_with(|| course.private_network_allowed())
                .clone()
                .err(),
            _ => None,
        }
    };
    let (mut ran, mut skipped, mut failures) =
        (0, BTreeMap::<String, Vec<String>>::new(), Vec::new());
    let mut block_no = 0;
    for file in files {
        if !shown(file).contains(&only) {
            continue;
        }
        let blocks =
            checked_blocks(Path::new(&shown(file)), &read(file)).unwrap_or_else(|e| panic!("{e}"));
        for block in blocks {
            block_no += 1;
            let at = format!("{}:{}", block.file.display(), block.line);
            if let Some(why) = why_not(&block) {
                skipped.entry(why).or_default().push(at);
                continue;
            }
            eprintln!("course ({who}): running {at}");
            ran += 1;
            if let Err(f) = course.run_block(&block, block_no) {
                eprintln!("course ({who}): FAILED {}", f.at);
                failures.push(format!("{}: {}", f.at, f.message));
            }
        }
    }
    for (why, blocks) in &skipped {
        eprintln!(
            "course ({who}): skipped {} blocks: {why}:\n  {}",
            blocks.len(),
            blocks.join("\n  ")
        );
    }
    let skipped = skipped.values().map(Vec::len).sum::<usize>();
    eprintln!(
        "course ({who}): {ran} checked blocks run, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} checked blocks failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    if only.is_empty() {
        assert!(ran + skipped > 0, "no checked blocks found");
    }
}

#[test]
fn english_labs_run_as_written() {
    let mut files = labs_in("labs");
    files.extend(markdown_in("docs"));
    run_checked_blocks("en", &files, Runner::AsIs);
}

#[test]
fn portuguese_labs_run_as_written() {
    run_checked_blocks("pt-BR", &labs_in("labs/pt-BR"), Runner::AsIs);
}

/// The same blocks as an ordinary user (a student without sudo), with
/// the `live` blocks' lines without sudo.
#[test]
fn english_labs_run_as_written_without_root() {
    let mut files = labs_in("labs");
    files.extend(markdown_in("docs"));
    run_checked_blocks("en", &files, Runner::Ordinary);
}

#[test]
fn portuguese_labs_run_as_written_without_root() {
    run_checked_blocks("pt-BR", &labs_in("labs/pt-BR"), Runner::Ordinary);
}

/// Every lab in both languages (same file name), with the same checked
/// commands in the same order, an answer key in each language, and a line
/// in each index.
#[test]
fn every_lab_exists_in_both_languages_with_the_same_commands() {
    let en = labs_in("labs");
    let pt = labs_in("labs/pt-BR");
    let names = |v: &[PathBuf]| -> Vec<String> {
        v.iter()
            .map(|p| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    };
    assert!(
        en.len() >= 9,
        "the course has at least 9 labs, found {}",
        en.len()
    );
    assert_eq!(
        names(&en),
        names(&pt),
        "labs/ and labs/pt-BR/ hold the same lab files"
    );

    let answers = names(&markdown_in("docs/answers"));
    let answers_pt = names(&markdown_in("docs/answers/pt-BR"));
    let index_en = read(&repo().join("labs/README.md"));
    let index_pt = read(&repo().join("labs/pt-BR/README.md"));
    let commands = |file: &Path| -> Vec<(bool, bool, String, Option<String>)> {
        let blocks: Vec<Block> =
            checked_blocks(file, &read(file)).unwrap_or_else(|e| panic!("{e}"));
        blocks
            .iter()
            .flat_map(|b| {
                b.steps.iter().map(move |s| {
                    (
                        b.root,
                        b.live,
                        s.action.text(),
                        s.rootless.as_ref().map(|r| r.text()),
                    )
                })
            })
            .collect()
    };
    for (e, p) in en.iter().zip(&pt) {
        let name = e
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let (ce, cp) = (commands(e), commands(p));
        assert!(!ce.is_empty(), "{name}: a lab without checked commands");
        assert_eq!(
            ce, cp,
            "{name}: the English and Portuguese labs run different checked commands"
        );
        assert!(
            answers.contains(&name),
            "{name}: no answer key docs/answers/{name}"
        );
        assert!(
            answers_pt.contains(&name),
            "{name}: no Portuguese answer key docs/answers/pt-BR/{name}"
        );
        assert!(
            index_en.contains(&format!("({name})")),
            "labs/README.md does not link {name}"
        );
        assert!(
            index_pt.contains(&format!("({name})")),
            "labs/pt-BR/README.md does not link {name}"
        );
        for lab in [e, p] {
            let text = read(lab);
            assert!(
                relative_links(&text)
                    .iter()
                    .any(|l| l.path.starts_with("../src/") || l.path.starts_with("../../src/")),
                "{}: links to no source file",
                shown(lab)
            );
        }
    }
}

/// Every relative link in the README, the labs, the docs and images/README.md
/// resolves to a file that exists; an `#anchor` into a Markdown file names
/// one of its headings; a link whose text is `name()` or `fn name` to a Rust
/// file names a function defined there.
#[test]
fn relative_links_resolve() {
    let mut files = vec![repo().join("README.md"), repo().join("images/README.md")];
    for dir in [
        "labs",
        "labs/pt-BR",
        "docs",
        "docs/pt-BR",
        "docs/answers",
        "docs/answers/pt-BR",
    ] {
        if repo().join(dir).is_dir() {
            files.extend(markdown_in(dir));
        }
    }
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = read(file);
        let dir = file.parent().expect("a file has a directory");
        for link in relative_links(&text) {
            checked += 1;
            let at = format!("{}:{}", shown(file), link.line);
            let target = if link.path.is_empty() {
                file.clone()
            } else {
                dir.join(&link.path)
            };
            if !target.exists() {
                broken.push(format!("{at}: {} does not exist", link.path));
                continue;
            }
            let is_md = target.extension().is_some_and(|x| x == "md");
            if let (Some(anchor), true) = (&link.anchor, is_md) {
                if !heading_anchors(&read(&target)).contains(anchor) {
                    broken.push(format!("{at}: {} has no heading #{anchor}", shown(&target)));
                }
            }
            if target.extension().is_some_and(|x| x == "rs") {
                if let Some(function) = function_named(&link.text) {
                    if !read(&target).contains(&format!("fn {function}")) {
                        broken.push(format!(
                            "{at}: {} defines no `fn {function}`",
                            shown(&target)
                        ));
                    }
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} links found: is the parser broken?"
    );
    assert!(
        broken.is_empty(),
        "{} broken links:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

/// `name()`, `fn name` or `Type::name()` in inline code: the function's name.
fn function_named(text: &str) -> Option<String> {
    let code = text.strip_prefix('`')?.strip_suffix('`')?;
    let name = code
        .strip_prefix("fn ")
        .or_else(|| code.strip_suffix("()"))?
        .rsplit("::")
        .next()?;
    let ok = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    ok.then(|| name.to_string())
}

#[test]
fn names_functions_in_link_text() {
    assert_eq!(
        function_named("`serve_lines()`").as_deref(),
        Some("serve_lines")
    );
    assert_eq!(function_named("`fn main`").as_deref(), Some("main"));
    assert_eq!(
        function_named("`Stop::request()`").as_deref(),
        Some("request")
    );
    assert_eq!(function_named("tcp_server.rs"), None);
    assert_eq!(function_named("`src/bin/tcp_server.rs`"), None);
}

/// docs/flowcharts.md has, for each program, a section (`## name` or
/// `## name: part`) holding a Mermaid flowchart, and links to its source.
#[test]
fn flowcharts_cover_every_program() {
    let text = read(&repo().join("docs/flowcharts.md"));
    for program in [
        "tcp_server",
        "tcp_client",
        "udp_server",
        "udp_client",
        "chat",
        "capture",
        "tcp_vs_udp",
    ] {
        let sections: Vec<&str> = text
            .split("\n## ")
            .skip(1)
            .filter(|s| {
                let title = s.lines().next().unwrap_or("");
                title == program || title.starts_with(&format!("{program}:"))
            })
            .collect();
        assert!(
            !sections.is_empty(),
            "docs/flowcharts.md has no section `## {program}`"
        );
        assert!(
            sections
                .iter()
                .all(|s| s.contains("```mermaid\nflowchart ")),
            "a {program} section has no Mermaid flowchart"
        );
        assert!(
            text.contains(&format!("(../src/bin/{program}.rs)")),
            "docs/flowcharts.md does not link to src/bin/{program}.rs"
        );
    }
}
