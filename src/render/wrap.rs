//! Text laid out in columns: display width and word wrapping.
//!
//! A terminal cell is not a `char`: `"日本"` takes four cells, a combining
//! accent none. Every view that must keep inside the terminal's width (the
//! ladder, the summary table) measures with [`width`] and breaks lines with
//! [`wrap`], which never cuts anything: words go onto the next line whole,
//! and only a word longer than the whole line is split, every character
//! kept.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How many terminal cells `s` takes.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The longest word of `s` (what a column must hold so that [`wrap`] never
/// has to split a word).
pub fn longest_word(s: &str) -> usize {
    s.split(' ').map(width).max().unwrap_or(0)
}

/// `s` broken into lines of at most `max` cells, at spaces. A word longer
/// than `max` is split across lines (nothing is dropped). At least one
/// line, even for an empty `s`.
pub fn wrap(s: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let w = width(word);
        let need = if used == 0 { w } else { used + 1 + w };
        if need <= max {
            if used > 0 {
                line.push(' ');
            }
            line.push_str(word);
            used = need;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if w <= max {
            line.push_str(word);
            used = w;
            continue;
        }
        // A word wider than the line: split it, keeping every character.
        for c in word.chars() {
            let cw = UnicodeWidthChar::width(c).unwrap_or(0);
            if used + cw > max && used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    if used > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `s` and spaces after it, `cells` wide in all (`s` must fit).
pub fn pad_right(s: &str, cells: usize) -> String {
    format!("{s}{}", " ".repeat(cells.saturating_sub(width(s))))
}

/// Spaces and `s` after them, `cells` wide in all (`s` must fit).
pub fn pad_left(s: &str, cells: usize) -> String {
    format!("{}{s}", " ".repeat(cells.saturating_sub(width(s))))
}

/// `s` in the middle of `cells` cells.
pub fn center(s: &str, cells: usize) -> String {
    let room = cells.saturating_sub(width(s));
    format!("{}{s}{}", " ".repeat(room / 2), " ".repeat(room - room / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_never_drops_a_character() {
        assert_eq!(
            wrap("accept() -> new socket 127.0.0.1:5000", 16),
            ["accept() -> new", "socket", "127.0.0.1:5000"]
        );
        assert_eq!(wrap("short", 16), ["short"]);
        assert_eq!(wrap("", 16), [""]);
        // Only a word longer than the line is split, and nothing is lost.
        let lines = wrap("recv() -> \"abcdefghijklmnop\"", 8);
        assert!(lines.iter().all(|l| width(l) <= 8), "{lines:?}");
        assert_eq!(
            lines.concat().replace(' ', ""),
            "recv()->\"abcdefghijklmnop\""
        );
    }

    #[test]
    fn wide_characters_count_twice() {
        assert_eq!(width("日本"), 4);
        let lines = wrap("日本語のテキスト", 6);
        assert!(lines.iter().all(|l| width(l) <= 6), "{lines:?}");
        assert_eq!(lines.concat(), "日本語のテキスト");
        assert_eq!(pad_left("日本", 6), "  日本");
        assert_eq!(center("ab", 6), "  ab  ");
        assert_eq!(longest_word("a bcd ef"), 3);
    }
}
