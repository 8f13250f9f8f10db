//! Saves lose nothing: a full disk or a read-only folder fails the save with a message, and
//! the file that was there before is untouched. Uses small tmpfs mounts (needs root, as CI
//! runs); elsewhere the tests say why they skip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use layerscope::capture::pcapng::save_store;
use layerscope::capture::PacketStore;
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// One tiny tmpfs at a time: filling one on one CPU while another test frees and writes on a
/// second made the kernel's per-CPU block counts refuse a 1 KB write with 56 KB free (4 runs
/// in 8 with the tests in parallel, none alone).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Mount a tmpfs with `opts` on a fresh folder; `None` (and a message) when that is not allowed.
fn tmpfs(tag: &str, opts: &str) -> Option<Mount> {
    let turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = std::env::temp_dir().join(format!("layerscope-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", opts, "tmpfs"])
        .arg(&dir)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "SKIPPED: cannot mount a tmpfs here (needs root): the save-failure test needs one"
        );
        let _ = std::fs::remove_dir(&dir);
        return None;
    }
    Some(Mount(dir, turn))
}

struct Mount(
    PathBuf,
    #[allow(dead_code)] std::sync::MutexGuard<'static, ()>,
);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn a_full_disk_fails_the_save_and_keeps_the_old_file() {
    // Room to spare for the small save below: tmpfs counts its pages per CPU, so a write within
    // a page or two of the limit can fail now and then (seen once in 20 runs with 16 KB).
    let Some(m) = tmpfs("full", "size=64k") else {
        return;
    };
    let target = m.0.join("capture.pcapng");
    let old = vec![7u8; 8 * 1024];
    std::fs::write(&target, &old).unwrap();
    // ~200 KB of pcapng: far more than the 56 KB still free.
    let store = PacketStore::open(&data("nodejs-ws-deflate-large.pcap"), |_, _| {}).unwrap();
    let err = save_store(&store, None, &target).unwrap_err().to_string();
    assert!(
        err.contains("capture.pcapng"),
        "the message names the file: {err}"
    );
    assert!(err.to_lowercase().contains("space"), "and says why: {err}");
    assert_eq!(
        std::fs::read(&target).unwrap(),
        old,
        "the previous file is untouched"
    );
    let left: Vec<_> = std::fs::read_dir(&m.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "no temporary file left behind: {left:?}");
    // A save that fits still works there.
    let small = PacketStore::open(&data("crafted-l2l4.pcap"), |_, _| {}).unwrap();
    let n = save_store(&small, Some(&[0, 1, 2]), &target).unwrap();
    assert_eq!(n, 3);
    assert_eq!(PacketStore::open(&target, |_, _| {}).unwrap().len(), 3);
}

#[test]
fn a_read_only_folder_fails_the_save_and_keeps_the_old_file() {
    let Some(m) = tmpfs("ro", "size=64k") else {
        return;
    };
    let target = m.0.join("capture.pcapng");
    std::fs::write(&target, b"previous").unwrap();
    let ok = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&m.0)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("SKIPPED: cannot remount the tmpfs read-only here");
        return;
    }
    let store = PacketStore::open(&data("crafted-l2l4.pcap"), |_, _| {}).unwrap();
    let err = save_store(&store, None, &target).unwrap_err().to_string();
    assert!(
        err.contains("capture.pcapng") && err.to_lowercase().contains("read-only"),
        "{err}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"previous");
}

#[test]
fn a_full_disk_at_the_last_flush_leaves_no_temporary_file() {
    let Some(m) = tmpfs("flush", "size=64k") else {
        return;
    };
    // Fill the disk, then save a few packets: they fit in the writer's buffer, so the
    // failure comes at the final flush (the commit), which once left `.x.tmp` behind.
    let filler = m.0.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0u8; 4096];
    while std::io::Write::write_all(&mut f, &chunk).is_ok() {}
    drop(f);
    let target = m.0.join("small.pcapng");
    let store = PacketStore::open(&data("crafted-l2l4.pcap"), |_, _| {}).unwrap();
    let err = save_store(&store, Some(&[0, 1, 2]), &target)
        .unwrap_err()
        .to_string();
    assert!(err.contains("small.pcapng"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&m.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["filler"], "no temporary file left behind");
}

#[cfg(unix)]
#[test]
fn devices_pipes_links_and_folders() {
    use std::os::unix::fs::FileTypeExt;
    let dir = std::env::temp_dir().join(format!("layerscope-targets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = PacketStore::open(&data("crafted-l2l4.pcap"), |_, _| {}).unwrap();

    // A folder is refused, by name.
    let err = save_store(&store, None, &dir).unwrap_err().to_string();
    assert!(err.contains("a folder"), "{err}");

    // A symbolic link: the file it names is replaced, the link stays a link.
    let real = dir.join("real.pcapng");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.join("link.pcapng");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&real, &link).unwrap();
    save_store(&store, Some(&[0]), &link).unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(PacketStore::open(&real, |_, _| {}).unwrap().len(), 1);

    // A pipe is written in place (another program reads it), and stays a pipe.
    let fifo = dir.join("fifo");
    let _ = std::fs::remove_file(&fifo);
    if Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        save_store(&store, Some(&[0, 1]), &fifo).unwrap();
        let bytes = reader.join().unwrap();
        let copy = dir.join("from-fifo.pcapng");
        std::fs::write(&copy, &bytes).unwrap();
        assert_eq!(PacketStore::open(&copy, |_, _| {}).unwrap().len(), 2);
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    } else {
        eprintln!("SKIPPED (pipe part): mkfifo is not available");
    }

    // A copy of /dev/full (needs root to make): the device stays a device, the error says
    // the disk is full.
    let full = dir.join("full");
    let _ = std::fs::remove_file(&full);
    if Command::new("mknod")
        .arg(&full)
        .args(["c", "1", "7"])
        .status()
        .is_ok_and(|s| s.success())
    {
        let err = save_store(&store, None, &full).unwrap_err().to_string();
        assert!(
            err.contains("full") && err.to_lowercase().contains("space"),
            "{err}"
        );
        assert!(std::fs::metadata(&full)
            .unwrap()
            .file_type()
            .is_char_device());
    } else {
        eprintln!("SKIPPED (device part): mknod needs root");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
