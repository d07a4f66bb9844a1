//! The edges of the capture tool: the libpcap source (live interface or
//! file, one code path over `pcap::Activated`), the pcap writer, privilege
//! handling, and the loop ([`run`]) that feeds the pure
//! [`timeline`](crate::timeline) and hands its items to `render`.

use std::os::fd::RawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pcap::{Activated, Capture};

use crate::wire::LinkType;

pub mod children;
pub mod demo;
pub mod output;
pub mod run;

/// How many bytes of each packet to keep (tcpdump's default).
pub const SNAPLEN: i32 = 262_144;
/// Kernel buffer for a live capture: big enough that a loopback flood of
/// 100,000 packets a second is not dropped while we print.
pub const BUFFER_BYTES: i32 = 32 * 1024 * 1024;

/// Without immediate mode, the longest a packet waits before delivery.
pub const BLOCK_TIMEOUT_MS: i32 = 100;

/// The loopback interface's name on this system.
pub fn default_interface() -> &'static str {
    if cfg!(any(
        target_os = "macos",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        "lo0"
    } else {
        "lo"
    }
}

/// Why the capture could not start or go on. Its message, in the
/// process's language, says what to do.
#[derive(Debug)]
pub enum CaptureError {
    Permission { iface: String, exe: String },
    NoSuchInterface { iface: String },
    Open { iface: String, message: String },
    FileMissing { path: PathBuf },
    File { path: PathBuf, message: String },
    Filter { filter: String, message: String },
    Write { path: PathBuf, message: String },
    Read(String),
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::t;
        let text = match self {
            CaptureError::Permission { iface, exe } => {
                t!("capture-err-permission", iface = iface, exe = exe)
            }
            CaptureError::NoSuchInterface { iface } => t!(
                "capture-err-no-interface",
                iface = iface,
                default = default_interface()
            ),
            CaptureError::Open { iface, message } => {
                t!("capture-err-open", iface = iface, message = message)
            }
            CaptureError::FileMissing { path } => {
                t!(
                    "capture-err-file-missing",
                    path = path.display().to_string()
                )
            }
            CaptureError::File { path, message } => t!(
                "capture-err-file",
                path = path.display().to_string(),
                message = message
            ),
            CaptureError::Filter { filter, message } => t!(
                "capture-err-filter",
                filter = format!("{filter:?}"),
                message = message
            ),
            CaptureError::Write { path, message } => t!(
                "capture-err-write",
                path = path.display().to_string(),
                message = message
            ),
            CaptureError::Read(message) => t!("capture-err-read", message = message),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for CaptureError {}

impl CaptureError {
    /// Bad filters are usage errors (exit 2); the rest are runtime failures.
    pub fn is_usage(&self) -> bool {
        matches!(self, CaptureError::Filter { .. })
    }
}

/// One packet as read: when, the bytes captured, and its length on the wire.
#[derive(Debug)]
pub struct RawPacket<'a> {
    /// Realtime timestamp, since the Unix epoch.
    pub t: Duration,
    pub data: &'a [u8],
    pub wire_len: u32,
}

/// What [`Source::next`] found.
#[derive(Debug)]
pub enum Next<'a> {
    Packet(RawPacket<'a>, &'a pcap::PacketHeader),
    /// Nothing to read right now (live capture only).
    Idle,
    /// End of the file.
    End,
}

/// Kernel counters of a live capture (defined with the other counters, in
/// the timeline, so that renderers need nothing from here).
pub use crate::timeline::Stats;

/// A packet source: a live interface or a pcap file.
pub struct Source {
    cap: Capture<dyn Activated>,
    /// The descriptor to poll (live captures only).
    fd: Option<RawFd>,
    live: bool,
    name: String,
}

impl Source {
    /// Open `iface` for a live capture, non-blocking so the caller can also
    /// wait on other descriptors.
    ///
    /// `immediate`: each packet is delivered the moment it arrives — what a
    /// person watching wants. On Linux this makes libpcap use a ring of
    /// fixed-size slots (TPACKET_V2), each as large as the snapshot length,
    /// so the ring holds few packets and a flood can overflow it. Without it
    /// (TPACKET_V3), packets are delivered in blocks at most
    /// [`BLOCK_TIMEOUT_MS`] late and the ring holds far more: what `-w` or
    /// output to a file wants.
    pub fn live(
        iface: &str,
        filter: Option<&str>,
        immediate: bool,
    ) -> Result<Source, CaptureError> {
        let open_err = |e: pcap::Error| classify_open_error(iface, e);
        let inactive = Capture::from_device(iface).map_err(open_err)?;
        let active = inactive
            .snaplen(SNAPLEN)
            .immediate_mode(immediate)
            .buffer_size(BUFFER_BYTES)
            .timeout(BLOCK_TIMEOUT_MS)
            .open()
            .map_err(open_err)?
            .setnonblock()
            .map_err(open_err)?;
        use std::os::fd::AsRawFd;
        let fd = active.as_raw_fd();
        let mut src = Source {
            cap: active.into(),
            fd: Some(fd),
            live: true,
            name: iface.to_string(),
        };
        src.apply_filter(filter)?;
        Ok(src)
    }

    /// Open a pcap (or pcapng) file.
    pub fn file(path: &Path, filter: Option<&str>) -> Result<Source, CaptureError> {
        if !path.exists() {
            return Err(CaptureError::FileMissing {
                path: path.to_path_buf(),
            });
        }
        let cap = Capture::from_file(path).map_err(|e| CaptureError::File {
            path: path.to_path_buf(),
            message: pcap_message(&e),
        })?;
        let mut src = Source {
            cap: cap.into(),
            fd: None,
            live: false,
            name: path.display().to_string(),
        };
        src.apply_filter(filter)?;
        Ok(src)
    }

    fn apply_filter(&mut self, filter: Option<&str>) -> Result<(), CaptureError> {
        if let Some(f) = filter {
            self.cap.filter(f, true).map_err(|e| CaptureError::Filter {
                filter: f.to_string(),
                message: pcap_message(&e),
            })?;
        }
        Ok(())
    }

    /// True for an interface, false for a file.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The interface name or the file path.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The link-layer type of every packet from this source.
    pub fn link_type(&self) -> LinkType {
        LinkType::from_dlt(self.cap.get_datalink().0)
    }

    /// The descriptor to poll for a live capture.
    pub fn fd(&self) -> Option<RawFd> {
        self.fd
    }

    /// The next packet, `Idle` when a live capture has nothing, `End` at the
    /// end of a file.
    pub fn next_packet(&mut self) -> Result<Next<'_>, CaptureError> {
        match self.cap.next_packet() {
            Ok(p) => {
                let h: &pcap::PacketHeader = p.header;
                let t = Duration::new(
                    h.ts.tv_sec.max(0) as u64,
                    (h.ts.tv_usec.max(0) as u32).min(999_999) * 1000,
                );
                Ok(Next::Packet(
                    RawPacket {
                        t,
                        data: p.data,
                        wire_len: h.len,
                    },
                    h,
                ))
            }
            Err(pcap::Error::TimeoutExpired) => Ok(Next::Idle),
            Err(pcap::Error::NoMorePackets) => Ok(Next::End),
            Err(e) => {
                let msg = pcap_message(&e);
                // A truncated last record in a file: treat as the end, as tcpdump does,
                // but say so.
                if !self.live && msg.contains("truncated") {
                    return Err(CaptureError::File {
                        path: PathBuf::from(&self.name),
                        message: msg,
                    });
                }
                Err(CaptureError::Read(msg))
            }
        }
    }

    /// Kernel counters (live captures only).
    pub fn stats(&mut self) -> Option<Stats> {
        if !self.live {
            return None;
        }
        self.cap.stats().ok().map(|s| Stats {
            received: s.received,
            dropped: s.dropped,
            if_dropped: s.if_dropped,
        })
    }

    /// A pcap writer with this source's link type.
    pub fn writer(&self, path: &Path) -> Result<Writer, CaptureError> {
        let save = self.cap.savefile(path).map_err(|e| CaptureError::Write {
            path: path.to_path_buf(),
            message: pcap_message(&e),
        })?;
        Ok(Writer { save })
    }
}

/// Writes raw packets to a pcap file that tcpdump, tshark and Wireshark open.
pub struct Writer {
    save: pcap::Savefile,
}

impl Writer {
    /// Append one packet exactly as captured.
    pub fn write(&mut self, header: &pcap::PacketHeader, data: &[u8]) {
        self.save.write(&pcap::Packet::new(header, data));
    }

    /// Push buffered packets to the file.
    pub fn flush(&mut self) -> Result<(), CaptureError> {
        self.save
            .flush()
            .map_err(|e| CaptureError::Read(pcap_message(&e)))
    }
}

fn pcap_message(e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(s) => s.clone(),
        other => other.to_string(),
    }
}

fn classify_open_error(iface: &str, e: pcap::Error) -> CaptureError {
    let msg = pcap_message(&e);
    let lower = msg.to_lowercase();
    if lower.contains("permission") || lower.contains("operation not permitted") {
        let exe = std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "target/release/capture".into());
        CaptureError::Permission {
            iface: iface.to_string(),
            exe,
        }
    } else if lower.contains("no such device") || lower.contains("doesn't exist") {
        CaptureError::NoSuchInterface {
            iface: iface.to_string(),
        }
    } else {
        CaptureError::Open {
            iface: iface.to_string(),
            message: msg,
        }
    }
}

/// When started as root through sudo, become the invoking user again now
/// that the capture is open (as tcpdump's `-Z` does), in every mode. Returns
/// the user id we dropped to, so the caller can say so. A `SUDO_UID` that
/// cannot be used (or a group that cannot be found) is an error: capture
/// never stays root by accident.
pub fn drop_sudo_privileges() -> std::io::Result<Option<u32>> {
    match crate::sys::sudo_invoker()? {
        Some(who) => crate::sys::drop_privileges(who.uid, who.gid).map(|()| Some(who.uid)),
        None => Ok(None),
    }
}
