//! `--help` and usage errors in the student's language.
//!
//! In English the help texts are the doc comments of each program's
//! arguments, as clap's derive makes them. In Portuguese [`localize`]
//! replaces them at run time with the catalogue's `help-*` messages
//! (`src/i18n/pt-BR/help.ftl`): for program `tcp_server`,
//! `help-tcp_server-about`, `help-tcp_server-examples` and
//! `help-tcp_server-<argument>` (`help-tcp_server-backlog`); an argument
//! every lab program shares (`--host`, `--quiet`, `--color`, `--lang`)
//! falls back to `help-common-<argument>`; a subcommand's are
//! `help-<program>-<subcommand>-...`. clap's own headings (`Usage:`,
//! `Options:`) and its usage errors are translated here too.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

use super::{has_message, lang, tr, tr_in, Arg as MsgArg, Lang};

/// The catalogue identifier for `name` (clap ids use `_`; Fluent ids may
/// too, but `-` reads better): `help-tcp_server-max-clients`.
fn help_id(path: &str, name: &str) -> String {
    format!("help-{path}-{}", name.replace('_', "-"))
}

/// `cmd` with its help in the process's language.
pub fn localize(cmd: Command) -> Command {
    localize_in(cmd, lang())
}

/// `cmd` with its help in `lang` (English: unchanged).
pub fn localize_in(cmd: Command, lang: Lang) -> Command {
    if lang == Lang::En {
        return cmd;
    }
    let path = cmd.get_name().to_string();
    localize_command(cmd, lang, &path)
}

fn text(lang: Lang, id: &str) -> Option<String> {
    has_message(lang, id).then(|| tr_in(lang, id, &[]))
}

/// The `help-*` identifiers [`localize_in`] looked for and did not find,
/// for the catalogue test (`SOCKLAB_I18N_CHECK=1 PROGRAM --lang pt-BR
/// --help` prints them on stderr).
pub fn missing(cmd: Command, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    collect_missing(&cmd, lang, cmd.get_name(), &mut out);
    out
}

fn collect_missing(cmd: &Command, lang: Lang, path: &str, out: &mut Vec<String>) {
    for what in ["about", "examples"] {
        let id = help_id(path, what);
        let needed = match what {
            "about" => cmd.get_about().is_some(),
            _ => cmd.get_after_help().is_some(),
        };
        if needed && !has_message(lang, &id) {
            out.push(id);
        }
    }
    for a in cmd.get_arguments() {
        let id = a.get_id().as_str();
        if a.is_hide_set() || a.get_help().is_none() {
            continue;
        }
        if !has_message(lang, &help_id(path, id)) && !has_message(lang, &help_id("common", id)) {
            out.push(help_id(path, id));
        }
    }
    // A hidden subcommand (a program's internal role) is never shown.
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_missing(sub, lang, &format!("{path}-{}", sub.get_name()), out);
    }
}

fn localize_command(mut cmd: Command, lang: Lang, path: &str) -> Command {
    if let Some(about) = text(lang, &help_id(path, "about")) {
        cmd = cmd.about(about.clone()).long_about(about);
    }
    if let Some(examples) = text(lang, &help_id(path, "examples")) {
        cmd = cmd.after_help(examples.clone()).after_long_help(examples);
    }
    let options = tr_in(lang, "help-heading-options", &[]);
    let arguments = tr_in(lang, "help-heading-arguments", &[]);
    let ids: Vec<(String, bool)> = cmd
        .get_arguments()
        .map(|a| (a.get_id().to_string(), a.is_positional()))
        .collect();
    for (id, positional) in ids {
        let own = text(lang, &help_id(path, &id));
        let shared = || text(lang, &help_id("common", &id));
        let help = own.or_else(shared);
        let heading = if positional { &arguments } else { &options };
        cmd = cmd.mut_arg(&id, |a| {
            let a = a.help_heading(heading.clone());
            let Some(mut h) = help.clone() else {
                return a;
            };
            // clap's "Possible values:" and "[default: ...]" are English
            // words: say them here, with each value's meaning from the
            // catalogue when it has one (`help-capture-color-auto`).
            let values: Vec<String> = a
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| {
                    let name = v.get_name();
                    match text(lang, &format!("{}-{}", help_id(path, &id), name))
                        .or_else(|| text(lang, &format!("{}-{}", help_id("common", &id), name)))
                    {
                        Some(meaning) => format!("{name} ({meaning})"),
                        None => name.to_string(),
                    }
                })
                .collect();
            if !values.is_empty()
                && !a.is_hide_possible_values_set()
                && a.get_action().takes_values()
            {
                let list = values.join(", ");
                h = tr_in(
                    lang,
                    "help-possible-values",
                    &[("help", MsgArg::from(h)), ("values", MsgArg::from(list))],
                );
            }
            let defaults: Vec<String> = a
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            if !defaults.is_empty()
                && !a.is_hide_default_value_set()
                && a.get_action().takes_values()
            {
                h = tr_in(
                    lang,
                    "help-default",
                    &[
                        ("help", MsgArg::from(h)),
                        ("value", MsgArg::from(defaults.join(", "))),
                    ],
                );
            }
            a.help(h)
                .long_help(None::<&str>)
                .hide_possible_values(true)
                .hide_default_value(true)
        });
    }
    // clap's own -h and -V, with their words in this language.
    cmd = cmd.disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help(tr_in(lang, "help-flag-help", &[]))
            .help_heading(options.clone()),
    );
    if cmd.get_version().is_some() {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(tr_in(lang, "help-flag-version", &[]))
                .help_heading(options.clone()),
        );
    }
    let usage = tr_in(lang, "help-heading-usage", &[]);
    cmd = cmd
        .help_template(format!(
            "{{before-help}}{{about-with-newline}}\n{usage} {{usage}}\n\n{{all-args}}{{after-help}}"
        ))
        .subcommand_help_heading(tr_in(lang, "help-heading-commands", &[]))
        .subcommand_value_name(tr_in(lang, "help-value-command", &[]))
        .disable_help_subcommand(true);
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for sub in subs {
        let sub_path = format!("{path}-{sub}");
        cmd = cmd.mut_subcommand(&sub, |s| localize_command(s, lang, &sub_path));
    }
    cmd
}

/// Parse the process's command line as `A`, in the process's language
/// (call [`super::init`] first): `--help` translated, usage errors told
/// in one line plus the usage, exit status 2; `--help` and `--version`
/// exit 0.
pub fn parse<A: clap::Parser>(prog: &str) -> A {
    parse_from(prog, std::env::args_os())
}

/// [`parse`] over the given arguments (the first is how it was started).
pub fn parse_from<A: clap::Parser, I: IntoIterator<Item = OsString>>(prog: &str, args: I) -> A {
    let lang = lang();
    // The program's own name, whatever Cargo's package is called.
    let command = || A::command().name(prog.to_string());
    if lang != Lang::En && std::env::var_os("SOCKLAB_I18N_CHECK").is_some() {
        for id in missing(command(), lang) {
            eprintln!("missing {} help: {id}", lang.tag());
        }
    }
    let mut cmd = localize_in(command(), lang);
    let result = cmd
        .try_get_matches_from_mut(args)
        .and_then(|mut m| A::from_arg_matches_mut(&mut m));
    match result {
        Ok(a) => a,
        Err(e) => exit_with(e, &mut cmd, lang),
    }
}

/// Print usage error `e` for `cmd` in `lang` (English: clap's own words) and
/// exit with status 2 (0 for `--help` and `--version`).
pub fn exit_with(e: clap::Error, cmd: &mut Command, lang: Lang) -> ! {
    let shows_help = matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if lang == Lang::En || shows_help {
        e.exit();
    }
    exit_with_line(usage_error(&e, lang), cmd, lang)
}

/// A usage error a program finds after parsing (options that do not go
/// together in a way clap cannot check): `message` after `error:`, the
/// usage, exit status 2, in the process's language; in English, clap's own
/// words and layout. `cmd` is the program's command, named as it runs.
pub fn exit_usage(mut cmd: Command, kind: ErrorKind, message: impl std::fmt::Display) -> ! {
    let lang = lang();
    if lang == Lang::En {
        cmd.error(kind, message).exit();
    }
    let mut cmd = localize_in(cmd, lang);
    let line = tr_in(
        lang,
        "usage-error",
        &[("what", MsgArg::from(message.to_string()))],
    );
    exit_with_line(line, &mut cmd, lang)
}

/// Print a usage error's first line, the usage and the hint; exit with 2.
fn exit_with_line(line: String, cmd: &mut Command, lang: Lang) -> ! {
    let usage = cmd.render_usage().to_string();
    let usage_word = tr_in(lang, "help-heading-usage", &[]);
    let usage = match usage.strip_prefix("Usage:") {
        Some(rest) => format!("{usage_word}{rest}"),
        None => usage,
    };
    eprintln!(
        "{}\n\n{}\n\n{}",
        line,
        usage.trim_end(),
        tr_in(lang, "help-more", &[])
    );
    std::process::exit(2);
}

fn context(e: &clap::Error, kind: ContextKind) -> String {
    match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::StyledStrs(v)) => v
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        Some(ContextValue::Number(n)) => n.to_string(),
        Some(ContextValue::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// The first line of a usage error, in `lang`: `erro: argumento
/// inesperado '--porta'`.
pub fn usage_error(e: &clap::Error, lang: Lang) -> String {
    let arg = context(e, ContextKind::InvalidArg);
    let value = context(e, ContextKind::InvalidValue);
    let why = std::error::Error::source(e).map_or_else(String::new, |source| {
        // The standard library's words for a number that does not parse.
        match source
            .downcast_ref::<std::num::ParseIntError>()
            .map(|p| p.kind())
        {
            Some(std::num::IntErrorKind::Empty) => tr_in(lang, "usage-int-empty", &[]),
            Some(std::num::IntErrorKind::InvalidDigit) => tr_in(lang, "usage-int-invalid", &[]),
            Some(std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow) => {
                tr_in(lang, "usage-int-range", &[])
            }
            _ => source.to_string(),
        }
    });
    let a = |k: &'static str, v: String| (k, MsgArg::from(v));
    let (id, args) = match e.kind() {
        ErrorKind::UnknownArgument => ("usage-unknown-argument", vec![a("arg", arg)]),
        ErrorKind::InvalidValue => (
            "usage-invalid-value",
            vec![
                a("arg", arg),
                a("value", value),
                a("valid", context(e, ContextKind::ValidValue)),
            ],
        ),
        ErrorKind::ValueValidation => (
            "usage-value-validation",
            vec![a("arg", arg), a("value", value), a("why", why)],
        ),
        ErrorKind::MissingRequiredArgument => ("usage-missing-argument", vec![a("arg", arg)]),
        ErrorKind::ArgumentConflict => (
            "usage-conflict",
            vec![a("arg", arg), a("other", context(e, ContextKind::PriorArg))],
        ),
        ErrorKind::InvalidSubcommand => (
            "usage-invalid-subcommand",
            vec![a("arg", context(e, ContextKind::InvalidSubcommand))],
        ),
        ErrorKind::MissingSubcommand => ("usage-missing-subcommand", vec![]),
        ErrorKind::NoEquals => ("usage-no-equals", vec![a("arg", arg)]),
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            ("usage-wrong-number", vec![a("arg", arg), a("value", value)])
        }
        _ => {
            // Anything rarer: clap's own first line, after our word for "error".
            let first = e.to_string();
            let first = first
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ");
            ("usage-other", vec![a("what", first.to_string())])
        }
    };
    let what = tr_in(lang, id, &args);
    tr_in(lang, "usage-error", &[("what", MsgArg::from(what))])
}

/// The word for "error" in the process's language, for one-line errors.
pub fn error_word() -> String {
    tr("common-error", &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    /// A tiny program to translate.
    #[derive(Parser, Debug)]
    #[command(name = "demo_prog", version, about = "English about")]
    struct Demo {
        /// English help of --port
        #[arg(long, default_value_t = 5000)]
        port: u16,
    }

    #[test]
    fn english_help_is_the_doc_comments() {
        let help = localize_in(Demo::command(), Lang::En)
            .render_help()
            .to_string();
        assert!(help.contains("English help of --port"), "{help}");
        assert!(help.contains("Usage:"), "{help}");
    }

    #[test]
    fn portuguese_help_has_portuguese_headings() {
        let help = localize_in(Demo::command(), Lang::PtBr)
            .render_help()
            .to_string();
        assert!(help.contains("Uso:"), "{help}");
        assert!(help.contains("Opções:"), "{help}");
        assert!(!help.contains("Options:"), "{help}");
        assert!(help.contains("Mostra esta ajuda"), "{help}");
    }

    #[test]
    fn usage_errors_are_translated() {
        let mut cmd = localize_in(Demo::command(), Lang::PtBr);
        let e = cmd
            .try_get_matches_from_mut(["demo_prog", "--porta", "1"])
            .unwrap_err();
        let line = usage_error(&e, Lang::PtBr);
        assert!(line.starts_with("erro: "), "{line}");
        assert!(line.contains("--porta"), "{line}");
        let e = cmd
            .try_get_matches_from_mut(["demo_prog", "--port", "x"])
            .unwrap_err();
        let line = usage_error(&e, Lang::PtBr);
        assert!(
            line.contains("valor inválido") && line.contains("'x'"),
            "{line}"
        );
    }
}
