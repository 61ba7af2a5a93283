//! Standard output and error as Unix tools use them: a reader that stops reading (`| head -1`)
//! ends our output quietly instead of a panic, and a write that really fails (a full disk behind
//! `> file`) is reported once at the end, with exit 1.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout's reader has gone: later output is dropped.
static CLOSED: AtomicBool = AtomicBool::new(false);
/// The first write error that was not a closed pipe.
static FAILED: Mutex<Option<io::Error>> = Mutex::new(None);

thread_local! {
    /// While [`capture`] runs: what would have gone to stdout.
    static CAPTURED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, keeping what it prints on stdout instead of printing it (`init` writes what
/// `suggest` prints into the new config).
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, String) {
    CAPTURED.with(|c| *c.borrow_mut() = Some(String::new()));
    let result = f();
    let text = CAPTURED.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (result, text)
}

/// Writes to stdout. A closed pipe ends the output; any other error is kept for [`finish`].
pub fn stdout(args: fmt::Arguments<'_>) {
    let kept = CAPTURED.with(|c| match c.borrow_mut().as_mut() {
        Some(text) => {
            let _ = fmt::Write::write_fmt(text, args);
            true
        }
        None => false,
    });
    if kept || CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args) {
        failed(e);
    }
}

/// Writes to stderr; errors are dropped (there is nowhere left to report them).
pub fn stderr(args: fmt::Arguments<'_>) {
    let _ = io::stderr().lock().write_fmt(args);
}

fn failed(e: io::Error) {
    CLOSED.store(true, Ordering::Relaxed);
    if e.kind() != io::ErrorKind::BrokenPipe
        && let Ok(mut first) = FAILED.lock()
    {
        first.get_or_insert(e);
    }
}

/// Flushes stdout and returns the first write error other than a closed pipe.
pub fn finish() -> Option<io::Error> {
    if !CLOSED.load(Ordering::Relaxed)
        && let Err(e) = io::stdout().lock().flush()
    {
        failed(e);
    }
    FAILED.lock().ok().and_then(|mut f| f.take())
}

/// `println!` that survives a closed stdout.
macro_rules! outln {
    () => { $crate::cli::out::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::out::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that survives a closed stdout.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::out::stdout(format_args!($($arg)*)) };
}

/// `eprintln!` that survives a closed stderr.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::out::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {errln, out, outln};
