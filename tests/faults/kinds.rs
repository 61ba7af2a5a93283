//! The fault table: one site on a raw socket on 127.0.0.1 that serves a good listing, then one
//! fault at a time. For each fault `tagfeed run` must end in bounded time with the right exit
//! code, name the source and the cause, keep every stored entry, and leave the published feed
//! byte for byte (or, where the fault is harmless, update it correctly).

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tagfeed::store::Store;

use crate::server::listing;
use crate::support::{run_in, texts};

/// How the site answers a request for `target`.
type Behaviour = fn(&str, &mut TcpStream);

/// One fault: its name, what the site does, the exit code, and words the error must contain.
struct Fault {
    name: &'static str,
    act: Behaviour,
    exit: i32,
    says: &'static str,
}

fn respond(s: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

fn html(s: &mut TcpStream, body: &str) {
    respond(
        s,
        "200 OK",
        &[("Content-Type", "text/html; charset=utf-8")],
        body.as_bytes(),
    );
}

fn good_page() -> String {
    listing(&[
        ("e", "2026-01-05"),
        ("d", "2026-01-04"),
        ("c", "2026-01-03"),
        ("b", "2026-01-02"),
        ("a", "2026-01-01"),
    ])
}

fn good(target: &str, s: &mut TcpStream) {
    match target {
        "/robots.txt" => respond(s, "404 Not Found", &[], b""),
        _ => html(s, &good_page()),
    }
}

/// Page requests get `page`; robots.txt is missing.
macro_rules! page {
    ($body:expr) => {
        |target: &str, s: &mut TcpStream| match target {
            "/robots.txt" => respond(s, "404 Not Found", &[], b""),
            _ => ($body)(s),
        }
    };
}

fn status(code: &'static str) -> impl Fn(&mut TcpStream) {
    move |s: &mut TcpStream| respond(s, code, &[("Content-Type", "text/html")], b"<p>no</p>")
}

/// Closes with a TCP reset (linger 0), as a crashing server or a middlebox does.
fn reset(s: &mut TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt reads the struct we pass, on a socket we own.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

fn gzip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..8 {
        z.write_all(&zeros).unwrap();
    }
    z.finish().unwrap()
}

fn faults() -> Vec<Fault> {
    let f = |name, act: Behaviour, exit, says| Fault {
        name,
        act,
        exit,
        says,
    };
    vec![
        f(
            "500",
            page!(status("500 Internal Server Error")),
            1,
            "answered HTTP 500",
        ),
        f(
            "502",
            page!(status("502 Bad Gateway")),
            1,
            "answered HTTP 502",
        ),
        f(
            "503",
            page!(status("503 Service Unavailable")),
            1,
            "answered HTTP 503",
        ),
        f(
            "429-long-retry-after",
            page!(|s: &mut TcpStream| respond(
                s,
                "429 Too Many Requests",
                &[("Retry-After", "7200")],
                b""
            )),
            1,
            "asks to come back in 7200 s",
        ),
        f("404", page!(status("404 Not Found")), 1, "the page is gone"),
        f("410", page!(status("410 Gone")), 1, "the page is gone"),
        f(
            "403",
            page!(status("403 Forbidden")),
            1,
            "refuses this client",
        ),
        f(
            "blackhole",
            page!(|_s: &mut TcpStream| std::thread::sleep(Duration::from_secs(8))),
            1,
            "no complete answer within 1 s",
        ),
        f(
            "drip",
            page!(|s: &mut TcpStream| {
                let body = good_page();
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                for b in body.bytes().take(40) {
                    if s.write_all(&[b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            }),
            1,
            "no complete answer within 1 s",
        ),
        f(
            "truncated",
            page!(|s: &mut TcpStream| {
                let body = good_page();
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                    body.len() * 2
                );
                let _ = s.write_all(&body.as_bytes()[..body.len() / 2]);
            }),
            1,
            "end of file before message length reached",
        ),
        f(
            "reset",
            page!(|s: &mut TcpStream| reset(s)),
            1,
            "Connection reset by peer",
        ),
        f(
            "not-http",
            page!(|s: &mut TcpStream| {
                let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n\x00\x01\x02garbage\r\n\r\n");
            }),
            1,
            "invalid HTTP version",
        ),
        f(
            "gzip-bomb",
            page!(|s: &mut TcpStream| respond(
                s,
                "200 OK",
                &[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                &gzip_bomb()
            )),
            1,
            "larger than [fetch] max_body",
        ),
        f(
            "oversized",
            page!(|s: &mut TcpStream| {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n<html>");
            }),
            1,
            "larger than [fetch] max_body",
        ),
        f(
            "empty-200",
            page!(|s: &mut TcpStream| html(s, "")),
            1,
            "no entries found",
        ),
        f(
            "layout-change",
            page!(|s: &mut TcpStream| html(
                s,
                "<html><body><div class=new><a href=/x>x</a></div></body></html>"
            )),
            1,
            "matched nothing",
        ),
        f(
            "garbage",
            page!(|s: &mut TcpStream| respond(
                s,
                "200 OK",
                &[("Content-Type", "text/html")],
                &[0xff, 0xfe, 0x00, 0x9c, 0x01, 0x80, 0x7f, 0x00]
            )),
            1,
            "no entries found",
        ),
        f(
            "login-page",
            page!(|s: &mut TcpStream| html(
                s,
                "<html><body><form action=/login><input name=u><button>Sign in</button></form></body></html>"
            )),
            1,
            "matched nothing",
        ),
        f(
            "redirect-loop",
            page!(|s: &mut TcpStream| respond(s, "302 Found", &[("Location", "/list/")], b"")),
            1,
            "redirect loop",
        ),
        f(
            "redirect-to-file",
            page!(|s: &mut TcpStream| respond(
                s,
                "301 Moved Permanently",
                &[("Location", "file:///etc/passwd")],
                b""
            )),
            1,
            "not an http(s) URL",
        ),
        f(
            "robots-500",
            |target: &str, s: &mut TcpStream| match target {
                "/robots.txt" => respond(s, "500 Internal Server Error", &[], b""),
                _ => html(s, &good_page()),
            },
            1,
            "robots.txt could not be read (HTTP 500)",
        ),
        f(
            "robots-disallow",
            |target: &str, s: &mut TcpStream| match target {
                "/robots.txt" => respond(
                    s,
                    "200 OK",
                    &[("Content-Type", "text/plain")],
                    b"User-agent: *\nDisallow: /\n",
                ),
                _ => html(s, &good_page()),
            },
            1,
            "disallowed by robots.txt",
        ),
        f(
            "robots-hangs",
            |target: &str, s: &mut TcpStream| match target {
                "/robots.txt" => std::thread::sleep(Duration::from_secs(8)),
                _ => html(s, &good_page()),
            },
            1,
            "robots.txt: no complete answer within 1 s",
        ),
        // Harmless: the feed is updated correctly.
        f(
            "half-the-items",
            page!(|s: &mut TcpStream| html(
                s,
                &listing(&[
                    ("e", "2026-01-05"),
                    ("d", "2026-01-04"),
                    ("c", "2026-01-03")
                ])
            )),
            0,
            "",
        ),
        f(
            "duplicates",
            page!(|s: &mut TcpStream| html(
                s,
                &listing(&[
                    ("f", "2026-01-06"),
                    ("f", "2026-01-06"),
                    ("f", "2026-01-06"),
                    ("e", "2026-01-05"),
                    ("e", "2026-01-05")
                ])
            )),
            0,
            "",
        ),
        f(
            "bogus-charset",
            page!(|s: &mut TcpStream| respond(
                s,
                "200 OK",
                &[("Content-Type", "text/html; charset=x-no-such-thing")],
                good_page().as_bytes()
            )),
            0,
            "",
        ),
        f(
            "future-dates",
            page!(|s: &mut TcpStream| html(
                s,
                &listing(&[
                    ("z", "2099-12-31"),
                    ("e", "2026-01-05"),
                    ("d", "2026-01-04")
                ])
            )),
            0,
            "",
        ),
    ]
}

/// The site: each connection answered by the behaviour `mode` points at (0: good).
fn site(table: Arc<Vec<Behaviour>>, mode: Arc<AtomicUsize>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { continue };
            let (table, mode) = (table.clone(), mode.clone());
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                let target = head.split(' ').nth(1).unwrap_or("/").to_string();
                (table[mode.load(Ordering::SeqCst)])(&target, &mut s);
            });
        }
    });
    addr
}

fn stored(dir: &std::path::Path) -> usize {
    let store = Store::open(&dir.join("tagfeed.db")).unwrap();
    store.entries("site", 1000).unwrap().len()
}

#[test]
fn every_fault_keeps_the_feed_and_the_store_and_says_why() {
    let faults = faults();
    assert!(faults.len() >= 25, "{} fault kinds", faults.len());
    let mut table: Vec<Behaviour> = vec![good];
    table.extend(faults.iter().map(|f| f.act));
    let mode = Arc::new(AtomicUsize::new(0));
    let addr = site(Arc::new(table), mode.clone());
    let mut failures = Vec::new();
    for (i, fault) in faults.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("tagfeed.toml"),
            format!(
                "[output]\ndir = \"feeds\"\nbase_url = \"https://feeds.example.org/\"\n\
                 [store]\npath = \"tagfeed.db\"\n\
                 [fetch]\nmin_delay = 0.01\nretry_delay = 0.01\nretries = 1\ntimeout = 1\n\
                 max_body = 1000000\nmax_retry_after = 1\n\n\
                 [[source]]\nname = \"site\"\nurl = \"http://{addr}/list/\"\n\
                 [source.select]\nitem = \"li.item\"\n"
            ),
        )
        .unwrap();
        mode.store(0, Ordering::SeqCst);
        let first = run_in(dir.path(), &["run", "-q", "-c", "tagfeed.toml"]);
        assert_eq!(
            first.status.code(),
            Some(0),
            "{}: {:?}",
            fault.name,
            texts(&first)
        );
        let feed = dir.path().join("feeds/site.rss.xml");
        let before = std::fs::read(&feed).unwrap();
        let kept = stored(dir.path());
        mode.store(i + 1, Ordering::SeqCst);
        let started = Instant::now();
        let out = run_in(dir.path(), &["run", "-c", "tagfeed.toml"]);
        let took = started.elapsed();
        let (_, stderr) = texts(&out);
        let mut wrong = Vec::new();
        if out.status.code() != Some(fault.exit) {
            wrong.push(format!("exit {:?}", out.status.code()));
        }
        if took > Duration::from_secs(20) {
            wrong.push(format!("took {took:?}"));
        }
        if stored(dir.path()) < kept {
            wrong.push("stored entries lost".into());
        }
        let after = std::fs::read(&feed).unwrap();
        if fault.exit != 0 {
            if after != before {
                wrong.push("the feed changed".into());
            }
            let named = stderr.contains("error: site: ");
            let why = fault.says == "deep" || stderr.contains(fault.says);
            if !named || !why {
                wrong.push(format!("message {stderr:?}"));
            }
        } else if feed_rs::parser::parse(after.as_slice()).is_err() {
            wrong.push("the updated feed does not parse".into());
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}", fault.name, wrong.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_host_that_refuses_connections_is_said_to() {
    let table: Vec<Behaviour> = vec![good];
    let addr = site(Arc::new(table), Arc::new(AtomicUsize::new(0)));
    let dir = tempfile::tempdir().unwrap();
    let config = |addr: String| {
        format!(
            "[output]\ndir = \"feeds\"\nbase_url = \"https://feeds.example.org/\"\n\
             [fetch]\nmin_delay = 0.01\nretry_delay = 0.01\nretries = 1\n\n\
             [[source]]\nname = \"site\"\nurl = \"http://{addr}/list/\"\n\
             [source.select]\nitem = \"li.item\"\n"
        )
    };
    let path = dir.path().join("tagfeed.toml");
    std::fs::write(&path, config(addr.to_string())).unwrap();
    assert_eq!(
        run_in(dir.path(), &["run", "-q", "-c", "tagfeed.toml"])
            .status
            .code(),
        Some(0)
    );
    let feed = dir.path().join("feeds/site.rss.xml");
    let before = std::fs::read(&feed).unwrap();
    // The site moves to a port where nothing listens.
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    std::fs::write(&path, config(dead.to_string())).unwrap();
    let out = run_in(dir.path(), &["run", "-c", "tagfeed.toml"]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("error: site: ") && stderr.contains("cannot connect"),
        "{stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "{stderr}"
    );
    assert!(std::fs::read(&feed).unwrap() == before);
}
