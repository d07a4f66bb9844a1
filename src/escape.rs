//! Text from outside (packets, socket-call events, chat peers) made safe to
//! print on a terminal. Pure: it imports nothing from the rest of the crate.
//!
//! What must never reach the terminal as it is:
//!
//! - **control characters** (C0, DEL, C1): `ESC [ 2 J` clears the screen,
//!   others move the cursor, change colours or the window title;
//! - **format characters** (Unicode general category Cf), above all the
//!   bidirectional ones: the embeddings and overrides U+202A–202E, the
//!   isolates U+2066–2069 and the marks U+200E, U+200F and U+061C reorder
//!   what follows them on the line, so that a line reads differently from
//!   the bytes that were sent (the "Trojan Source" trick, CVE-2021-42574);
//!   the zero-width ones (U+200B–200D, U+2060, U+FEFF) hide that bytes are
//!   there at all;
//! - the **line and paragraph separators** U+2028 and U+2029, which break a
//!   line where none was sent.
//!
//! Each of them is shown as an escape instead (`\x1b`, `\u{202e}`), so
//! nothing is lost and nothing acts.

use std::fmt::Write as _;

/// Bytes as readable text: printable UTF-8 as is; `\n`, `\r`, `\t`, `\\`,
/// `\"` escaped; other control characters and bytes that are not UTF-8 as
/// `\xNN`; C1 controls, format and bidirectional characters and the line
/// separators as `\u{202e}`. Nothing is lost.
pub fn escape(bytes: &[u8]) -> String {
    escape_max(bytes, usize::MAX)
}

/// [`escape`], cut to at most `max_chars` characters (never inside an
/// escape), followed by `…` when something was cut.
pub fn escape_max(bytes: &[u8], max_chars: usize) -> String {
    escape_with(bytes, max_chars, Quoting::Quoted)
}

/// Text that is already meant for display (the result of a call, as a lab
/// program words it, with its data already escaped in quotes): only what
/// would act on the terminal or hide itself is escaped, as [`escape`] does;
/// quotes and backslashes stay as they are. Cut to at most `max_chars`
/// characters, followed by `…` when something was cut.
pub fn escape_controls(text: &str, max_chars: usize) -> String {
    escape_with(text.as_bytes(), max_chars, Quoting::Kept)
}

/// True for a character that must be escaped before it reaches a terminal:
/// a control character, a format character (bidirectional, zero-width...)
/// or a line or paragraph separator.
pub fn acts_on_terminal(c: char) -> bool {
    c.is_control() || is_format(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Whether `\` and `"` are escaped too (text that will be shown in quotes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Quoted,
    Kept,
}

fn escape_with(bytes: &[u8], max_chars: usize, quoting: Quoting) -> String {
    let mut out = String::with_capacity(bytes.len().min(max_chars).saturating_add(8));
    escape_into_with(&mut out, bytes, max_chars, quoting);
    out
}

/// [`escape_max`] appended to `out` (no `String` of its own: the packet
/// views call it for every packet).
pub fn escape_max_into(out: &mut String, bytes: &[u8], max_chars: usize) {
    escape_into_with(out, bytes, max_chars, Quoting::Quoted);
}

/// True for a byte shown as it is: printable ASCII (without `\` and `"`
/// when those are escaped).
fn plain(b: u8, quoting: Quoting) -> bool {
    (0x20..0x7f).contains(&b) && (quoting == Quoting::Kept || (b != b'\\' && b != b'"'))
}

fn escape_into_with(out: &mut String, bytes: &[u8], max_chars: usize, quoting: Quoting) {
    let mut used = 0usize;
    // One escape at a time, so that its width is known before it is added.
    let mut one = String::new();
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        let raw = valid.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            // A run of printable ASCII is copied at once: it is most text.
            let run = raw[i..].iter().take_while(|&&b| plain(b, quoting)).count();
            if run > 0 {
                let room = max_chars.saturating_sub(used);
                if run > room {
                    out.push_str(&valid[i..i + room]);
                    out.push('…');
                    return;
                }
                out.push_str(&valid[i..i + run]);
                used += run;
                i += run;
                continue;
            }
            let Some(c) = valid[i..].chars().next() else {
                break;
            };
            i += c.len_utf8();
            one.clear();
            escape_char(c, quoting, &mut one);
            // Every escape is ASCII; a character kept as is counts as one.
            let width = if one.is_empty() { 1 } else { one.len() };
            if used.saturating_add(width) > max_chars {
                out.push('…');
                return;
            }
            used += width;
            if one.is_empty() {
                out.push(c);
            } else {
                out.push_str(&one);
            }
        }
        for b in chunk.invalid() {
            if used.saturating_add(4) > max_chars {
                out.push('…');
                return;
            }
            used += 4;
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

/// Write the escape of `c` into `out`, or nothing when `c` is shown as is.
fn escape_char(c: char, quoting: Quoting, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\\' if quoting == Quoting::Quoted => out.push_str("\\\\"),
        '"' if quoting == Quoting::Quoted => out.push_str("\\\""),
        c if c.is_ascii_control() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if acts_on_terminal(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        _ => {}
    }
}

/// The format characters (general category Cf) of Unicode 15.1, as
/// inclusive ranges in order. Cf changes rarely; a character added later
/// shows as itself, as any other new character does.
const FORMAT: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),   // soft hyphen
    (0x0600, 0x0605),   // Arabic number signs
    (0x061C, 0x061C),   // Arabic letter mark (bidirectional)
    (0x06DD, 0x06DD),   // Arabic end of ayah
    (0x070F, 0x070F),   // Syriac abbreviation mark
    (0x0890, 0x0891),   // Arabic pound and piastre marks above
    (0x08E2, 0x08E2),   // Arabic disputed end of ayah
    (0x180E, 0x180E),   // Mongolian vowel separator
    (0x200B, 0x200F),   // zero-width space, (non-)joiner; LRM, RLM
    (0x202A, 0x202E),   // bidirectional embeddings and overrides
    (0x2060, 0x2064),   // word joiner, invisible operators
    (0x2066, 0x206F),   // bidirectional isolates, deprecated format controls
    (0xFEFF, 0xFEFF),   // zero-width no-break space (byte order mark)
    (0xFFF9, 0xFFFB),   // interlinear annotation
    (0x110BD, 0x110BD), // Kaithi number sign
    (0x110CD, 0x110CD), // Kaithi number sign above
    (0x13430, 0x1343F), // Egyptian hieroglyph format controls
    (0x1BCA0, 0x1BCA3), // shorthand format controls
    (0x1D173, 0x1D17A), // musical symbol format controls
    (0xE0001, 0xE0001), // language tag
    (0xE0020, 0xE007F), // tag characters
];

/// True for a format character (Cf).
fn is_format(c: char) -> bool {
    let c = c as u32;
    // Below U+00AD there is none: the common case costs one comparison.
    if c < 0x00AD {
        return false;
    }
    FORMAT
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_shows_every_byte() {
        assert_eq!(escape(b"hello\n"), "hello\\n");
        assert_eq!(escape(b"a\tb\r\n"), "a\\tb\\r\\n");
        assert_eq!(escape(b"say \"hi\" \\o/"), "say \\\"hi\\\" \\\\o/");
        assert_eq!(escape(b"caf\xc3\xa9"), "café", "valid UTF-8 stays as is");
        assert_eq!(
            escape(b"caf\xe9"),
            "caf\\xe9",
            "invalid UTF-8 is escaped, not lost"
        );
        assert_eq!(
            escape(b"\x00\x1b[2J\x7f"),
            "\\x00\\x1b[2J\\x7f",
            "no terminal escapes get through"
        );
        assert_eq!(escape("\u{9b}".as_bytes()), "\\u{9b}", "nor C1 controls");
        assert_eq!(escape(b""), "");
    }

    #[test]
    fn bidirectional_and_format_characters_are_escaped() {
        // "Trojan Source": U+202E makes a terminal show "abc" reversed, so
        // `x\u{202e}cba` would read as "xabc".
        assert_eq!(escape("x\u{202e}cba".as_bytes()), "x\\u{202e}cba");
        for c in [
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{202e}', // embeddings, overrides
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}', // isolates
            '\u{200e}',
            '\u{200f}',
            '\u{061c}', // marks
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{2060}',
            '\u{feff}', // zero-width
            '\u{2028}',
            '\u{2029}', // line and paragraph separators
            '\u{e0001}',
            '\u{e007f}',
            '\u{00ad}',
            '\u{1d173}',
        ] {
            let shown = escape(c.to_string().as_bytes());
            assert_eq!(
                shown,
                format!("\\u{{{:x}}}", c as u32),
                "U+{:04X}",
                c as u32
            );
            assert!(acts_on_terminal(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn ordinary_text_of_every_script_is_kept() {
        for text in [
            "olá, você está aí?",
            "مرحبا",     // Arabic letters are not format characters
            "שלום",      // nor Hebrew ones
            "日本語",    // nor CJK
            "👍 ok",     // nor emoji
            "\u{2065}",  // unassigned between the isolates: kept
            "\u{202f}",  // narrow no-break space (Zs): kept
            "\u{206f}a", // the last deprecated control is escaped, not its neighbour
        ] {
            let shown = escape(text.as_bytes());
            if text == "\u{206f}a" {
                assert_eq!(shown, "\\u{206f}a");
            } else {
                assert_eq!(shown, text);
            }
        }
        assert!(!acts_on_terminal('a'));
        assert!(!acts_on_terminal('\u{ac}'), "the character before U+00AD");
        assert!(!acts_on_terminal('\u{ae}'), "the character after U+00AD");
    }

    #[test]
    fn the_format_table_is_sorted_and_disjoint() {
        // The binary search relies on it.
        for w in FORMAT.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{w:x?}");
        }
    }

    /// The escaping as it was written before runs were copied at once: one
    /// character at a time. The run-copying version must agree with it.
    fn one_char_at_a_time(bytes: &[u8], max_chars: usize, quoting: Quoting) -> String {
        let mut out = String::new();
        let mut used = 0usize;
        let mut one = String::new();
        for chunk in bytes.utf8_chunks() {
            for c in chunk.valid().chars() {
                one.clear();
                escape_char(c, quoting, &mut one);
                let width = if one.is_empty() { 1 } else { one.len() };
                if used.saturating_add(width) > max_chars {
                    out.push('…');
                    return out;
                }
                used += width;
                if one.is_empty() {
                    out.push(c);
                } else {
                    out.push_str(&one);
                }
            }
            for b in chunk.invalid() {
                if used.saturating_add(4) > max_chars {
                    out.push('…');
                    return out;
                }
                used += 4;
                let _ = write!(out, "\\x{b:02x}");
            }
        }
        out
    }

    #[test]
    fn escaping_by_runs_matches_escaping_one_character_at_a_time() {
        // Pieces that start, end and break runs: plain ASCII, quotes,
        // backslashes, controls, DEL, multi-byte characters, a
        // bidirectional override, invalid and truncated UTF-8.
        let pieces: [&[u8]; 12] = [
            b"socklab ",
            b"\"",
            b"\\",
            b"\n",
            b"\x1b[2J",
            b"\x7f",
            "é".as_bytes(),
            "日本".as_bytes(),
            "\u{202e}".as_bytes(),
            b"\xff",
            b"\xe6\x97",
            b"",
        ];
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for a in &pieces {
            for b in &pieces {
                for c in &pieces {
                    inputs.push([*a, *b, *c].concat());
                }
            }
        }
        inputs.push(b"socklab benchmark message\n".repeat(3));
        for input in &inputs {
            for max in [0, 1, 2, 3, 4, 5, 8, 9, 10, 24, 64, usize::MAX] {
                for quoting in [Quoting::Quoted, Quoting::Kept] {
                    let mut fast = String::from("x");
                    escape_into_with(&mut fast, input, max, quoting);
                    let slow = one_char_at_a_time(input, max, quoting);
                    assert_eq!(fast, format!("x{slow}"), "{input:?} max {max}");
                }
            }
        }
        let mut s = String::new();
        escape_max_into(&mut s, b"say \"hi\"", 64);
        assert_eq!(s, escape_max(b"say \"hi\"", 64));
    }

    #[test]
    fn escape_max_cuts_between_escapes() {
        assert_eq!(escape_max(b"hello world", 5), "hello…");
        assert_eq!(
            escape_max(b"hello", 5),
            "hello",
            "exactly full: nothing cut"
        );
        assert_eq!(
            escape_max(b"ab\ncd", 3),
            "ab…",
            "an escape is never cut in half"
        );
        assert_eq!(escape_max(b"\xff\xfe", 4), "\\xff…");
        assert_eq!(
            escape_max("ééé".as_bytes(), 2),
            "éé…",
            "counts characters, not bytes"
        );
        assert_eq!(escape_max(b"anything", 0), "…");
        assert_eq!(
            escape_max("ab\u{202e}cd".as_bytes(), 9),
            "ab…",
            "a bidirectional escape is never cut in half either"
        );
        assert_eq!(escape_max("ab\u{202e}cd".as_bytes(), 10), "ab\\u{202e}…");
    }

    #[test]
    fn escape_controls_keeps_quotes_and_escapes_what_acts() {
        assert_eq!(
            escape_controls("6 bytes \"hi \\\"you\\\"\"", 200),
            "6 bytes \"hi \\\"you\\\"\"",
            "already-escaped data in quotes is left alone"
        );
        assert_eq!(escape_controls("ok\u{1b}[2J", 200), "ok\\x1b[2J");
        assert_eq!(
            escape_controls("ok\u{202e}kcatta", 200),
            "ok\\u{202e}kcatta"
        );
        assert_eq!(escape_controls("a\nb", 200), "a\\nb");
        assert_eq!(escape_controls("abcdef", 3), "abc…");
    }
}
