//! The browser view's renderer: the `--json -v` objects, one per event,
//! into the shared history.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::Arc;

use super::hub::Hub;
use crate::render::json::JsonRender;
use crate::render::{End, Item, Render};

/// What the JSON renderer writes, taken line by line.
#[derive(Clone, Default)]
struct Lines(Rc<RefCell<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Feeds the browsers: the same objects as `--json -v`, in time order.
pub struct WebRender {
    json: JsonRender<Lines>,
    lines: Lines,
    hub: Arc<Hub>,
}

impl WebRender {
    /// A renderer writing into `hub`.
    pub fn new(hub: Arc<Hub>) -> Self {
        let lines = Lines::default();
        WebRender {
            json: JsonRender::new(lines.clone()).with_headers(),
            lines,
            hub,
        }
    }

    /// Hand every complete line written so far to the history.
    fn publish(&mut self) {
        let bytes = std::mem::take(&mut *self.lines.0.borrow_mut());
        for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            self.hub.push(&String::from_utf8_lossy(line));
        }
    }
}

impl Render for WebRender {
    fn item(&mut self, item: &Item) -> io::Result<()> {
        self.json.item(item)?;
        self.publish();
        Ok(())
    }

    fn end(&mut self, end: &End) -> io::Result<()> {
        self.json.end(end)?;
        self.publish();
        self.hub.end();
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
