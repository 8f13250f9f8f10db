//! The few Linux calls pnet has no API for: a packet socket with a kernel filter, its drop
//! counters, and a private network namespace for the demos.
//!
//! Why a hand-made socket: on `lo` the kernel hands a packet socket every packet twice (once
//! as it leaves, once as it arrives) and pnet drops the packet-type field that tells the two
//! apart. tcpdump solves this with a classic BPF filter that drops `PACKET_OUTGOING` copies on
//! loopback; we do the same, on a socket we open ourselves and hand to pnet through
//! `Config::socket_fd`. The socket is opened with protocol 0 so it receives nothing until pnet
//! binds it to the chosen interface (no packets from other interfaces sneak in first).
//!
//! Why namespaces: a demo needs traffic *and* permission to capture it. A child process that
//! unshares a new user and network namespace owns that namespace's loopback (it has
//! CAP_NET_RAW there) without being root outside, and its traffic cannot reach or disturb the
//! real network. This must happen before the process starts any thread, so `main` does it
//! first thing in the demo child.
//!
//! And one allocator call: after a big file is loaded, the pass's temporary tables (and the
//! preview shown meanwhile) are freed, but the C allocator keeps those pages; giving them
//! back is the difference between the app's memory and its high-water mark.
//!
//! Every `unsafe` block here is a plain libc call on values we own, each with its SAFETY note.
#![allow(unsafe_code)]

use std::io;

/// `SKF_AD_OFF + SKF_AD_PKTTYPE`: the classic-BPF ancillary load of `skb->pkt_type`.
const SKF_AD_PKTTYPE_K: u32 = (-0x1000i32 + 4) as u32;
/// `PACKET_OUTGOING` from `<linux/if_packet.h>`.
const PACKET_OUTGOING: u32 = 4;
/// Largest frame accepted by the filter (bytes).
pub const FILTER_SNAPLEN: u32 = 262_144;

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// `setsockopt(fd, SOL_SOCKET, opt, value)` for a plain value.
fn setsockopt<T>(fd: i32, opt: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` is a live, initialised T and its exact size is passed; the kernel only
    // reads (and copies) it during the call. Callers pass the type each option expects
    // (c_int for buffer sizes, sock_fprog whose program outlives the call for filters).
    check(unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            opt,
            std::ptr::from_ref(value).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    })
    .map(|_| ())
}

/// `SKF_AD_OFF + SKF_AD_IFINDEX`: the ancillary load of the packet's interface index.
const SKF_AD_IFINDEX_K: u32 = (-0x1000i32 + 8) as u32;

/// Open an `AF_PACKET` raw socket (not yet bound). With `drop_outgoing_on = Some(ifindex)`, a
/// kernel filter discards the outgoing copy of each packet on that interface (loopback, where
/// every packet is seen leaving and arriving). `rcvbuf` sizes the kernel receive queue. The
/// caller owns the returned descriptor (pnet closes it on drop).
pub fn open_packet_socket(drop_outgoing_on: Option<u32>, rcvbuf: usize) -> io::Result<i32> {
    // SAFETY: socket() takes no pointers; a negative return is turned into an error.
    let fd = check(unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) })?;
    let setup = || -> io::Result<()> {
        if let Some(ifindex) = drop_outgoing_on {
            let f = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
            let mut prog = [
                f(0x20, 0, 0, SKF_AD_PKTTYPE_K), // 0: A = pkttype
                f(0x15, 0, 3, PACKET_OUTGOING),  // 1: outgoing? else accept (5)
                f(0x20, 0, 0, SKF_AD_IFINDEX_K), // 2: A = ifindex
                f(0x15, 0, 1, ifindex),          // 3: on that interface? drop (4) : accept (5)
                f(0x06, 0, 0, 0),                // 4: drop
                f(0x06, 0, 0, FILTER_SNAPLEN),   // 5: accept, whole frame
            ];
            let fprog = libc::sock_fprog {
                len: prog.len() as u16,
                filter: prog.as_mut_ptr(),
            };
            setsockopt(fd, libc::SO_ATTACH_FILTER, &fprog)?;
        }
        let size = libc::c_int::try_from(rcvbuf).unwrap_or(libc::c_int::MAX);
        // FORCE needs CAP_NET_ADMIN; without it the plain option, capped at rmem_max.
        if setsockopt(fd, libc::SO_RCVBUFFORCE, &size).is_err() {
            setsockopt(fd, libc::SO_RCVBUF, &size)?;
        }
        Ok(())
    };
    if let Err(e) = setup() {
        // SAFETY: `fd` is ours and not shared yet.
        unsafe { libc::close(fd) };
        return Err(e);
    }
    Ok(fd)
}

/// Kernel counters of a packet socket since the last call: (received, dropped). Reading
/// resets them, so callers add them up.
pub fn packet_stats(fd: i32) -> Option<(u64, u64)> {
    let mut st = libc::tpacket_stats {
        tp_packets: 0,
        tp_drops: 0,
    };
    let mut len = std::mem::size_of::<libc::tpacket_stats>() as libc::socklen_t;
    // SAFETY: `st` and `len` are live and `len` holds the size of `st`.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            std::ptr::from_mut(&mut st).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some((u64::from(st.tp_packets), u64::from(st.tp_drops)))
}

/// How the demo child got a loopback it may capture on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// New user + network namespace: works without root.
    UserAndNetNamespace,
    /// New network namespace only (needs root / CAP_SYS_ADMIN).
    NetNamespace,
}

fn write_proc(path: &str, text: &str) -> io::Result<()> {
    std::fs::write(path, text)
}

/// Move this (still single-threaded) process into a private network namespace and bring its
/// loopback up. Tries an unprivileged user namespace first.
pub fn enter_private_network() -> Result<Isolation, String> {
    // SAFETY: getuid/getgid cannot fail and take no arguments.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // SAFETY: unshare takes flags only; the caller guarantees no other thread exists yet.
    let user = unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) } == 0;
    let how = if user {
        let maps = write_proc("/proc/self/setgroups", "deny")
            .and_then(|()| write_proc("/proc/self/uid_map", &format!("0 {uid} 1")))
            .and_then(|()| write_proc("/proc/self/gid_map", &format!("0 {gid} 1")));
        maps.map_err(|e| {
            format!("user namespace made, but its id maps could not be written: {e}")
        })?;
        Isolation::UserAndNetNamespace
    } else {
        let user_err = io::Error::last_os_error();
        // SAFETY: as above.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            return Err(format!(
                "cannot create a private network namespace (user namespaces: {user_err}; \
                 network namespace: {}). User namespaces may be disabled \
                 (sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces).",
                io::Error::last_os_error()
            ));
        }
        Isolation::NetNamespace
    };
    set_link_up("lo").map_err(|e| format!("cannot bring up the namespace's loopback: {e}"))?;
    Ok(how)
}

/// Set IFF_UP on an interface (SIOCGIFFLAGS / SIOCSIFFLAGS).
pub fn set_link_up(name: &str) -> io::Result<()> {
    // SAFETY: socket() takes no pointers.
    let fd = check(unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) })?;
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in ifr
        .ifr_name
        .iter_mut()
        .zip(name.bytes().take(libc::IFNAMSIZ - 1))
    {
        *d = s as libc::c_char;
    }
    // SAFETY: `ifr` is a live ifreq with a NUL-terminated name, as both ioctls expect.
    let r = unsafe { check(libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut ifr)) }.and_then(|_| {
        // SAFETY: the flags member is the one SIOCGIFFLAGS filled in.
        unsafe { ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
        // SAFETY: as above.
        unsafe { check(libc::ioctl(fd, libc::SIOCSIFFLAGS, &ifr)) }
    });
    // SAFETY: `fd` is ours.
    unsafe { libc::close(fd) };
    r.map(|_| ())
}

/// Whether this process holds CAP_NET_RAW (effective set), from `/proc/self/status`.
pub fn has_cap_net_raw() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .is_some_and(|caps| caps & (1 << 13) != 0)
}

/// Give freed heap pages back to the operating system (glibc's `malloc_trim`). Returns whether
/// anything was released. Cheap enough to call after each big load, pointless in a loop.
pub fn release_free_memory() -> bool {
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers
        // from us and is safe to call from any thread at any time.
        unsafe { libc::malloc_trim(0) == 1 }
    }
    #[cfg(not(target_env = "gnu"))]
    {
        false
    }
}

/// Guards for memory-mapped capture files: a file cut on disk while it is mapped makes reads
/// past its new end fault with SIGBUS, which kills the process. The store notices a shrink
/// when it checks the file (about once a second in the app), but a read can come first. So
/// while a file is mapped, a SIGBUS handler catches faults inside the mapping, puts a page of
/// zeros where the file's page was gone (the read then sees zeros, not a crash), and raises a
/// flag the store reports. A fault anywhere else still kills the process as before.
pub mod map_guard {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Once;

    const SLOTS: usize = 32;
    /// (start, end) of each guarded mapping; start 0 = a free slot. Atomics only: the signal
    /// handler may read them at any moment (no locks in a handler).
    static RANGES: [(AtomicUsize, AtomicUsize); SLOTS] =
        [const { (AtomicUsize::new(0), AtomicUsize::new(0)) }; SLOTS];
    static PAGE: AtomicUsize = AtomicUsize::new(4096);
    static FAULTS: AtomicUsize = AtomicUsize::new(0);
    static INSTALLED: Once = Once::new();
    static OK: AtomicBool = AtomicBool::new(false);

    /// Faults caught so far (pages of a mapped file that were gone when read).
    pub fn faults() -> usize {
        FAULTS.load(Ordering::Relaxed)
    }

    /// Guard the mapping `[start, start + len)`. Returns its slot (for [`unguard`]), or `None`
    /// when the handler could not be installed or every slot is taken (then the mapping has
    /// only the store's periodic check).
    pub fn guard(start: usize, len: usize) -> Option<usize> {
        INSTALLED.call_once(install);
        if !OK.load(Ordering::Relaxed) || start == 0 || len == 0 {
            return None;
        }
        for (k, (s, e)) in RANGES.iter().enumerate() {
            if s.compare_exchange(0, usize::MAX, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                // Reserved (usize::MAX matches no address); publish end, then start.
                e.store(start + len, Ordering::Release);
                s.store(start, Ordering::Release);
                return Some(k);
            }
        }
        None
    }

    /// Stop guarding a mapping (before it is unmapped).
    pub fn unguard(slot: usize) {
        if let Some((s, e)) = RANGES.get(slot) {
            s.store(usize::MAX, Ordering::Release);
            e.store(0, Ordering::Release);
            s.store(0, Ordering::Release);
        }
    }

    fn install() {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        if page > 0 {
            PAGE.store(page as usize, Ordering::Relaxed);
        }
        // SAFETY: a zeroed sigaction is a valid starting value; we set the handler, its flags
        // and an empty mask before passing it to sigaction, which copies it.
        let ok = unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigbus as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut()) == 0
        };
        OK.store(ok, Ordering::Relaxed);
    }

    extern "C" fn on_sigbus(_sig: i32, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo_t for SA_SIGINFO handlers; si_addr is
        // the faulting address for SIGBUS.
        let addr = unsafe { (*info).si_addr() } as usize;
        let ours = RANGES.iter().any(|(s, e)| {
            let (s, e) = (s.load(Ordering::Acquire), e.load(Ordering::Acquire));
            s != 0 && s != usize::MAX && addr >= s && addr < e
        });
        if ours {
            let page = PAGE.load(Ordering::Relaxed);
            let at = addr & !(page - 1);
            // SAFETY: mmap is async-signal-safe. MAP_FIXED replaces exactly one page inside a
            // mapping we own (its file page is gone, so nothing valid is lost) with zeros; the
            // faulting read is retried on return and succeeds.
            let p = unsafe {
                libc::mmap(
                    at as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                FAULTS.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
        // Not ours (or the page could not be replaced): the default action, as without us.
        // SAFETY: signal() with SIG_DFL is async-signal-safe; returning re-raises the fault.
        unsafe {
            libc::signal(libc::SIGBUS, libc::SIG_DFL);
        }
    }
}
