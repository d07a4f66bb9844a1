//! `--conn N`: one connection (or UDP flow) in every view.
//!
//! [`Only`] stands in front of the renderers and hands them only the items
//! of the chosen conversation, and only its row of the summary, so the
//! text, the JSON lines, the ladder and the SVG all show the same one.

use std::io;

use super::{End, Item, Render};
use crate::timeline::Conversation;

/// `3`, `#3` (TCP connection 3) or `u2` (UDP flow 2), as the views write
/// them.
pub fn parse_conversation(s: &str) -> Result<Conversation, String> {
    let s = s.trim();
    let (udp, digits) = match s.strip_prefix(['u', 'U']) {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('#').unwrap_or(s)),
    };
    match digits.parse::<u64>() {
        Ok(n) if n > 0 && udp => Ok(Conversation::Udp(n)),
        Ok(n) if n > 0 => Ok(Conversation::Tcp(n)),
        _ => Err(crate::t!(
            "capture-err-not-a-conversation",
            text = format!("{s:?}")
        )),
    }
}

/// Passes on only the items of one connection or flow.
pub struct Only<R: Render> {
    inner: R,
    want: Conversation,
    seen: bool,
}

impl<R: Render> Only<R> {
    /// `inner` sees only `want`.
    pub fn new(inner: R, want: Conversation) -> Self {
        Only {
            inner,
            want,
            seen: false,
        }
    }
}

impl<R: Render> Render for Only<R> {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        if item.conversation() != Some(self.want) {
            return Ok(());
        }
        self.seen = true;
        self.inner.item(item)
    }

    fn end(&mut self, end: &End) -> io::Result<()> {
        if !self.seen {
            let text = match self.want {
                Conversation::Tcp(n) => crate::t!("capture-err-no-connection", n = n),
                Conversation::Udp(n) => crate::t!("capture-err-no-flow", n = n),
            };
            return Err(io::Error::new(io::ErrorKind::NotFound, text));
        }
        let mut only = End {
            connections: end
                .connections
                .iter()
                .filter(|s| Conversation::Tcp(s.conn) == self.want)
                .cloned()
                .collect(),
            more_connections: 0,
            totals: end.totals.clone(),
        };
        only.connections.truncate(1);
        self.inner.end(&only)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_the_views_write_them() {
        assert_eq!(parse_conversation("3"), Ok(Conversation::Tcp(3)));
        assert_eq!(parse_conversation("#3"), Ok(Conversation::Tcp(3)));
        assert_eq!(parse_conversation("u2"), Ok(Conversation::Udp(2)));
        for bad in ["", "0", "u", "#-1", "x3", "3.5", "u0"] {
            assert!(parse_conversation(bad).is_err(), "{bad:?}");
        }
    }
}
