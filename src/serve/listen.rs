//! Accepting connections so that no client can starve the others.
//!
//! A plain accept loop has three holes, each seen under attack: a client that opens a connection
//! and sends nothing (or a header a byte at a time) keeps it forever; a reader that stops reading
//! keeps a response half written; and enough of either exhausts the process's file descriptors,
//! after which nobody gets an answer. So: the request head must arrive within `header_timeout`
//! (this also ends idle keep-alive connections), a connection that moves no byte either way for
//! `idle_timeout` is closed, and at most `max_connections` are open at once, a number kept below
//! the descriptor limit. Connections beyond the cap wait in the kernel's queue and are taken as
//! soon as the slow ones time out.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// How long and how many: the guards on the server's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most connections open at once (lowered to fit the file-descriptor limit).
    pub max_connections: usize,
    /// Time a client has to send a request's head, counted from when the server is ready to read
    /// it: on a fresh connection and between keep-alive requests.
    pub header_timeout: Duration,
    /// Time a connection may go without a byte read or written before it is closed.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// Descriptors kept free for everything but client connections: the store, feed files being
/// read or written, outgoing fetches of the scheduler.
const RESERVED_FDS: u64 = 64;

impl Limits {
    /// The connection cap to use: `max_connections`, but never so many that the process runs out
    /// of file descriptors (and with them, of `accept`).
    pub fn cap(&self) -> usize {
        fd_limit().map_or(self.max_connections, |fds| {
            let room = fds.saturating_sub(RESERVED_FDS).max(8);
            self.max_connections
                .min(usize::try_from(room).unwrap_or(usize::MAX))
        })
    }
}

/// The soft limit on open files, when the system says.
fn fd_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct we pass, which lives on this stack frame.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
    (ok && lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur)
}

/// Serves `app` on `listener` until `stop` turns true, then lets open requests finish (at most
/// `grace`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
) {
    let cap = limits.cap();
    if cap < limits.max_connections {
        tracing::info!(
            cap,
            "serving at most {cap} connections at once (the open-file limit is lower than max \
             connections; raise it with `ulimit -n` or systemd's LimitNOFILE)"
        );
    }
    let permits = Arc::new(Semaphore::new(cap));
    let (closing_tx, closing) = watch::channel(false);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = turned(&mut stop) => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors or a connection reset before it was taken: wait a
                    // moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = turned(&mut stop) => break,
        };
        let app = app.clone();
        let closing = closing.clone();
        tokio::spawn(async move {
            connection(stream, app, limits, closing).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = closing_tx.send(true);
    // Every connection holds a permit until it is done: all permits back means all closed.
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(grace, permits.acquire_many(all)).await;
}

/// Resolves once `flag` is true (or its sender is gone).
async fn turned(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|f| *f).await;
}

/// One connection, until the client is done, a limit is hit, or the server is closing.
async fn connection(
    stream: TcpStream,
    app: Router,
    limits: Limits,
    mut closing: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let (io, progress) = Watched::new(stream);
    let service = TowerToHyperService::new(
        app.map_request(|req: hyper::Request<Incoming>| req.map(Body::new)),
    );
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut closing_seen = false;
    loop {
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = %e, "connection ended");
                }
                return;
            }
            _ = progress.stalled(limits.idle_timeout) => {
                tracing::debug!("closing a connection idle for {:?}", limits.idle_timeout);
                return;
            }
            _ = turned(&mut closing), if !closing_seen => {
                closing_seen = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// When a connection last moved a byte, in milliseconds since it opened.
struct Progress {
    opened: Instant,
    last: AtomicU64,
}

impl Progress {
    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    /// Resolves once no byte has moved for `idle`.
    async fn stalled(&self, idle: Duration) {
        loop {
            let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
            let due = last + idle;
            let now = self.opened.elapsed();
            if now >= due {
                return;
            }
            tokio::time::sleep(due - now).await;
        }
    }
}

/// A stream that notes every byte it moves.
struct Watched {
    inner: TcpStream,
    progress: Arc<Progress>,
}

impl Watched {
    fn new(inner: TcpStream) -> (Watched, Arc<Progress>) {
        let progress = Arc::new(Progress {
            opened: Instant::now(),
            last: AtomicU64::new(0),
        });
        let watched = Watched {
            inner,
            progress: progress.clone(),
        };
        (watched, progress)
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.progress.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.progress.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.progress.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_under_the_descriptor_limit() {
        let limits = Limits {
            max_connections: usize::MAX,
            ..Limits::default()
        };
        let cap = limits.cap();
        if let Some(fds) = fd_limit() {
            assert!((cap as u64) < fds, "cap {cap} with {fds} descriptors");
        }
        let small = Limits {
            max_connections: 3,
            ..Limits::default()
        };
        assert_eq!(small.cap(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_moves_nothing_is_stalled_after_the_idle_time() {
        let progress = Progress {
            opened: Instant::now(),
            last: AtomicU64::new(0),
        };
        let started = tokio::time::Instant::now();
        progress.stalled(Duration::from_secs(5)).await;
        assert!(started.elapsed() >= Duration::from_secs(5));
    }
}
