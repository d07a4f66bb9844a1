//! The few libc calls that no safe crate offers. The only `unsafe` in socklab.
//!
//! - who we are (`geteuid`) and dropping root after `sudo` (`setgroups`,
//!   `setgid`, `setuid`, the group from `getpwuid_r`), as tcpdump's `-Z` does;
//! - the events socket: the sender's credentials from the kernel
//!   (`SO_PASSCRED`, `recvmsg` with `SCM_CREDENTIALS`) and the socket
//!   file's mode at creation (`umask`);
//! - waiting on several descriptors at once (`poll`);
//! - the terminal's width (`ioctl(TIOCGWINSZ)`);
//! - the kernel's retransmission counter of a TCP socket (`TCP_INFO`, Linux).

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
            format!(
                "SUDO_UID={:?} is not a user id, so the user to go back to is unknown; unset SUDO_UID to run as root, or start it with sudo again",
                raw_uid
            ),
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
                format!(
                    "SUDO_GID is missing or not a group id and user {uid} (SUDO_UID) has no passwd entry to take the group from; set SUDO_GID, or unset SUDO_UID to run as root"
                ),
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
        let marker = std::env::temp_dir().join(format!("socklab-fdpass-{}", std::process::id()));
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
