//! The few libc calls that no safe crate offers. The only `unsafe` in socklab.
//!
//! - who we are (`geteuid`) and dropping root after `sudo` (`setgroups`,
//!   `setgid`, `setuid`, the group from `getpwuid_r`), as tcpdump's `-Z` does;
//! - the events socket: the sender's credentials from the kernel
//!   (`SO_PASSCRED`, `recvmsg` with `SCM_CREDENTIALS`) and the socket
//!   file's mode at creation (`umask`);
//! - waiting on several descriptors at once (`poll`);
//! - the terminal's width (`ioctl(TIOCGWINSZ)`);
//! - the kernel's retransmission counter of a TCP socket (`TCP_INFO`, Linux);
//! - the limit on open file descriptors (`getrlimit`/`setrlimit(RLIMIT_NOFILE)`);
//! - at the end, in their own section: namespaces (`unshare`, `setns`,
//!   `mount`), `AF_PACKET` sockets for the link emulator, interface
//!   offloads and flags (`ioctl`), a child's death signal, and the
//!   credentials of a Unix-socket peer (Linux, issue 14).

use std::io;
use std::os::fd::RawFd;
use std::time::Duration;

// ---------------------------------------------------------------------------
// Who we are, and dropping root after sudo
// ---------------------------------------------------------------------------

/// True when the process runs with an effective user id of 0.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The real user id of this process.
pub fn real_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// The effective user id of this process (the owner of what it creates).
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The user this process works for: the one who ran `sudo` when we are
/// root through sudo (a valid, non-zero `SUDO_UID`), otherwise our real
/// user id. Both sides of the events socket use it to find each other.
pub fn invoking_uid() -> u32 {
    if is_root() {
        if let Some(uid) = std::env::var("SUDO_UID")
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
            .filter(|&uid| uid != 0)
        {
            return uid;
        }
    }
    real_uid()
}

/// The user who ran `sudo`, to become again once root is no longer needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invoker {
    pub uid: u32,
    pub gid: u32,
}

/// The user that ran `sudo`, when we are root: the user id from
/// `SUDO_UID`, the group from `SUDO_GID` or, when that is missing or not a
/// number, from the user's passwd entry. `Ok(None)` when there is no one
/// to go back to (not root, no `SUDO_UID`, or sudo run by root itself).
/// An error when `SUDO_UID` is set but unusable: the caller must then
/// refuse to go on rather than silently stay root.
pub fn sudo_invoker() -> io::Result<Option<Invoker>> {
    if !is_root() {
        return Ok(None);
    }
    let Some(raw_uid) = std::env::var_os("SUDO_UID") else {
        return Ok(None);
    };
    let Some(uid) = raw_uid.to_str().and_then(|s| s.parse::<u32>().ok()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            crate::t!("common-sudo-uid-bad", raw = format!("{raw_uid:?}")),
        ));
    };
    if uid == 0 {
        return Ok(None);
    }
    let from_env = std::env::var("SUDO_GID")
        .ok()
        .and_then(|s| s.parse::<u32>().ok());
    let gid = match from_env {
        Some(gid) => gid,
        None => passwd_gid(uid)?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                crate::t!("common-sudo-gid-missing", uid = uid.to_string()),
            )
        })?,
    };
    Ok(Some(Invoker { uid, gid }))
}

/// The primary group of user `uid` from its passwd entry (`getpwuid_r`),
/// or `None` when the user has no entry.
pub fn passwd_gid(uid: u32) -> io::Result<Option<u32>> {
    // Big enough for any sane entry; grown on ERANGE up to MAX.
    const FIRST: usize = 1024;
    const MAX: usize = 1 << 20;
    let mut size = FIRST;
    loop {
        let mut buf = vec![0 as libc::c_char; size];
        // SAFETY: passwd is plain old data (integers and pointers); zeroed is valid.
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call and `buf` is `size`
        // bytes long; the strings the entry points to live in `buf`, which
        // we do not read (only the integer `pw_gid`).
        let r = unsafe {
            libc::getpwuid_r(
                uid as libc::uid_t,
                &mut entry,
                buf.as_mut_ptr(),
                buf.len(),
                &mut found,
            )
        };
        match r {
            0 if found.is_null() => return Ok(None),
            0 => return Ok(Some(entry.pw_gid)),
            libc::ERANGE if size < MAX => size *= 4,
            // POSIX lets "no such user" come back as one of these.
            libc::ENOENT | libc::ESRCH | libc::EBADF | libc::EPERM => return Ok(None),
            e => return Err(io::Error::from_raw_os_error(e)),
        }
    }
}

/// Become `uid`/`gid` for good: supplementary groups replaced by `gid`
/// alone (root's are gone), then the group, then the user (real,
/// effective and saved ids, as root's setgid/setuid set all three).
/// Checked afterwards: the ids are the new ones and root cannot be taken
/// back.
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
    // SAFETY: plain getters without preconditions.
    let now = unsafe {
        (
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid(),
        )
    };
    if now != (uid, uid, gid, gid) {
        return Err(io::Error::other(format!(
            "after dropping root the ids are uid {}/{} gid {}/{}, not {uid}/{gid}",
            now.0, now.1, now.2, now.3
        )));
    }
    // SAFETY: as above. It must fail: if it succeeds, root was not dropped.
    if uid != 0 && unsafe { libc::setuid(0) } == 0 {
        return Err(io::Error::other(
            "root could be taken back after dropping it",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The events socket: the sender's credentials, the socket file's mode
// ---------------------------------------------------------------------------

/// Who sent a datagram, as the kernel says (not as the datagram says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub pid: u32,
    pub uid: u32,
    pub gid: u32,
}

/// One datagram received by [`recv_with_credentials`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// Bytes copied into the buffer.
    pub len: usize,
    /// The sender's credentials; `None` where the kernel gives none.
    pub sender: Option<Credentials>,
    /// The sender tried to pass more than credentials (descriptors): they
    /// were discarded by the kernel, and the datagram is suspect.
    pub extra_control: bool,
}

/// Ask the kernel to attach the sender's credentials to every datagram
/// that arrives on `fd` (`SO_PASSCRED`, Linux). Elsewhere a no-op: the
/// BSDs and macOS have no per-datagram credentials for an unconnected
/// socket (`LOCAL_PEERCRED` and `getpeereid` answer only for a connected
/// stream).
#[cfg(target_os = "linux")]
pub fn pass_credentials(fd: RawFd) -> io::Result<()> {
    let on: libc::c_int = 1;
    // SAFETY: we pass a pointer to one c_int and its size.
    let r = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PASSCRED,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// See the Linux version: nothing to switch on here.
#[cfg(not(target_os = "linux"))]
pub fn pass_credentials(_fd: RawFd) -> io::Result<()> {
    Ok(())
}

/// Room for exactly one `SCM_CREDENTIALS` message and nothing more: a
/// sender that also passes descriptors (`SCM_RIGHTS`) gets none of them
/// installed in our process (the kernel drops what does not fit and says
/// so with `MSG_CTRUNC`), so a flood of descriptors cannot fill our table.
#[cfg(target_os = "linux")]
// SAFETY: CMSG_SPACE is arithmetic on its argument.
const CRED_SPACE: usize =
    unsafe { libc::CMSG_SPACE(std::mem::size_of::<libc::ucred>() as libc::c_uint) } as usize;

/// Receive one datagram from `fd` (non-blocking sockets return
/// `WouldBlock` when empty) with the kernel's word on who sent it
/// (`recvmsg` with an `SCM_CREDENTIALS` control message; the socket needs
/// [`pass_credentials`] first).
#[cfg(target_os = "linux")]
pub fn recv_with_credentials(fd: RawFd, buf: &mut [u8]) -> io::Result<Received> {
    // cmsghdr needs the alignment of its largest field.
    #[repr(C, align(8))]
    struct Control([u8; CRED_SPACE]);
    let mut control = Control([0; CRED_SPACE]);
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain old data; zeroed is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = CRED_SPACE as _;
    // SAFETY: `msg` points at one iovec over `buf` and at `control`, both
    // valid and exclusively borrowed for the call, with their true lengths.
    // MSG_CMSG_CLOEXEC: should a descriptor ever be installed, it is not
    // inherited by the programs capture runs.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_CMSG_CLOEXEC) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut sender = None;
    let mut extra_control = msg.msg_flags & libc::MSG_CTRUNC != 0;
    // SAFETY: the kernel filled `msg_controllen` bytes of `control`; the
    // CMSG_* macros walk only within them, and each payload is read with
    // read_unaligned after checking its length.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            let c = &*cmsg;
            let data = libc::CMSG_DATA(cmsg);
            let cred_len = libc::CMSG_LEN(std::mem::size_of::<libc::ucred>() as _) as usize;
            if c.cmsg_level == libc::SOL_SOCKET
                && c.cmsg_type == libc::SCM_CREDENTIALS
                && c.cmsg_len as usize >= cred_len
            {
                let cred: libc::ucred = std::ptr::read_unaligned(data.cast());
                sender = Some(Credentials {
                    pid: cred.pid as u32,
                    uid: cred.uid,
                    gid: cred.gid,
                });
            } else if c.cmsg_level == libc::SOL_SOCKET && c.cmsg_type == libc::SCM_RIGHTS {
                // Cannot happen with our buffer; if it does, close them.
                let header = libc::CMSG_LEN(0) as usize;
                let count = (c.cmsg_len as usize).saturating_sub(header)
                    / std::mem::size_of::<libc::c_int>();
                for i in 0..count {
                    let fd: libc::c_int =
                        std::ptr::read_unaligned(data.cast::<libc::c_int>().add(i));
                    libc::close(fd);
                }
                extra_control = true;
            } else {
                extra_control = true;
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok(Received {
        len: n as usize,
        sender,
        extra_control,
    })
}

/// Receive one datagram from `fd`: this system gives no credentials.
#[cfg(not(target_os = "linux"))]
pub fn recv_with_credentials(fd: RawFd, buf: &mut [u8]) -> io::Result<Received> {
    // SAFETY: we pass `buf` and its true length; the kernel writes at most that.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Received {
        len: n as usize,
        sender: None,
        extra_control: false,
    })
}

/// Run `f` with the file-creation mask set to `mask`, then put the old one
/// back. For a Unix socket this is the only way to choose its file's mode
/// at creation: `bind()` creates the file, and `fchmod` on the socket's
/// descriptor changes another inode, not the file. The mask is
/// process-wide: call this before starting threads that create files.
pub fn with_umask<T>(mask: u32, f: impl FnOnce() -> T) -> T {
    struct Restore(libc::mode_t);
    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: umask cannot fail.
            unsafe { libc::umask(self.0) };
        }
    }
    // Two threads doing this at once would each put back the other's mask.
    let _one_at_a_time = UMASK_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: umask cannot fail; it returns the previous mask.
    let _restore = Restore(unsafe { libc::umask(mask as libc::mode_t) });
    f()
}

/// Held while the file-creation mask is not the process's own.
static UMASK_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

// ---------------------------------------------------------------------------
// Descriptors and the terminal
// ---------------------------------------------------------------------------

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
    tcp_retransmissions(fd).map(|r| r.total)
}

/// What `TCP_INFO` says about a socket's retransmissions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpRetrans {
    /// Segments retransmitted (`tcpi_total_retrans`).
    pub total: u32,
    /// Segments the peer reported, with D-SACK, as received twice: the
    /// retransmissions that were not needed (`tcpi_dsack_dups`, Linux
    /// 5.0 and later; `None` on an older kernel).
    pub dsack_dups: Option<u32>,
}

/// The retransmission counts of a TCP socket. Linux only.
#[cfg(target_os = "linux")]
pub fn tcp_retransmissions(fd: RawFd) -> io::Result<TcpRetrans> {
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
    // An older kernel fills in a shorter struct: a field beyond what it
    // wrote is unknown, not zero.
    let dsack_end = std::mem::offset_of!(libc::tcp_info, tcpi_dsack_dups) + 4;
    Ok(TcpRetrans {
        total: info.tcpi_total_retrans,
        dsack_dups: (len as usize >= dsack_end).then_some(info.tcpi_dsack_dups),
    })
}

/// The kernel's count of retransmitted segments (not available here).
#[cfg(not(target_os = "linux"))]
pub fn tcp_total_retrans(_fd: RawFd) -> io::Result<u32> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "TCP_INFO retransmission counters are read on Linux only",
    ))
}

/// The retransmission counts of a TCP socket (not available here).
#[cfg(not(target_os = "linux"))]
pub fn tcp_retransmissions(fd: RawFd) -> io::Result<TcpRetrans> {
    tcp_total_retrans(fd).map(|total| TcpRetrans {
        total,
        dsack_dups: None,
    })
}

/// The limit on open file descriptors, `(soft, hard)` (`getrlimit(RLIMIT_NOFILE)`).
pub fn fd_limit() -> io::Result<(u64, u64)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for the kernel to fill in.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((limit.rlim_cur, limit.rlim_max))
}

/// Set the soft limit on open file descriptors to `soft`, keeping the hard
/// one (`setrlimit(RLIMIT_NOFILE)`); above the hard limit it fails.
pub fn set_fd_limit(soft: u64) -> io::Result<()> {
    let (_, hard) = fd_limit()?;
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: `limit` is a valid rlimit, read by the kernel only.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
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

    #[test]
    fn the_fd_limit_can_be_set_to_what_it_is() {
        let (soft, hard) = fd_limit().unwrap();
        assert!(soft <= hard);
        set_fd_limit(soft).unwrap();
        assert_eq!(fd_limit().unwrap(), (soft, hard));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn tcp_info_reads_zero_retransmissions_on_a_fresh_connection() {
        use std::os::fd::AsRawFd;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        assert_eq!(tcp_total_retrans(c.as_raw_fd()).unwrap(), 0);
        // This kernel (5.0 or later) reports D-SACKed duplicates: none yet.
        assert_eq!(
            tcp_retransmissions(c.as_raw_fd()).unwrap(),
            TcpRetrans {
                total: 0,
                dsack_dups: Some(0)
            }
        );
    }

    #[test]
    fn the_passwd_entry_gives_a_users_group() {
        assert_eq!(passwd_gid(0).unwrap(), Some(0), "root's group is 0");
        // A user id no system gives out (4294967295 is (uid_t)-1, "no user").
        assert_eq!(passwd_gid(4_000_000_123).unwrap(), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernel_says_who_sent_a_datagram() {
        use std::os::fd::AsRawFd;
        let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
        pass_credentials(b.as_raw_fd()).unwrap();
        a.send(b"hi").unwrap();
        let mut buf = [0u8; 16];
        let got = recv_with_credentials(b.as_raw_fd(), &mut buf).unwrap();
        assert_eq!(&buf[..got.len], b"hi");
        assert!(!got.extra_control);
        assert_eq!(
            got.sender,
            Some(Credentials {
                pid: std::process::id(),
                uid: real_uid(),
                // SAFETY: getgid has no preconditions.
                gid: unsafe { libc::getgid() },
            })
        );
    }

    /// Send `bytes` on `fd` with `fds` attached (SCM_RIGHTS), as a hostile
    /// sender would.
    #[cfg(target_os = "linux")]
    fn send_with_descriptors(fd: RawFd, bytes: &[u8], fds: &[RawFd]) {
        let payload = std::mem::size_of_val(fds) as libc::c_uint;
        // SAFETY: arithmetic.
        let space = unsafe { libc::CMSG_SPACE(payload) } as usize;
        let mut control = vec![0u64; space.div_ceil(8)];
        let mut iov = libc::iovec {
            iov_base: bytes.as_ptr() as *mut libc::c_void,
            iov_len: bytes.len(),
        };
        // SAFETY: zeroed msghdr is valid; every pointer set below outlives the call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        // SAFETY: the control buffer has room for one header and `fds`.
        unsafe {
            let c = libc::CMSG_FIRSTHDR(&msg);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = libc::CMSG_LEN(payload) as _;
            std::ptr::copy_nonoverlapping(fds.as_ptr(), libc::CMSG_DATA(c).cast(), fds.len());
            assert!(
                libc::sendmsg(fd, &msg, 0) >= 0,
                "{}",
                io::Error::last_os_error()
            );
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn descriptors_passed_by_a_sender_are_never_installed() {
        use std::os::fd::AsRawFd;
        let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
        pass_credentials(b.as_raw_fd()).unwrap();
        // A file of its own, so that a descriptor on it can only be the
        // one passed (other tests run in this process too).
        let tmp = tempfile::tempdir().unwrap();
        let marker = tmp.path().join("fdpass");
        let files: Vec<std::fs::File> = (0..4)
            .map(|_| std::fs::File::create(&marker).unwrap())
            .collect();
        let fds: Vec<RawFd> = files.iter().map(|f| f.as_raw_fd()).collect();
        send_with_descriptors(a.as_raw_fd(), b"x", &fds);
        drop(files);
        let mut buf = [0u8; 16];
        let got = recv_with_credentials(b.as_raw_fd(), &mut buf).unwrap();
        assert!(got.extra_control, "{got:?}");
        assert_eq!(got.len, 1);
        let installed = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|target| *target == marker)
            .count();
        let _ = std::fs::remove_file(&marker);
        assert_eq!(installed, 0, "no descriptor was installed in our table");
    }

    #[test]
    fn a_umask_is_put_back_after_use() {
        let current = || {
            let _lock = UMASK_LOCK.lock().unwrap();
            // SAFETY: umask cannot fail; the old mask is put back at once.
            unsafe {
                let m = libc::umask(0o077);
                libc::umask(m);
                m
            }
        };
        let before = current();
        let inside = with_umask(0o111, || {
            // SAFETY: as above; with_umask holds the lock.
            unsafe {
                let m = libc::umask(0o111);
                libc::umask(m);
                m
            }
        });
        assert_eq!((inside, current()), (0o111, before));
    }
}

// ============================================================================
// Namespaces, packet sockets and process plumbing (Linux, issue 14)
// ============================================================================
//
// Everything the private lab network and the link emulator need from the
// kernel that neither std nor socket2 offers. Kept apart from the calls
// above so that it can be read (and audited) on its own.

/// Namespaces, `AF_PACKET` sockets, interface offloads, death signals and
/// Unix-socket peer credentials.
#[cfg(target_os = "linux")]
pub mod linux {
    use std::ffi::CString;
    use std::fs::File;
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::os::unix::process::CommandExt;
    use std::path::Path;
    use std::process::Command;
    use std::time::Duration;

    /// A new user namespace (`CLONE_NEWUSER`).
    pub const NEW_USER: i32 = libc::CLONE_NEWUSER;
    /// A new network namespace (`CLONE_NEWNET`).
    pub const NEW_NET: i32 = libc::CLONE_NEWNET;
    /// A new mount namespace (`CLONE_NEWNS`).
    pub const NEW_MOUNT: i32 = libc::CLONE_NEWNS;

    fn check(r: libc::c_int) -> io::Result<()> {
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    fn c_path(path: &Path) -> io::Result<CString> {
        use std::os::unix::ffi::OsStrExt;
        CString::new(path.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path with a NUL byte"))
    }

    /// The real user and group ids.
    pub fn real_ids() -> (u32, u32) {
        // SAFETY: getuid/getgid have no preconditions and cannot fail.
        unsafe { (libc::getuid(), libc::getgid()) }
    }

    /// `unshare(flags)`: move this process (this thread, for a network
    /// namespace in a threaded process) into new namespaces.
    pub fn unshare(flags: i32) -> io::Result<()> {
        // SAFETY: a plain system call on an integer argument.
        check(unsafe { libc::unshare(flags) })
    }

    /// `setns(fd, nstype)`: join the namespace `file` refers to (a
    /// `/proc/PID/ns/*` or `/run/netns/*` file). For a network namespace
    /// only the calling thread moves.
    pub fn setns(file: &File, nstype: i32) -> io::Result<()> {
        // SAFETY: the descriptor is valid for the duration of the call.
        check(unsafe { libc::setns(file.as_raw_fd(), nstype) })
    }

    /// Make every mount below `/` private, so that nothing mounted in this
    /// mount namespace propagates anywhere else.
    pub fn make_mounts_private() -> io::Result<()> {
        let root = c_path(Path::new("/"))?;
        // SAFETY: valid NUL-terminated strings; null source/type/data are
        // allowed for a propagation change.
        check(unsafe {
            libc::mount(
                std::ptr::null(),
                root.as_ptr(),
                std::ptr::null(),
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            )
        })
    }

    /// Mount a fresh tmpfs (mode 0755) on `target`.
    pub fn mount_tmpfs(target: &Path) -> io::Result<()> {
        let target = c_path(target)?;
        let fstype = CString::new("tmpfs").expect("no NUL");
        let data = CString::new("mode=0755").expect("no NUL");
        // SAFETY: valid NUL-terminated strings for the duration of the call.
        check(unsafe {
            libc::mount(
                fstype.as_ptr(),
                target.as_ptr(),
                fstype.as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV,
                data.as_ptr().cast(),
            )
        })
    }

    /// Detach the mount at `target` and everything below it (lazily: what
    /// still uses it keeps it until done), so that its directory can go.
    pub fn unmount_detach(target: &Path) -> io::Result<()> {
        let target = c_path(target)?;
        // SAFETY: a valid NUL-terminated string for the duration of the call.
        check(unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) })
    }

    /// Bind-mount `source` (with everything mounted below it) on `target`.
    pub fn bind_mount(source: &Path, target: &Path) -> io::Result<()> {
        let (source, target) = (c_path(source)?, c_path(target)?);
        // SAFETY: valid NUL-terminated strings for the duration of the call.
        check(unsafe {
            libc::mount(
                source.as_ptr(),
                target.as_ptr(),
                std::ptr::null(),
                libc::MS_BIND | libc::MS_REC,
                std::ptr::null(),
            )
        })
    }

    /// Move the mount at `source` to `target`.
    pub fn move_mount(source: &Path, target: &Path) -> io::Result<()> {
        let (source, target) = (c_path(source)?, c_path(target)?);
        // SAFETY: valid NUL-terminated strings for the duration of the call.
        check(unsafe {
            libc::mount(
                source.as_ptr(),
                target.as_ptr(),
                std::ptr::null(),
                libc::MS_MOVE,
                std::ptr::null(),
            )
        })
    }

    /// Have the kernel kill the child started by `cmd` (SIGKILL) when the
    /// thread that starts it ends: so that no role process outlives a
    /// `tcp_vs_udp` or `twohost` killed with SIGKILL. Start such children
    /// from a thread that lives as long as they should (the main thread).
    pub fn kill_with_parent(cmd: &mut Command) {
        // SAFETY: the closure runs between fork and exec and only makes
        // async-signal-safe calls (prctl, getppid, kill of ourselves).
        unsafe {
            let parent = libc::getpid();
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The parent may have died before prctl: then nobody will
                // signal us, so end now.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }

    /// Send `signal` to process `pid`.
    pub fn kill(pid: u32, signal: i32) -> io::Result<()> {
        let pid = libc::pid_t::try_from(pid)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "no such process id"))?;
        if pid <= 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "no such process id",
            ));
        }
        // SAFETY: a plain system call on integer arguments; pid > 0 names
        // one process, never a group.
        check(unsafe { libc::kill(pid, signal) })
    }

    /// SIGTERM, for [`kill`].
    pub const SIGTERM: i32 = libc::SIGTERM;
    /// SIGKILL, for [`kill`].
    pub const SIGKILL: i32 = libc::SIGKILL;

    /// True while process `pid` exists (whoever it belongs to).
    pub fn process_exists(pid: u32) -> bool {
        match kill(pid, 0) {
            Ok(()) => true,
            Err(e) => e.raw_os_error() == Some(libc::EPERM),
        }
    }

    /// The process id and user id of the peer of a connected Unix socket,
    /// as the kernel recorded them (`SO_PEERCRED`): not something the peer
    /// can lie about.
    pub fn peer_credentials(fd: RawFd) -> io::Result<(u32, u32)> {
        // SAFETY: ucred is plain old data; zeroed is a valid value.
        let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: we pass a buffer of `len` bytes and its length.
        check(unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&mut cred as *mut libc::ucred).cast(),
                &mut len,
            )
        })?;
        Ok((cred.pid as u32, cred.uid))
    }

    /// Wait until one of `fds` is readable or `timeout` passes (`None`:
    /// forever), with nanosecond resolution (`ppoll`). EINTR counts as a
    /// timeout.
    pub fn ppoll_readable(fds: &[RawFd], timeout: Option<Duration>) -> io::Result<Vec<bool>> {
        let mut pfds: Vec<libc::pollfd> = fds
            .iter()
            .map(|&fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let ts = timeout.map(|t| libc::timespec {
            tv_sec: t.as_secs().min(i32::MAX as u64) as libc::time_t,
            tv_nsec: t.subsec_nanos() as libc::c_long,
        });
        let ts_ptr = ts
            .as_ref()
            .map_or(std::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: `pfds` is a valid array of `pfds.len()` pollfd; `ts_ptr`
        // is null or points at a timespec that outlives the call.
        let n = unsafe {
            libc::ppoll(
                pfds.as_mut_ptr(),
                pfds.len() as libc::nfds_t,
                ts_ptr,
                std::ptr::null(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                return Ok(vec![false; fds.len()]);
            }
            return Err(e);
        }
        Ok(pfds.iter().map(|p| p.revents != 0).collect())
    }

    fn ifreq_for(name: &str) -> io::Result<libc::ifreq> {
        if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains('\0') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{name}` is not an interface name"),
            ));
        }
        // SAFETY: ifreq is plain old data; zeroed is a valid value.
        let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
        for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
            *dst = src as libc::c_char;
        }
        Ok(req)
    }

    fn control_socket() -> io::Result<OwnedFd> {
        // SAFETY: socket() returns a new descriptor or -1.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        check(fd)?;
        // SAFETY: fd is a new descriptor that nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// Bring interface `name` of the current network namespace up
    /// (`ip link set NAME up`).
    pub fn set_interface_up(name: &str) -> io::Result<()> {
        let sock = control_socket()?;
        let mut req = ifreq_for(name)?;
        // SAFETY: SIOCGIFFLAGS reads the name and writes the flags of `req`.
        check(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) })?;
        // SAFETY: the union member written by SIOCGIFFLAGS is ifru_flags.
        unsafe { req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
        // SAFETY: SIOCSIFFLAGS reads the name and the flags of `req`.
        check(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &mut req) })
    }

    // Legacy ethtool commands (linux/ethtool.h): still honoured by every
    // kernel, and each takes one `struct ethtool_value { u32 cmd, data }`.
    const ETHTOOL_STXCSUM: u32 = 0x17;
    const ETHTOOL_SSG: u32 = 0x19;
    const ETHTOOL_STSO: u32 = 0x1f;
    const ETHTOOL_SGSO: u32 = 0x24;
    const ETHTOOL_SGRO: u32 = 0x2c;

    #[repr(C)]
    struct EthtoolValue {
        cmd: u32,
        data: u32,
    }

    /// Turn off the checksum and segmentation offloads of interface `name`
    /// (`ethtool -K NAME tx off sg off tso off gso off gro off`), so that
    /// every frame on it is a real, complete, checksummed packet of at most
    /// the MTU: what the link emulator forwards and a capture shows.
    pub fn disable_offloads(name: &str) -> io::Result<()> {
        let sock = control_socket()?;
        for cmd in [
            ETHTOOL_STSO,
            ETHTOOL_SGSO,
            ETHTOOL_SGRO,
            ETHTOOL_STXCSUM,
            ETHTOOL_SSG,
        ] {
            let mut value = EthtoolValue { cmd, data: 0 };
            let mut req = ifreq_for(name)?;
            req.ifr_ifru.ifru_data = (&mut value as *mut EthtoolValue).cast();
            // SAFETY: SIOCETHTOOL reads the ethtool_value that ifru_data
            // points at, which lives until the call returns.
            let r = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCETHTOOL, &mut req) };
            // EOPNOTSUPP: the device has no such offload to turn off.
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.raw_os_error() != Some(libc::EOPNOTSUPP) {
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Ask the scheduler to favour the calling thread (nice -10), so that a
    /// busy machine delays it less. Needs CAP_SYS_NICE (root); without it
    /// nothing changes, and that is fine.
    pub fn favour_this_thread() -> bool {
        // SAFETY: gettid has no preconditions; setpriority on our own
        // thread id changes only this thread's nice value.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, -10) == 0
        }
    }

    /// The index of interface `name` in the current network namespace.
    pub fn interface_index(name: &str) -> io::Result<i32> {
        let c = CString::new(name)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a name with a NUL byte"))?;
        // SAFETY: a valid NUL-terminated string.
        let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
        if index == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(index as i32)
    }

    // linux/if_packet.h
    const PACKET_STATISTICS: libc::c_int = 6;
    const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
    const PACKET_QDISC_BYPASS: libc::c_int = 20;

    /// An `AF_PACKET` raw socket bound to one interface: every frame that
    /// arrives on it, whole (Ethernet header included), and a way to put
    /// frames on it. Non-blocking.
    pub struct PacketSocket {
        fd: OwnedFd,
    }

    /// How many frames one [`PacketSocket::recv_batch`] takes at most.
    pub const BATCH: usize = 64;

    impl PacketSocket {
        /// Open a socket on interface `name` of the current network
        /// namespace, with a receive buffer of `rcvbuf` bytes.
        pub fn open(name: &str, rcvbuf: usize) -> io::Result<PacketSocket> {
            let index = interface_index(name)?;
            let proto = (libc::ETH_P_ALL as u16).to_be() as libc::c_int;
            // SAFETY: socket() returns a new descriptor or -1.
            let fd = unsafe {
                libc::socket(
                    libc::AF_PACKET,
                    libc::SOCK_RAW | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                    proto,
                )
            };
            check(fd)?;
            // SAFETY: fd is a new descriptor that nothing else owns.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            let sock = PacketSocket { fd };
            // Our own sends must not come back to us as received frames.
            sock.set_int(libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)?;
            // Frames we send go straight to the device (a veth has no
            // queueing discipline to honour anyway).
            let _ = sock.set_int(libc::SOL_PACKET, PACKET_QDISC_BYPASS, 1);
            let size = libc::c_int::try_from(rcvbuf).unwrap_or(libc::c_int::MAX);
            // SO_RCVBUFFORCE passes the rmem_max cap (root in the namespace);
            // fall back to the capped size otherwise.
            if sock
                .set_int(libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, size)
                .is_err()
            {
                sock.set_int(libc::SOL_SOCKET, libc::SO_RCVBUF, size)?;
            }
            let _ = sock.set_int(libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, size);
            // SAFETY: sockaddr_ll is plain old data; zeroed is a valid value.
            let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
            addr.sll_family = libc::AF_PACKET as u16;
            addr.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
            addr.sll_ifindex = index;
            // SAFETY: we pass a sockaddr_ll and its exact size.
            check(unsafe {
                libc::bind(
                    sock.fd.as_raw_fd(),
                    (&addr as *const libc::sockaddr_ll).cast(),
                    std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
                )
            })?;
            Ok(sock)
        }

        fn set_int(
            &self,
            level: libc::c_int,
            name: libc::c_int,
            value: libc::c_int,
        ) -> io::Result<()> {
            // SAFETY: we pass a pointer to one c_int and its size.
            check(unsafe {
                libc::setsockopt(
                    self.fd.as_raw_fd(),
                    level,
                    name,
                    (&value as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            })
        }

        /// The descriptor, for [`ppoll_readable`].
        pub fn raw_fd(&self) -> RawFd {
            self.fd.as_raw_fd()
        }

        /// Receive up to `bufs.len()` (at most [`BATCH`]) waiting frames
        /// without blocking. `lens[i]` is frame i's real length: larger
        /// than `bufs[i].len()` when it was cut. Returns how many came.
        pub fn recv_batch(&self, bufs: &mut [Vec<u8>], lens: &mut [usize]) -> io::Result<usize> {
            let n = bufs.len().min(lens.len()).min(BATCH);
            let mut iovs: Vec<libc::iovec> = bufs[..n]
                .iter_mut()
                .map(|b| libc::iovec {
                    iov_base: b.as_mut_ptr().cast(),
                    iov_len: b.len(),
                })
                .collect();
            // SAFETY: mmsghdr is plain old data; zeroed is a valid value.
            let mut msgs: Vec<libc::mmsghdr> =
                (0..n).map(|_| unsafe { std::mem::zeroed() }).collect();
            for (m, iov) in msgs.iter_mut().zip(iovs.iter_mut()) {
                m.msg_hdr.msg_iov = iov;
                m.msg_hdr.msg_iovlen = 1;
            }
            // SAFETY: `msgs` holds `n` headers, each pointing at one iovec
            // that points at a live buffer of the stated length; all outlive
            // the call. MSG_TRUNC makes msg_len the frame's real length.
            let got = unsafe {
                libc::recvmmsg(
                    self.fd.as_raw_fd(),
                    msgs.as_mut_ptr(),
                    n as libc::c_uint,
                    libc::MSG_DONTWAIT | libc::MSG_TRUNC,
                    std::ptr::null_mut(),
                )
            };
            if got < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::Interrupted {
                    return Ok(0);
                }
                return Err(e);
            }
            let got = got as usize;
            for (len, m) in lens.iter_mut().zip(&msgs[..got]) {
                *len = m.msg_len as usize;
            }
            Ok(got)
        }

        /// Put one frame on the interface. `WouldBlock` when the
        /// interface's queue is full.
        pub fn send(&self, frame: &[u8]) -> io::Result<()> {
            // SAFETY: we pass a live buffer and its length.
            let r = unsafe {
                libc::send(
                    self.fd.as_raw_fd(),
                    frame.as_ptr().cast(),
                    frame.len(),
                    libc::MSG_DONTWAIT,
                )
            };
            if r < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        }

        /// Put several frames on the interface with one system call
        /// (`sendmmsg`). Returns how many the interface took; the rest
        /// found its queue full.
        pub fn send_batch(&self, frames: &[&[u8]]) -> io::Result<usize> {
            let mut sent = 0;
            while sent < frames.len() {
                let chunk = &frames[sent..frames.len().min(sent + BATCH)];
                let mut iovs: Vec<libc::iovec> = chunk
                    .iter()
                    .map(|f| libc::iovec {
                        iov_base: f.as_ptr() as *mut libc::c_void,
                        iov_len: f.len(),
                    })
                    .collect();
                // SAFETY: mmsghdr is plain old data; zeroed is a valid value.
                let mut msgs: Vec<libc::mmsghdr> = (0..chunk.len())
                    .map(|_| unsafe { std::mem::zeroed() })
                    .collect();
                for (m, iov) in msgs.iter_mut().zip(iovs.iter_mut()) {
                    m.msg_hdr.msg_iov = iov;
                    m.msg_hdr.msg_iovlen = 1;
                }
                // SAFETY: `msgs` holds `chunk.len()` headers, each pointing at
                // one iovec over a live frame; the kernel only reads them.
                let n = unsafe {
                    libc::sendmmsg(
                        self.fd.as_raw_fd(),
                        msgs.as_mut_ptr(),
                        msgs.len() as libc::c_uint,
                        libc::MSG_DONTWAIT,
                    )
                };
                if n < 0 {
                    let e = io::Error::last_os_error();
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.raw_os_error() == Some(libc::ENOBUFS)
                    {
                        return Ok(sent);
                    }
                    return Err(e);
                }
                sent += n as usize;
                if (n as usize) < chunk.len() {
                    break;
                }
            }
            Ok(sent)
        }

        /// Frames the kernel dropped because our receive buffer was full,
        /// since the last call (`PACKET_STATISTICS` resets on reading).
        pub fn take_drops(&self) -> io::Result<u64> {
            let mut stats = [0u32; 2]; // struct tpacket_stats { tp_packets, tp_drops }
            let mut len = std::mem::size_of_val(&stats) as libc::socklen_t;
            // SAFETY: we pass a buffer of `len` bytes and its length.
            check(unsafe {
                libc::getsockopt(
                    self.fd.as_raw_fd(),
                    libc::SOL_PACKET,
                    PACKET_STATISTICS,
                    stats.as_mut_ptr().cast(),
                    &mut len,
                )
            })?;
            Ok(u64::from(stats[1]))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_bad_interface_name_is_refused_before_any_call() {
            assert!(ifreq_for("").is_err());
            assert!(ifreq_for("sixteen-bytes-xx").is_err());
            assert!(ifreq_for("veth-alice").is_ok());
        }

        #[test]
        fn this_process_exists_and_pid_zero_is_refused() {
            assert!(process_exists(std::process::id()));
            assert!(kill(0, 0).is_err(), "pid 0 would signal our whole group");
        }

        #[test]
        fn peer_credentials_name_the_other_end() {
            let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
            let (pid, uid) = peer_credentials(a.as_raw_fd()).unwrap();
            assert_eq!(pid, std::process::id());
            assert_eq!(uid, real_ids().0);
        }
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
