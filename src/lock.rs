//! One run at a time: overlapping cron runs must not fetch twice or race on the store and files.
//! The lock is an OS file lock (released by the kernel if the process dies), next to the store.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run held the lock for longer than we wait.
    #[error(
        "another tagfeed run holds {path} ({holder}); waited {waited} s and gave up. Nothing was \
         done; the other run is updating the feeds (raise [fetch] lock_wait to wait longer)"
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// Who holds it, as the holder wrote it (pid and start time).
        holder: String,
        /// Seconds we waited.
        waited: u64,
    },
    /// The lock file could not be created or locked.
    #[error("cannot use the lock file {path}: {source}; check that its folder is writable")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

/// Held for the whole run; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// Takes the lock at `path`, waiting up to `wait` for another run to finish.
pub fn acquire(path: &Path, wait: Duration) -> Result<RunLock, LockError> {
    let io = |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io)?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(LockError::Busy {
                    path: path.to_path_buf(),
                    holder: holder.trim().to_string(),
                    waited: wait.as_secs(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
    }
    // Say who holds it, for the message the next run shows.
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    let note = format!(
        "pid {} since {}",
        std::process::id(),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    file.write_all(note.as_bytes()).map_err(io)?;
    Ok(RunLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/tagfeed.lock");
        let first = acquire(&path, Duration::ZERO).unwrap();
        let start = Instant::now();
        let err = acquire(&path, Duration::from_millis(300)).unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(300));
        let msg = err.to_string();
        assert!(
            msg.contains("another tagfeed run")
                && msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        acquire(&path, Duration::ZERO).expect("free again once released");
    }
}
