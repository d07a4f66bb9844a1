//! The few libc calls that no safe crate offers. The only `unsafe` in socklab.
//!
//! - who we are (`geteuid`) and dropping root after `sudo` (`setgroups`,
//!   `setgid`, `setuid`), as tcpdump's `-Z` does;
//! - waiting on several descriptors at once (`poll`);
//! - the terminal's width (`ioctl(TIOCGWINSZ)`);
//! - the kernel's retransmission counter of a TCP socket (`TCP_INFO`, Linux);
//! - at the end, in their own section: namespaces (`unshare`, `setns`,
//!   `mount`), `AF_PACKET` sockets for the link emulator, interface
//!   offloads and flags (`ioctl`), a child's death signal, and the
//!   credentials of a Unix-socket peer (Linux, issue 14).

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
