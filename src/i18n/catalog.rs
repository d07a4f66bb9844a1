//! The message catalogues, compiled into the binary, and the lookup.
//!
//! Each language is a list of Fluent files, one per part of socklab, so
//! that the part's messages sit together. A message missing in the chosen
//! language falls back to English, then to its identifier (the catalogue
//! tests make sure neither happens).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;

use super::{lang, Arg, Lang};

/// One catalogue file: its name (for error messages) and its text.
type Source = (&'static str, &'static str);

/// The English catalogue, file by file.
const EN: &[Source] = &[
    ("common.ftl", include_str!("en/common.ftl")),
    ("lab.ftl", include_str!("en/lab.ftl")),
    ("chat.ftl", include_str!("en/chat.ftl")),
    ("notes.ftl", include_str!("en/notes.ftl")),
    ("capture.ftl", include_str!("en/capture.ftl")),
    ("experiment.ftl", include_str!("en/experiment.ftl")),
    ("twohost.ftl", include_str!("en/twohost.ftl")),
];

/// The Brazilian Portuguese catalogue: the same files, plus the `--help`
/// texts (in English they are the doc comments of each program's `Args`).
const PT_BR: &[Source] = &[
    ("common.ftl", include_str!("pt-BR/common.ftl")),
    ("lab.ftl", include_str!("pt-BR/lab.ftl")),
    ("chat.ftl", include_str!("pt-BR/chat.ftl")),
    ("notes.ftl", include_str!("pt-BR/notes.ftl")),
    ("capture.ftl", include_str!("pt-BR/capture.ftl")),
    ("experiment.ftl", include_str!("pt-BR/experiment.ftl")),
    ("twohost.ftl", include_str!("pt-BR/twohost.ftl")),
    ("help.ftl", include_str!("pt-BR/help.ftl")),
];

/// The files of `lang`'s catalogue.
pub fn sources(lang: Lang) -> &'static [Source] {
    match lang {
        Lang::En => EN,
        Lang::PtBr => PT_BR,
    }
}

/// Both languages' bundles, built once per process on first use.
pub struct Catalog {
    en: FluentBundle<FluentResource>,
    pt_br: FluentBundle<FluentResource>,
}

impl Catalog {
    fn build(lang: Lang) -> FluentBundle<FluentResource> {
        let id: unic_langid::LanguageIdentifier = lang
            .tag()
            .parse()
            .unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // No Unicode isolation marks around arguments: they are format
        // characters, which a terminal would show escaped or not at all.
        bundle.set_use_isolating(false);
        for (name, text) in sources(lang) {
            // A syntax error is caught by the catalogue tests; at run time
            // the entries that did parse are still used.
            let resource = match FluentResource::try_new((*text).to_string()) {
                Ok(r) => r,
                Err((r, _errors)) => {
                    debug_assert!(false, "syntax error in {}/{name}", lang.tag());
                    r
                }
            };
            // A duplicate identifier keeps the first definition.
            let _ = bundle.add_resource(resource);
        }
        bundle
    }

    /// The catalogue of this process.
    pub fn get() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog {
            en: Catalog::build(Lang::En),
            pt_br: Catalog::build(Lang::PtBr),
        })
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::En => &self.en,
            Lang::PtBr => &self.pt_br,
        }
    }

    /// Message `id` in `lang`, if that catalogue has it.
    pub fn format(&self, lang: Lang, id: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
        let bundle = self.bundle(lang);
        let pattern = bundle.get_message(id)?.value()?;
        let mut fargs = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            match value {
                Arg::Int(n) => fargs.set(*name, FluentValue::from(*n as f64)),
                Arg::Str(s) => fargs.set(*name, FluentValue::from(s.as_ref())),
            }
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
        Some(text.into_owned())
    }
}

/// Message `id` with `args` in the process's language ([`lang`]).
pub fn tr(id: &str, args: &[(&str, Arg<'_>)]) -> String {
    tr_in(lang(), id, args)
}

/// Message `id` with `args` in `lang`; English if `lang`'s catalogue lacks
/// it, the identifier itself if both do.
pub fn tr_in(lang: Lang, id: &str, args: &[(&str, Arg<'_>)]) -> String {
    let catalog = Catalog::get();
    catalog
        .format(lang, id, args)
        .or_else(|| catalog.format(Lang::En, id, args))
        .unwrap_or_else(|| id.to_string())
}

/// Whether `lang`'s catalogue has message `id`.
pub fn has_message(lang: Lang, id: &str) -> bool {
    Catalog::get().bundle(lang).has_message(id)
}

/// Every message identifier of `lang`'s catalogue, with the file it is in.
pub fn message_ids(lang: Lang) -> Vec<(&'static str, String)> {
    let mut ids = Vec::new();
    for (name, text) in sources(lang) {
        let resource = match fluent_syntax::parser::parse(*text) {
            Ok(r) => r,
            Err((r, _)) => r,
        };
        for entry in resource.body {
            if let ast::Entry::Message(m) = entry {
                ids.push((*name, m.id.name.to_string()));
            }
        }
    }
    ids
}

/// The variables (`$name`) message `id` of `lang` uses, including those
/// of its variants and of the terms and messages it refers to.
pub fn message_variables(lang: Lang, id: &str) -> Option<BTreeSet<String>> {
    for (_, text) in sources(lang) {
        let resource = match fluent_syntax::parser::parse(*text) {
            Ok(r) => r,
            Err((r, _)) => r,
        };
        for entry in &resource.body {
            if let ast::Entry::Message(m) = entry {
                if m.id.name == id {
                    let mut vars = BTreeSet::new();
                    if let Some(p) = &m.value {
                        pattern_vars(p, &mut vars);
                    }
                    return Some(vars);
                }
            }
        }
    }
    None
}

fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for el in &p.elements {
        if let ast::PatternElement::Placeable { expression } = el {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, vars),
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, vars);
            }
            for a in &arguments.named {
                inline_vars(&a.value, vars);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_file_parses() {
        for lang in Lang::ALL {
            for (name, text) in sources(lang) {
                if let Err((_, errors)) = fluent_syntax::parser::parse(*text) {
                    panic!("{}/{name}: {errors:?}", lang.tag());
                }
            }
        }
    }

    #[test]
    fn every_message_exists_in_both_languages_with_the_same_arguments() {
        // help.ftl is Portuguese only: in English the help texts are the
        // doc comments of each program's arguments (see `i18n::help`).
        let en: Vec<_> = message_ids(Lang::En);
        let pt: Vec<_> = message_ids(Lang::PtBr)
            .into_iter()
            .filter(|(file, _)| *file != "help.ftl")
            .collect();
        let en_ids: BTreeSet<_> = en.iter().map(|(_, id)| id.clone()).collect();
        let pt_ids: BTreeSet<_> = pt.iter().map(|(_, id)| id.clone()).collect();
        let only_en: Vec<_> = en_ids.difference(&pt_ids).collect();
        let only_pt: Vec<_> = pt_ids.difference(&en_ids).collect();
        assert!(only_en.is_empty(), "missing in pt-BR: {only_en:?}");
        assert!(only_pt.is_empty(), "missing in en: {only_pt:?}");
        for id in &en_ids {
            let a = message_variables(Lang::En, id);
            let b = message_variables(Lang::PtBr, id);
            assert_eq!(
                a, b,
                "message {id} takes different arguments in en and pt-BR"
            );
        }
        // No identifier twice (Fluent would keep only the first).
        for lang in Lang::ALL {
            let mut seen = BTreeSet::new();
            for (file, id) in message_ids(lang) {
                assert!(
                    seen.insert(id.clone()),
                    "{id} defined twice in {} ({file})",
                    lang.tag()
                );
            }
        }
    }

    #[test]
    fn plurals_follow_each_language() {
        assert_eq!(
            tr_in(Lang::En, "common-segments", &[("n", Arg::Int(1))]),
            "1 segment"
        );
        assert_eq!(
            tr_in(Lang::En, "common-segments", &[("n", Arg::Int(2))]),
            "2 segments"
        );
        assert_eq!(
            tr_in(Lang::PtBr, "common-segments", &[("n", Arg::Int(1))]),
            "1 segmento"
        );
        assert_eq!(
            tr_in(Lang::PtBr, "common-segments", &[("n", Arg::Int(2))]),
            "2 segmentos"
        );
        assert_eq!(
            tr_in(Lang::PtBr, "common-segments", &[("n", Arg::Int(0))]),
            "0 segmentos"
        );
    }

    #[test]
    fn a_missing_message_falls_back_to_english_then_to_its_name() {
        assert_eq!(tr_in(Lang::PtBr, "no-such-message", &[]), "no-such-message");
    }
}
