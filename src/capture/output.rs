//! Standard output written by a thread of its own.
//!
//! A reader that stops reading (a pipe nobody reads, a FIFO whose reader
//! stalled, a terminal paused with Ctrl-S) blocks `write(2)` for as long as
//! it likes. If the capture loop made that call itself, it could not see
//! Ctrl-C, and the packet reader would queue the flood behind it. Here
//! only the writer thread blocks; the loop waits for room in a short queue
//! ([`QUEUED_CHUNKS`] chunks of [`CHUNK`] bytes) and, once Ctrl-C was
//! pressed, gives up after [`GIVE_UP`] with [`blocked`]'s error.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Bytes gathered before they are handed to the writer thread.
pub const CHUNK: usize = 64 * 1024;
/// Chunks waiting for the writer thread: at most 1 MiB of output queued.
pub const QUEUED_CHUNKS: usize = 16;
/// Most bytes the writer thread gathers from the queue into one write.
const COALESCE: usize = 256 * 1024;
/// After Ctrl-C, how long a write waits for a reader that does not read.
pub const GIVE_UP: Duration = Duration::from_millis(400);
/// How often a waiting write looks again for room or for Ctrl-C.
const POLL: Duration = Duration::from_millis(2);

/// What the handles share with the writer thread.
struct Shared {
    /// Set by the Ctrl-C handler.
    interrupted: Arc<AtomicBool>,
    /// When a write first found the output blocked after Ctrl-C.
    blocked_since: Mutex<Option<Instant>>,
    /// The writer thread's error (a closed pipe, a full disk).
    error: Mutex<Option<io::ErrorKind>>,
}

/// The error of a write given up because nobody reads the output.
pub fn blocked() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, crate::t!("capture-output-blocked"))
}

/// The writer thread; [`Stdout`] handles feed it.
pub struct Output {
    tx: Option<SyncSender<Vec<u8>>>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Output {
    /// Start the thread that writes to standard output. `interrupted` is
    /// the flag Ctrl-C sets.
    pub fn start(interrupted: Arc<AtomicBool>) -> Output {
        Output::with_writer(interrupted, io::stdout())
    }

    /// The same over any writer (tests).
    pub fn with_writer(interrupted: Arc<AtomicBool>, out: impl Write + Send + 'static) -> Output {
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(QUEUED_CHUNKS);
        let shared = Arc::new(Shared {
            interrupted,
            blocked_since: Mutex::new(None),
            error: Mutex::new(None),
        });
        let thread = {
            let shared = shared.clone();
            std::thread::spawn(move || {
                let mut out = out;
                while let Ok(mut chunk) = rx.recv() {
                    // A slow reader (a terminal) lets chunks pile up: write
                    // them in one go, one system call instead of many.
                    while chunk.len() < COALESCE {
                        match rx.try_recv() {
                            Ok(more) => chunk.extend_from_slice(&more),
                            Err(_) => break,
                        }
                    }
                    if let Err(e) = out.write_all(&chunk).and_then(|()| out.flush()) {
                        if let Ok(mut err) = shared.error.lock() {
                            *err = Some(e.kind());
                        }
                        // Dropping the receiver tells every handle.
                        return;
                    }
                }
            })
        };
        Output {
            tx: Some(tx),
            shared,
            thread: Some(thread),
        }
    }

    /// A handle to write through (each has its own buffer: flush it to
    /// keep its output in order with the others').
    pub fn handle(&self) -> Stdout {
        Stdout {
            tx: self.tx.clone(),
            shared: self.shared.clone(),
            buf: Vec::with_capacity(CHUNK),
        }
    }

    /// Wait until everything handed over is written (every handle must be
    /// flushed and dropped first). After Ctrl-C, wait at most [`GIVE_UP`].
    pub fn finish(mut self) -> io::Result<()> {
        drop(self.tx.take());
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        let mut since: Option<Instant> = None;
        while !thread.is_finished() {
            if self.shared.interrupted.load(Ordering::SeqCst)
                && since.get_or_insert_with(Instant::now).elapsed() >= GIVE_UP
            {
                // The thread stays blocked in write(2); the process exits.
                return Err(blocked());
            }
            std::thread::sleep(POLL);
        }
        let _ = thread.join();
        match self.shared.error.lock().ok().and_then(|e| *e) {
            Some(kind) => Err(io::Error::new(
                kind,
                crate::t!("capture-output-cannot-write"),
            )),
            None => Ok(()),
        }
    }
}

/// A buffered handle on the output: `Write` for the renderers.
pub struct Stdout {
    tx: Option<SyncSender<Vec<u8>>>,
    shared: Arc<Shared>,
    buf: Vec<u8>,
}

impl Stdout {
    /// Hand the buffer to the writer thread, waiting for room; after
    /// Ctrl-C, give up once the output has been blocked for [`GIVE_UP`].
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let Some(tx) = &self.tx else {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "output closed"));
        };
        let mut chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        loop {
            match tx.try_send(chunk) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(_)) => {
                    let kind = self
                        .shared
                        .error
                        .lock()
                        .ok()
                        .and_then(|e| *e)
                        .unwrap_or(io::ErrorKind::BrokenPipe);
                    return Err(io::Error::new(
                        kind,
                        crate::t!("capture-output-cannot-write"),
                    ));
                }
                Err(TrySendError::Full(back)) => {
                    chunk = back;
                    if self.shared.interrupted.load(Ordering::SeqCst) {
                        let mut since = self.shared.blocked_since.lock().map_err(|_| blocked())?;
                        if since.get_or_insert_with(Instant::now).elapsed() >= GIVE_UP {
                            return Err(blocked());
                        }
                    }
                    std::thread::sleep(POLL);
                }
            }
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that never returns, like a pipe nobody reads.
    struct Stalled;

    impl Write for Stalled {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            loop {
                std::thread::park();
            }
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Collects what was written.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn handles_write_in_flush_order_and_finish_waits_for_everything() {
        let sink = Sink::default();
        let out = Output::with_writer(Arc::new(AtomicBool::new(false)), sink.clone());
        let mut a = out.handle();
        let mut b = out.handle();
        write!(a, "first ").unwrap();
        a.flush().unwrap();
        for i in 0..20_000 {
            write!(b, "{i} ").unwrap();
        }
        b.flush().unwrap();
        drop((a, b));
        out.finish().unwrap();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert!(text.starts_with("first 0 1 2 "));
        assert!(text.ends_with("19999 "));
    }

    #[test]
    fn a_stalled_reader_blocks_writes_only_until_ctrl_c() {
        let interrupted = Arc::new(AtomicBool::new(false));
        let out = Output::with_writer(interrupted.clone(), Stalled);
        let mut h = out.handle();
        let writer = std::thread::spawn(move || {
            // Far more than the queue holds: this blocks until Ctrl-C.
            let r = (0..10_000).try_for_each(|_| h.write_all(&[b'x'; 1024]));
            (r, h)
        });
        std::thread::sleep(Duration::from_millis(100));
        assert!(!writer.is_finished(), "the writes wait for the reader");
        interrupted.store(true, Ordering::SeqCst);
        let (r, h) = writer.join().unwrap();
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::TimedOut);
        drop(h);
        assert_eq!(out.finish().unwrap_err().kind(), io::ErrorKind::TimedOut);
    }
}
