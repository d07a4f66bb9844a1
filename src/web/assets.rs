//! The page, built into the binary: no build step, nothing fetched from
//! the network, so it works offline and on a projector's laptop.

use std::borrow::Cow;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/app.css");

/// The page's own `lang` attribute, replaced by the page's language.
const INDEX_LANG: &str = "<html lang=\"en\">";

/// The content type and body served at `path`, if any; the page says it
/// is in `lang` (`en`, `pt-BR`: capture's language, one of ours, never
/// text from outside).
pub fn find(path: &str, lang: &str) -> Option<(&'static str, Cow<'static, [u8]>)> {
    match path {
        "/" | "/index.html" => {
            let page = match lang {
                "en" => Cow::Borrowed(INDEX.as_bytes()),
                other => {
                    let tag = crate::i18n::Lang::parse(other).unwrap_or_default().tag();
                    let html = INDEX.replacen(INDEX_LANG, &format!("<html lang=\"{tag}\">"), 1);
                    Cow::Owned(html.into_bytes())
                }
            };
            Some(("text/html; charset=utf-8", page))
        }
        "/app.js" => Some(("text/javascript; charset=utf-8", SCRIPT.as_bytes().into())),
        "/app.css" => Some(("text/css; charset=utf-8", STYLE.as_bytes().into())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_says_which_language_it_is_in() {
        let (_, en) = find("/", "en").unwrap();
        assert!(String::from_utf8_lossy(&en).contains("<html lang=\"en\">"));
        let (_, pt) = find("/", "pt-BR").unwrap();
        let pt = String::from_utf8_lossy(&pt).into_owned();
        assert!(pt.contains("<html lang=\"pt-BR\">"), "{pt}");
        assert!(!pt.contains("lang=\"en\""));
    }
}
