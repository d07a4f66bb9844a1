//! Facts into sentences, in the student's language: the only place that
//! writes the prose a person reads.
//!
//! Every program speaks English or Brazilian Portuguese. The choice is made
//! once per process ([`init`]): `--lang en|pt-BR` on the command line, else
//! the locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`: any `pt*` locale
//! means Brazilian Portuguese), else English.
//!
//! The sentences live in Project Fluent catalogues (`.ftl` files under
//! `src/i18n/en/` and `src/i18n/pt-BR/`), compiled into every binary with
//! `include_str!`: a student copies one binary and it speaks both
//! languages. Code asks for a message by its identifier and hands over
//! typed arguments ([`tr`], the [`t!`](crate::t) macro); it never formats
//! prose itself. What stays the same in every language: the names of C
//! calls (`connect()`), TCP flags (`SYN`), RFC state names
//! (`ESTABLISHED`), errno names (`ECONNREFUSED`), and every JSON key and
//! enumerated value.
//!
//! Capture's notes are the exception: [`en`] and [`pt_br`] turn the
//! tracker's typed facts ([`crate::track::Note`] and friends) into
//! sentences in Rust, one module per language with the same functions,
//! and [`facts`] picks the module of the process's language. A note is a
//! match over nested enums with numbers and optional clauses; with no
//! wildcard arm, the compiler refuses a new fact until both languages say
//! it, which a catalogue lookup would only find out at run time.

mod catalog;
pub mod en;
pub mod facts;
pub mod help;
pub mod pt_br;

use std::borrow::Cow;
use std::ffi::OsString;
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

pub use catalog::{has_message, message_ids, message_variables, tr, tr_in, Catalog};

/// A language socklab speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// English (the default, and the fallback for a missing message).
    #[default]
    En,
    /// Brazilian Portuguese.
    PtBr,
}

impl Lang {
    /// Every language, in a fixed order (tests go through them all).
    pub const ALL: [Lang; 2] = [Lang::En, Lang::PtBr];

    /// The BCP 47 tag: `en`, `pt-BR` (the value of `--lang`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::PtBr => "pt-BR",
        }
    }

    /// `--lang`'s value: `en`, `pt-BR` (also `pt`, `pt_BR`, any case).
    pub fn parse(text: &str) -> Option<Lang> {
        let t = text.trim().to_ascii_lowercase().replace('_', "-");
        if t == "en" || t.starts_with("en-") {
            Some(Lang::En)
        } else if t == "pt" || t.starts_with("pt-") {
            Some(Lang::PtBr)
        } else {
            None
        }
    }

    /// The language a POSIX locale name asks for: `pt_BR.UTF-8`, `pt_PT`,
    /// `pt` → Portuguese; anything else (`C`, `POSIX`, `en_US.UTF-8`,
    /// `de_DE`) → English.
    pub fn from_locale(locale: &str) -> Lang {
        let l = locale.trim().to_ascii_lowercase();
        if l == "pt" || l.starts_with("pt_") || l.starts_with("pt-") || l.starts_with("pt.") {
            Lang::PtBr
        } else {
            Lang::En
        }
    }

    /// The decimal separator people expect: `.` in English, `,` in Portuguese.
    pub fn decimal_separator(self) -> char {
        match self {
            Lang::En => '.',
            Lang::PtBr => ',',
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// The process's language, as [`Lang`] discriminant (0 English, 1 Portuguese).
static LANG: AtomicU8 = AtomicU8::new(0);

/// The language chosen for this process (English until [`init`] or
/// [`set_lang`] says otherwise).
pub fn lang() -> Lang {
    match LANG.load(Ordering::Relaxed) {
        1 => Lang::PtBr,
        _ => Lang::En,
    }
}

/// Choose the process's language (tests and [`init`]).
pub fn set_lang(lang: Lang) {
    LANG.store(
        match lang {
            Lang::En => 0,
            Lang::PtBr => 1,
        },
        Ordering::Relaxed,
    );
}

/// The language the environment asks for: the first of `LC_ALL`,
/// `LC_MESSAGES`, `LANG` that is set and not empty decides, as POSIX
/// orders them; none set means English.
pub fn lang_from_env(get: impl Fn(&str) -> Option<String>) -> Lang {
    for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Some(v) = get(var).filter(|v| !v.is_empty()) {
            return Lang::from_locale(&v);
        }
    }
    Lang::En
}

/// The value of `--lang` on a command line (`--lang pt-BR`, `--lang=en`),
/// if any. A value that names no language is left to the argument parser,
/// which reports it as a usage error.
pub fn lang_from_args(args: &[OsString]) -> Option<Lang> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--lang" {
            return it.next().and_then(|v| Lang::parse(&v.to_string_lossy()));
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            return Lang::parse(v);
        }
    }
    None
}

/// Choose the process's language from its command line and environment,
/// before anything is printed (even `--help` is translated). Returns it.
pub fn init() -> Lang {
    let args: Vec<OsString> = std::env::args_os().collect();
    let chosen = lang_from_args(&args).unwrap_or_else(|| lang_from_env(|v| std::env::var(v).ok()));
    set_lang(chosen);
    chosen
}

/// One argument of a message.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg<'a> {
    /// A whole number: shown as digits, and chooses plural forms
    /// (`1 segmento`, `2 segmentos`).
    Int(i64),
    /// Text, shown as it is.
    Str(Cow<'a, str>),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(Cow::Borrowed(s))
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Str(Cow::Borrowed(s.as_str()))
    }
}
impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Str(Cow::Owned(s))
    }
}
impl<'a> From<Cow<'a, str>> for Arg<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        Arg::Str(s)
    }
}
macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                // Fluent keeps numbers as f64: beyond 2^53 digits would be
                // lost, so such a number is passed as its exact text.
                match i64::try_from(n) {
                    Ok(v) if v.unsigned_abs() <= (1u64 << 53) => Arg::Int(v),
                    _ => Arg::Str(Cow::Owned(n.to_string())),
                }
            }
        }
    )*};
}
int_arg!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// A message with its arguments: `t!("capture-listening", addr = a)`.
/// Expands to [`tr`] in the process's language.
#[macro_export]
macro_rules! t {
    ($id:expr) => {
        $crate::i18n::tr($id, &[])
    };
    ($id:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::tr($id, &[$((stringify!($name), $crate::i18n::Arg::from($value))),+])
    };
}

/// A number with `places` decimals, with the language's separator:
/// `1.5` in English, `1,5` in Portuguese. Only for people: JSON keeps `.`.
pub fn decimal(value: f64, places: usize) -> String {
    decimal_in(lang(), value, places)
}

/// [`decimal`] in a given language.
pub fn decimal_in(lang: Lang, value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    match lang.decimal_separator() {
        '.' => text,
        sep => text.replace('.', &sep.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portuguese_locale_means_brazilian_portuguese() {
        for l in ["pt_BR.UTF-8", "pt_BR", "pt", "pt_PT.utf8", "PT_br"] {
            assert_eq!(Lang::from_locale(l), Lang::PtBr, "{l}");
        }
        for l in ["C", "POSIX", "C.UTF-8", "en_US.UTF-8", "de_DE", "", "ptx"] {
            assert_eq!(Lang::from_locale(l), Lang::En, "{l}");
        }
    }

    #[test]
    fn lc_all_then_lc_messages_then_lang_decide() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(lang_from_env(env(&[])), Lang::En);
        assert_eq!(lang_from_env(env(&[("LANG", "pt_BR.UTF-8")])), Lang::PtBr);
        assert_eq!(
            lang_from_env(env(&[("LANG", "pt_BR.UTF-8"), ("LC_ALL", "C")])),
            Lang::En,
            "LC_ALL wins"
        );
        assert_eq!(
            lang_from_env(env(&[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "pt_BR")])),
            Lang::PtBr,
            "LC_MESSAGES before LANG"
        );
        assert_eq!(
            lang_from_env(env(&[("LANG", "pt_BR.UTF-8"), ("LC_ALL", "")])),
            Lang::PtBr,
            "an empty variable is not set"
        );
    }

    #[test]
    fn the_flag_beats_the_environment_and_stops_at_double_dash() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            lang_from_args(&args(&["p", "--lang", "pt-BR"])),
            Some(Lang::PtBr)
        );
        assert_eq!(lang_from_args(&args(&["p", "--lang=en"])), Some(Lang::En));
        assert_eq!(
            lang_from_args(&args(&["p", "--lang", "pt_br"])),
            Some(Lang::PtBr)
        );
        assert_eq!(lang_from_args(&args(&["p", "--port", "5"])), None);
        assert_eq!(lang_from_args(&args(&["p", "--lang", "xx"])), None);
        assert_eq!(
            lang_from_args(&args(&["capture", "--", "tcp_client", "--lang", "pt-BR"])),
            None,
            "a program run under capture has its own command line"
        );
    }

    #[test]
    fn decimals_use_a_comma_in_portuguese_only() {
        assert_eq!(decimal_in(Lang::En, 1.5, 1), "1.5");
        assert_eq!(decimal_in(Lang::PtBr, 1.5, 1), "1,5");
        assert_eq!(decimal_in(Lang::PtBr, 12.0, 0), "12");
        assert_eq!(decimal_in(Lang::PtBr, 0.125, 3), "0,125");
    }

    #[test]
    fn huge_numbers_keep_every_digit() {
        assert_eq!(
            Arg::from(18_446_744_073_709_551_610u64),
            Arg::Str("18446744073709551610".into())
        );
        assert_eq!(Arg::from(5u32), Arg::Int(5));
    }
}
