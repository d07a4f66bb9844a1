//! Reading the course's Markdown: checked command blocks, expected output,
//! and relative links. Pure code; [`runner`] runs what this finds.
//!
//! The checked-block convention is documented for lab authors at the top of
//! `labs/README.md`; this is its implementation.

pub mod runner;

use std::path::{Path, PathBuf};

/// One fenced block whose info string is `console check [FLAGS]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The Markdown file the block is in.
    pub file: PathBuf,
    /// 1-based line of the opening fence.
    pub line: usize,
    /// `root`: the block needs root (live capture, network namespaces) and
    /// has no form for an ordinary user.
    pub root: bool,
    /// `live`: the block runs both as root (its `sudo` lines) and as an
    /// ordinary user (each `sudo` line's twin marked `# without sudo`).
    pub live: bool,
    /// `timeout=SECONDS`: how long each command may take (default 60).
    pub timeout_secs: u64,
    pub steps: Vec<Step>,
}

/// One `$ ` line and the output lines expected from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// 1-based line of the `$ ` line.
    pub line: usize,
    pub action: Action,
    /// In a `live` block, what an ordinary user types instead of this
    /// `sudo` line: the next `$ ` line, marked `# without sudo`.
    pub rootless: Option<Action>,
    /// Lines that must appear in the output, in this order (other lines may
    /// come between them). `...` inside a line matches any text.
    pub expect: Vec<String>,
}

/// What a `$ ` line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run the command (with bash) to its end; it must exit with status 0.
    Run(String),
    /// `COMMAND &`: start it in the background as the next job (%1, %2...)
    /// and wait until the expected lines have appeared in its output.
    Start(String),
    /// `wait %N`: wait for job N to exit by itself (status 0), then match
    /// the expected lines against everything it printed.
    Wait(usize),
    /// `kill [-SIGNAL] %N`: send the signal to job N. INT, TERM, HUP and
    /// KILL wait for it to exit, then match its whole output; STOP and CONT
    /// do not wait and expect nothing.
    Kill { signal: String, job: usize },
}

impl Action {
    /// The `$ ` line as the lab shows it.
    pub fn text(&self) -> String {
        match self {
            Action::Run(c) => c.clone(),
            Action::Start(c) => format!("{c} &"),
            Action::Wait(j) => format!("wait %{j}"),
            Action::Kill { signal, job } => format!("kill -{signal} %{job}"),
        }
    }
}

/// Signals a `kill %N` line may send.
pub const SIGNALS: [&str; 6] = ["INT", "TERM", "HUP", "KILL", "STOP", "CONT"];

/// The comment that marks a `$ ` line as the form without sudo of the
/// `sudo` line just above it, in each language of the labs.
pub const ROOTLESS_MARKS: [&str; 2] = ["# without sudo", "# sem sudo"];

/// `command` without a trailing rootless mark, if it has one.
fn rootless_form(command: &str) -> Option<&str> {
    let command = command.trim_end();
    ROOTLESS_MARKS
        .iter()
        .find_map(|m| command.strip_suffix(m))
        .map(str::trim_end)
}

/// Does this `$ ` line run its program with sudo?
pub fn is_sudo(action: &Action) -> bool {
    matches!(action, Action::Run(c) | Action::Start(c) if c.split_whitespace().any(|w| w == "sudo"))
}

/// Default time limit for one command of a checked block.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;

/// A fenced code block: its info string, first line number, and lines.
struct Fence<'a> {
    info: &'a str,
    line: usize,
    body: Vec<(usize, &'a str)>,
}

/// Every fenced code block of a Markdown text, and the other lines (with
/// their numbers) outside any block.
fn split_fences(text: &str) -> (Vec<Fence<'_>>, Vec<(usize, &str)>) {
    let mut fences = Vec::new();
    let mut prose = Vec::new();
    let mut open: Option<(char, usize, Fence)> = None;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let trimmed = line.trim_start();
        let fence_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = fence_char.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        match &mut open {
            None if run >= 3 => {
                let c = fence_char.unwrap_or('`');
                open = Some((
                    c,
                    run,
                    Fence {
                        info: trimmed[run..].trim(),
                        line: number,
                        body: Vec::new(),
                    },
                ));
            }
            None => prose.push((number, line)),
            Some((c, len, _))
                if run >= *len && fence_char == Some(*c) && trimmed[run..].trim().is_empty() =>
            {
                if let Some((_, _, fence)) = open.take() {
                    fences.push(fence);
                }
            }
            Some((_, _, fence)) => fence.body.push((number, line)),
        }
    }
    if let Some((_, _, fence)) = open {
        fences.push(fence);
    }
    (fences, prose)
}

/// The checked blocks of one Markdown file, or a message saying which line
/// breaks the convention.
pub fn checked_blocks(file: &Path, text: &str) -> Result<Vec<Block>, String> {
    let (fences, _) = split_fences(text);
    let mut blocks = Vec::new();
    for fence in fences {
        let mut words = fence.info.split_whitespace();
        if words.next() != Some("console") || words.next() != Some("check") {
            continue;
        }
        let at = |line: usize| format!("{}:{line}", file.display());
        let mut block = Block {
            file: file.to_path_buf(),
            line: fence.line,
            root: false,
            live: false,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            steps: Vec::new(),
        };
        for word in words {
            if word == "root" {
                block.root = true;
            } else if word == "live" {
                block.live = true;
            } else if let Some(secs) = word.strip_prefix("timeout=") {
                block.timeout_secs = secs
                    .parse()
                    .map_err(|_| format!("{}: bad timeout {word:?}", at(fence.line)))?;
            } else {
                return Err(format!(
                    "{}: unknown word {word:?} after `console check` (known: root, live, timeout=SECONDS)",
                    at(fence.line)
                ));
            }
        }
        let mut continuing: Option<(usize, String)> = None;
        for (number, raw) in fence.body {
            let line = raw.trim_end();
            if let Some((start, mut command)) = continuing.take() {
                let more = line.trim_start();
                let more = more.strip_prefix("> ").unwrap_or(more);
                command.push(' ');
                command.push_str(more.trim_start());
                if let Some(head) = command.strip_suffix('\\') {
                    continuing = Some((start, head.trim_end().to_string()));
                } else {
                    add_step(&mut block, start, &command)
                        .map_err(|e| format!("{}: {e}", at(start)))?;
                }
                continue;
            }
            if let Some(command) = line.strip_prefix("$ ") {
                if let Some(head) = command.strip_suffix('\\') {
                    continuing = Some((number, head.trim_end().to_string()));
                } else {
                    add_step(&mut block, number, command)
                        .map_err(|e| format!("{}: {e}", at(number)))?;
                }
            } else if line.trim().is_empty() || line.trim() == "..." {
                // Blank lines and a lone `...` ("more output here") check nothing.
            } else if let Some(last) = block.steps.last_mut() {
                last.expect.push(line.to_string());
            } else {
                return Err(format!(
                    "{}: output line before the first `$ ` command: {line:?}",
                    at(number)
                ));
            }
        }
        if let Some((start, _)) = continuing {
            return Err(format!(
                "{}: the block ends inside a `\\` continuation",
                at(start)
            ));
        }
        if block.steps.is_empty() {
            return Err(format!(
                "{}: a checked block without any `$ ` command",
                at(fence.line)
            ));
        }
        if block.root && block.live {
            return Err(format!(
                "{}: a block is `root` (root only) or `live` (root and an ordinary user), not both",
                at(fence.line)
            ));
        }
        if let Some(s) = block
            .steps
            .iter()
            .find(|s| block.live && is_sudo(&s.action) && s.rootless.is_none())
        {
            return Err(format!(
                "{}: a `sudo` line in a `live` block needs its form without sudo on the next `$ ` line, marked `{}`",
                at(s.line),
                ROOTLESS_MARKS[0]
            ));
        }
        blocks.push(block);
    }
    Ok(blocks)
}

/// Add the `$ ` line at `line` to the block: a new step, or the form
/// without sudo of the step just before it.
fn add_step(block: &mut Block, line: usize, command: &str) -> Result<(), String> {
    let Some(command) = rootless_form(command) else {
        block.steps.push(step(line, command)?);
        return Ok(());
    };
    let twin = step(line, command)?.action;
    match block.steps.last_mut() {
        Some(last) if block.live && is_sudo(&last.action) && last.rootless.is_none() && last.expect.is_empty() => {
            if is_sudo(&twin) {
                return Err("the line marked to run without sudo uses sudo".into());
            }
            last.rootless = Some(twin);
            Ok(())
        }
        _ if !block.live => Err(format!(
            "a line marked `{}` belongs in a `console check live` block",
            ROOTLESS_MARKS[0]
        )),
        _ => Err(format!(
            "a line marked `{}` must come right after the `sudo` line it replaces, before its output",
            ROOTLESS_MARKS[0]
        )),
    }
}

/// Parse one `$ ` line (already joined if it was continued).
fn step(line: usize, command: &str) -> Result<Step, String> {
    let command = command.trim();
    let words: Vec<&str> = command.split_whitespace().collect();
    let job = |w: &str| -> Result<usize, String> {
        w.strip_prefix('%')
            .and_then(|n| n.parse().ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| format!("expected a job like %1, found {w:?}"))
    };
    let action = match words.as_slice() {
        ["wait", j] => Action::Wait(job(j)?),
        ["wait", ..] => return Err("write `wait %N` (one job)".into()),
        ["kill", j] if j.starts_with('%') => Action::Kill {
            signal: "TERM".into(),
            job: job(j)?,
        },
        ["kill", sig, j] if j.starts_with('%') => {
            let signal = sig.trim_start_matches('-').trim_start_matches("SIG");
            if !SIGNALS.contains(&signal) {
                return Err(format!("kill: signal {sig:?} is not one of {SIGNALS:?}"));
            }
            Action::Kill {
                signal: signal.into(),
                job: job(j)?,
            }
        }
        _ => match command.strip_suffix('&') {
            Some(head) if !head.ends_with('&') => Action::Start(head.trim_end().to_string()),
            _ => Action::Run(command.to_string()),
        },
    };
    Ok(Step {
        line,
        action,
        rootless: None,
        expect: Vec::new(),
    })
}

/// A line without its whitespace: spacing is never compared (columns move
/// when a port has 5 digits, and `ss` then glues two headings together).
pub fn normalise(line: &str) -> String {
    line.split_whitespace().collect()
}

/// Does `line` match `pattern`, where `...` in the pattern matches any text
/// (also none)? Both are normalised first.
pub fn line_matches(pattern: &str, line: &str) -> bool {
    let (pattern, line) = (normalise(pattern), normalise(line));
    let parts: Vec<&str> = pattern.split("...").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || line.len() < first.len() + last.len() || !line.ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Match `expect` in order against `output`'s lines. `Ok(())`, or the
/// index of the first expected line that could not be found after the
/// previous one.
pub fn find_in_order(expect: &[String], output: &str) -> Result<(), usize> {
    let lines: Vec<&str> = output.lines().collect();
    let mut from = 0;
    for (i, wanted) in expect.iter().enumerate() {
        match lines[from..].iter().position(|l| line_matches(wanted, l)) {
            Some(at) => from += at + 1,
            None => return Err(i),
        }
    }
    Ok(())
}

/// A relative link found in Markdown prose: where it is and where it points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub line: usize,
    /// The target as written, without the `#anchor`.
    pub path: String,
    /// The `#anchor`, if any (without `#`).
    pub anchor: Option<String>,
    /// The link's text, `[text](...)` (empty for other forms).
    pub text: String,
}

/// Every relative link in the prose of a Markdown text (not in code blocks
/// nor in `inline code`): `[text](target)`, `![alt](target)`, `[ref]: target`,
/// `href="target"` and `src="target"`. Links with a scheme (`https:`,
/// `mailto:`) are left out; `#anchor` alone points into the same file.
pub fn relative_links(text: &str) -> Vec<Link> {
    let (_, prose) = split_fences(text);
    let mut links = Vec::new();
    for (number, line) in prose {
        let code_free = strip_inline_code(line);
        let mut targets = Vec::new();
        // `[text](target)`: the text may hold `code`, the target may not.
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let text = rest[..at].rfind('[').map_or("", |open| &rest[open + 1..at]);
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = &after[..end];
            // Not a link if the `](` sits inside inline code.
            if code_free.contains(&format!("]({target})")) {
                targets.push((text.to_string(), target.to_string()));
            }
            rest = &after[end..];
        }
        let trimmed = code_free.trim_start();
        if trimmed.starts_with('[') {
            if let Some(at) = trimmed.find("]: ") {
                targets.push((String::new(), trimmed[at + 3..].to_string()));
            }
        }
        for attr in ["href=\"", "src=\""] {
            let mut rest = code_free.as_str();
            while let Some(at) = rest.find(attr) {
                let after = &rest[at + attr.len()..];
                let Some(end) = after.find('"') else { break };
                targets.push((String::new(), after[..end].to_string()));
                rest = &after[end..];
            }
        }
        for (text, target) in targets {
            // `(path "title")` and `(<path>)`.
            let target = target.split_whitespace().next().unwrap_or("");
            let target = target.trim_start_matches('<').trim_end_matches('>');
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p.to_string(), Some(a.to_string())),
                None => (target.to_string(), None),
            };
            links.push(Link {
                line: number,
                path,
                anchor,
                text: text.clone(),
            });
        }
    }
    links
}

/// The line without its `inline code` spans.
fn strip_inline_code(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut inside = false;
    for c in line.chars() {
        if c == '`' {
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// The anchors a Markdown text's headings get on the forge (GitHub's and
/// Forgejo's rule): lower case, punctuation dropped, spaces to `-`,
/// numbered `-1`, `-2`... when repeated.
pub fn heading_anchors(text: &str) -> Vec<String> {
    let (_, prose) = split_fences(text);
    let mut anchors: Vec<String> = Vec::new();
    for (_, line) in prose {
        let Some(title) = line.strip_prefix('#') else {
            continue;
        };
        let title = title.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let mut slug = String::new();
        for c in strip_inline_code_keep(title.trim()).chars() {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                slug.extend(c.to_lowercase());
            } else if c == ' ' {
                slug.push('-');
            }
        }
        let base = slug.clone();
        let mut n = 0;
        while anchors.contains(&slug) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        anchors.push(slug);
    }
    anchors
}

/// Heading text keeps the words inside `code` (only the backticks go).
fn strip_inline_code_keep(text: &str) -> String {
    text.replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAB: &str = "# Lab\n\
        Text with a [link](../src/bin/tcp_server.rs) and `[not](a-link)`.\n\
        \n\
        ```console check root timeout=5\n\
        $ target/release/tcp_server --port 5000 &\n\
        listening on 127.0.0.1:5000\n\
        $ target/release/tcp_client --port 5000 \\\n\
        >   --message hello\n\
        ...\n\
        reply: hello\n\
        $ kill -INT %1\n\
        $ wait %2\n\
        ```\n\
        \n\
        ```console\n\
        $ not checked\n\
        ```\n";

    #[test]
    fn reads_a_checked_block() {
        let blocks = checked_blocks(Path::new("lab.md"), LAB).unwrap();
        assert_eq!(blocks.len(), 1, "the plain `console` block is not checked");
        let b = &blocks[0];
        assert!(b.root);
        assert_eq!(b.timeout_secs, 5);
        assert_eq!(b.line, 4);
        assert_eq!(b.steps.len(), 4);
        assert_eq!(
            b.steps[0].action,
            Action::Start("target/release/tcp_server --port 5000".into())
        );
        assert_eq!(b.steps[0].expect, ["listening on 127.0.0.1:5000"]);
        assert_eq!(
            b.steps[1].action,
            Action::Run("target/release/tcp_client --port 5000 --message hello".into())
        );
        assert_eq!(b.steps[1].line, 7);
        assert_eq!(
            b.steps[1].expect,
            ["reply: hello"],
            "a lone ... checks nothing"
        );
        assert_eq!(
            b.steps[2].action,
            Action::Kill {
                signal: "INT".into(),
                job: 1
            }
        );
        assert_eq!(b.steps[3].action, Action::Wait(2));
    }

    #[test]
    fn rejects_what_it_cannot_run() {
        let bad = |s: &str| checked_blocks(Path::new("x.md"), s).unwrap_err();
        assert!(bad("```console check\noutput first\n```\n").contains("x.md:2"));
        assert!(bad("```console check sudo\n$ ls\n```\n").contains("unknown word"));
        assert!(bad("```console check\n$ kill -USR1 %1\n```\n").contains("signal"));
        assert!(bad("```console check\n$ wait\n```\n").contains("wait %N"));
        assert!(bad("```console check\n```\n").contains("without any"));
        // `&&` is not a background job.
        let ok = checked_blocks(Path::new("x.md"), "```console check\n$ true && true\n```\n");
        assert!(matches!(ok.unwrap()[0].steps[0].action, Action::Run(_)));
    }

    #[test]
    fn reads_the_form_without_sudo_of_a_live_block() {
        let text = "```console check live\n\
            $ sudo target/release/capture --port 5000 &\n\
            $ target/release/capture --private --port 5000 &   # without sudo\n\
            capture: listening on lo ...\n\
            $ target/release/tcp_server --port 5000 &\n\
            ```\n";
        let b = &checked_blocks(Path::new("lab.md"), text).unwrap()[0];
        assert!(b.live && !b.root);
        assert_eq!(b.steps.len(), 2, "the twin is no step of its own");
        assert_eq!(
            b.steps[0].rootless,
            Some(Action::Start(
                "target/release/capture --private --port 5000".into()
            ))
        );
        assert_eq!(b.steps[0].expect, ["capture: listening on lo ..."]);
        assert_eq!(b.steps[1].rootless, None);
        let pt = text.replace("# without sudo", "# sem sudo");
        let p = &checked_blocks(Path::new("lab.md"), &pt).unwrap()[0];
        assert_eq!(p.steps, b.steps, "the Portuguese mark means the same");

        let bad = |s: &str| checked_blocks(Path::new("x.md"), s).unwrap_err();
        // A sudo line with no twin: an ordinary user could not run the block.
        assert!(bad("```console check live\n$ sudo ls\n```\n").contains("without sudo"));
        // A twin outside a live block, or not right after its sudo line.
        assert!(
            bad("```console check root\n$ sudo ls\n$ ls # without sudo\n```\n").contains("live")
        );
        assert!(
            bad("```console check live\n$ sudo ls\nout\n$ ls # without sudo\n```\n")
                .contains("right after")
        );
        assert!(bad("```console check live root\n$ ls\n```\n").contains("not both"));
    }

    #[test]
    fn matches_lines_with_wildcards_and_any_spacing() {
        assert!(line_matches(
            "accept() -> new socket for 127.0.0.1:... (client 1)",
            "accept() -> new socket for 127.0.0.1:53312 (client 1)"
        ));
        assert!(line_matches(
            "LISTEN 2 1 127.0.0.1:5000 ...",
            "LISTEN 2      1          127.0.0.1:5000      0.0.0.0:*"
        ));
        assert!(line_matches("...reply: hi", "  │ tcp_client │ reply: hi"));
        assert!(line_matches("a...b...c", "a b c"));
        assert!(!line_matches("a...b...c", "a c b"));
        assert!(line_matches(
            "Peer Address:Port Process",
            "Peer Address:PortProcess"
        ));
        assert!(!line_matches("reply: hi", "reply: hii"));
        assert!(!line_matches("ab...ba", "aba"), "the ends may not overlap");
        assert!(line_matches("connect() ...", "connect() ..."));
    }

    #[test]
    fn finds_expected_lines_in_order() {
        let out = "one\ntwo 2\nthree\n";
        let want = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(find_in_order(&want(&["one", "three"]), out), Ok(()));
        assert_eq!(find_in_order(&want(&["two ...", "one"]), out), Err(1));
        assert_eq!(find_in_order(&want(&[]), out), Ok(()));
    }

    #[test]
    fn finds_relative_links_outside_code() {
        let links = relative_links(LAB);
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].path, "../src/bin/tcp_server.rs");
        let more = relative_links(
            "[a](https://x.org) [b](#here) [c](d.md#sec \"t\") <img src=\"i.svg\">\n[r]: e.md\n",
        );
        let paths: Vec<_> = more
            .iter()
            .map(|l| (l.path.as_str(), l.anchor.as_deref()))
            .collect();
        assert_eq!(
            paths,
            [
                ("", Some("here")),
                ("d.md", Some("sec")),
                ("i.svg", None),
                ("e.md", None)
            ]
        );
    }

    #[test]
    fn keeps_the_text_of_links_to_code() {
        let links = relative_links("Read [`serve_lines()`](../src/bin/tcp_server.rs) first.\n");
        assert_eq!(links[0].text, "`serve_lines()`");
    }

    #[test]
    fn heading_anchors_follow_the_forge() {
        let a = heading_anchors("# Lab 3: the `connect()` call\n## Exercícios\n## Exercícios\n```\n# not a heading\n```\n");
        assert_eq!(a, ["lab-3-the-connect-call", "exercícios", "exercícios-1"]);
    }
}
