//! The few libc calls that no safe crate offers. The only `unsafe` in socklab.
//!
//! - who we are (`geteuid`) and dropping root after `sudo` (`setgroups`,
//!   `setgid`, `setuid`), as tcpdump's `-Z` does;
//! - waiting on several descriptors at once (`poll`);
//! - the terminal's width (`ioctl(TIOCGWINSZ)`);
//! - the kernel's retransmission counter of a TCP socket (`TCP_INFO`, Linux).

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

/// True when the process runs with an effective user id of 0.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The user that ran `sudo`, from `SUDO_UID`/`SUDO_GID`, when we are root.
pub fn sudo_invoker() -> Option<(u32, u32)> {
    if !is_root() {
        return None;
    }
    let uid: u32 = std::env::var("SUDO_UID").ok()?.parse().ok()?;
    let gid: u32 = std::env::var("SUDO_GID").ok()?.parse().ok()?;
    (uid != 0).then_some((uid, gid))
}

/// Become `uid`/`gid` for good (supplementary groups cleared first).
pub fn drop_privileges(uid: u32, gid: u32) -> io::Result<()> {
    let groups = [gid as libc::gid_t];
    // SAFETY: `groups` is a valid array of one gid for the duration of the call.
    if unsafe { libc::setgroups(1, groups.as_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: plain system calls on integer arguments.
    if unsafe { libc::setgid(gid as libc::gid_t) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above; after this the process can no longer regain root.
    if unsafe { libc::setuid(uid as libc::uid_t) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Wait until one of `fds` is readable or `timeout` passes. Returns, for each
/// descriptor, whether it is readable. EINTR counts as a timeout.
pub fn poll_readable(fds: &[RawFd], timeout: Duration) -> io::Result<Vec<bool>> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let ms = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
    // SAFETY: `pfds` is a valid, exclusively borrowed array of `pfds.len()` pollfd.
    let n = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(vec![false; fds.len()]);
        }
        return Err(e);
    }
    Ok(pfds.iter().map(|p| p.revents != 0).collect())
}

/// Columns of the terminal on `fd`, if it is one.
pub fn terminal_width(fd: RawFd) -> Option<usize> {
    // SAFETY: winsize is plain old data; zeroed is a valid value.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ writes one winsize into the pointer we pass.
    let r = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) };
    (r == 0 && ws.ws_col > 0).then_some(ws.ws_col as usize)
}

/// The kernel's count of retransmitted segments on a TCP socket
/// (`tcpi_total_retrans` of `TCP_INFO`). Linux only.
#[cfg(target_os = "linux")]
pub fn tcp_total_retrans(fd: RawFd) -> io::Result<u32> {
    // SAFETY: tcp_info is plain old data; zeroed is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: we pass a buffer of `len` bytes and its length; the kernel
    // writes at most that many and updates `len`.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info.tcpi_total_retrans)
}

/// The kernel's count of retransmitted segments (not available here).
#[cfg(not(target_os = "linux"))]
pub fn tcp_total_retrans(_fd: RawFd) -> io::Result<u32> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "TCP_INFO retransmission counters are read on Linux only",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_times_out_on_a_quiet_socket_and_sees_data() {
        use std::os::fd::AsRawFd;
        let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let r = poll_readable(&[a.as_raw_fd()], Duration::from_millis(10)).unwrap();
        assert_eq!(r, vec![false]);
        a.send_to(b"x", a.local_addr().unwrap()).unwrap();
        let r = poll_readable(&[a.as_raw_fd()], Duration::from_secs(5)).unwrap();
        assert_eq!(r, vec![true]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn tcp_info_reads_zero_retransmissions_on_a_fresh_connection() {
        use std::os::fd::AsRawFd;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        assert_eq!(tcp_total_retrans(c.as_raw_fd()).unwrap(), 0);
    }
}

// ---------------------------------------------------------------------------
// Kernel tracing (src/kernel): clocks to put trace times on the pcap's clock,
// and mounting tracefs where it is not mounted yet. Linux only.
// ---------------------------------------------------------------------------

/// A clock of `clock_gettime`.
#[cfg(target_os = "linux")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// `CLOCK_REALTIME`: the pcap's timestamps.
    Realtime,
    /// `CLOCK_MONOTONIC`: the trace clock `mono`.
    Monotonic,
    /// `CLOCK_TAI`: the trace clock `tai` (realtime plus the TAI offset).
    Tai,
}

/// Nanoseconds on `clock` (0 if the kernel cannot read it).
#[cfg(target_os = "linux")]
pub fn clock_ns(clock: Clock) -> u64 {
    let id = match clock {
        Clock::Realtime => libc::CLOCK_REALTIME,
        Clock::Monotonic => libc::CLOCK_MONOTONIC,
        Clock::Tai => libc::CLOCK_TAI,
    };
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, exclusively borrowed timespec.
    if unsafe { libc::clock_gettime(id, &mut ts) } != 0 {
        return 0;
    }
    (ts.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(ts.tv_nsec as u64)
}

/// Mount tracefs on `target` (`mount -t tracefs nodev TARGET`).
#[cfg(target_os = "linux")]
pub fn mount_tracefs(target: &std::path::Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let target = std::ffi::CString::new(target.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in mount point"))?;
    let fstype = c"tracefs";
    let source = c"nodev";
    // SAFETY: every pointer is a NUL-terminated string that lives across
    // the call; no data argument.
    let r = unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            std::ptr::null(),
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
