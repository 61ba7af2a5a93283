//! `tagfeed serve` as a process: HTTP semantics on a real socket, path safety with raw requests
//! (no client-side normalization), the index, /status and /metrics. The scheduler end to end is
//! in `daemon.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{HTML_SOURCE, TEXT_SOURCE, project, run_in, tagfeed};

/// A running `tagfeed serve`, stopped with SIGTERM on drop.
pub(crate) struct Daemon {
    child: Child,
    pub(crate) addr: String,
    log: Arc<Mutex<String>>,
}

impl Daemon {
    pub(crate) fn start(dir: &std::path::Path, args: &[&str]) -> Daemon {
        Daemon::spawn(tagfeed(), dir, args)
    }

    /// `tagfeed serve` allowed `fds` open files (`ulimit -n`), as on a host with a low limit.
    fn start_with_fds(dir: &std::path::Path, fds: u32, args: &[&str]) -> Daemon {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(format!("ulimit -n {fds} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_tagfeed"));
        Daemon::spawn(sh, dir, args)
    }

    fn spawn(mut cmd: Command, dir: &std::path::Path, args: &[&str]) -> Daemon {
        let mut child = cmd
            .args(["serve", "--listen", "127.0.0.1:0", "-v"])
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The address comes on stdout (a script reads it there), the log on stderr.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    let _ = tx.send(addr.trim_end_matches('/').to_string());
                }
            }
        });
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&line);
                sink.lock().unwrap().push('\n');
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the server started");
        Daemon { child, addr, log }
    }

    /// What the daemon logged so far, without colour codes.
    pub(crate) fn log(&self) -> String {
        let log = self.log.lock().unwrap().clone();
        let mut out = String::with_capacity(log.len());
        let mut rest = log.as_str();
        while let Some(i) = rest.find('\u{1b}') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            rest = rest.find('m').map_or("", |m| &rest[m + 1..]);
        }
        out.push_str(rest);
        out
    }

    /// Waits (at most 10 s) until the log says `needle`: it arrives through a pipe and a thread,
    /// later than the answers on a loaded machine.
    pub(crate) fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.log().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "{needle:?} never logged: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM and returns the exit code.
    pub(crate) fn stop(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the daemon did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// A raw HTTP/1.1 response.
pub(crate) struct Raw {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `method target` exactly as written (no normalization) with extra headers.
fn raw(addr: &str, method: &str, target: &str, headers: &[(&str, &str)]) -> Raw {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = buf[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Raw {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&b[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[end + 2..end + 2 + size]);
        b = &b[end + 4 + size..];
    }
}

pub(crate) fn get(addr: &str, target: &str) -> Raw {
    raw(addr, "GET", target, &[])
}

#[test]
fn feeds_are_served_with_the_right_http() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    assert_eq!(run_in(dir.path(), &["run", "-q"]).status.code(), Some(0));
    let d = Daemon::start(dir.path(), &["--no-schedule"]);
    let a = d.addr.clone();
    for (file, ct) in [
        (
            "/partnerships.rss.xml",
            "application/rss+xml; charset=utf-8",
        ),
        (
            "/partnerships.atom.xml",
            "application/atom+xml; charset=utf-8",
        ),
        (
            "/partnerships-html.json",
            "application/feed+json; charset=utf-8",
        ),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
    ] {
        let r = get(&a, file);
        assert_eq!(r.status, 200, "{file}");
        assert_eq!(r.header("content-type"), Some(ct), "{file}");
        let on_disk = std::fs::read(dir.path().join("feeds").join(&file[1..])).unwrap();
        assert_eq!(r.body, on_disk, "{file}");
        // Default schedule: every 30 minutes, so caches keep it for 15.
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=900"),
            "{file}"
        );
    }
    // ETag and If-None-Match.
    let r = get(&a, "/partnerships.rss.xml");
    let etag = r.header("etag").unwrap().to_string();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "strong: {etag}"
    );
    let r304 = raw(
        &a,
        "GET",
        "/partnerships.rss.xml",
        &[("If-None-Match", &etag)],
    );
    assert_eq!(r304.status, 304);
    assert!(r304.body.is_empty());
    assert_eq!(r304.header("etag"), Some(etag.as_str()));
    // If-Modified-Since.
    let lm = r.header("last-modified").unwrap().to_string();
    assert_eq!(
        raw(
            &a,
            "GET",
            "/partnerships.rss.xml",
            &[("If-Modified-Since", &lm)]
        )
        .status,
        304
    );
    let older = raw(
        &a,
        "GET",
        "/partnerships.rss.xml",
        &[("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")],
    );
    assert_eq!(older.status, 200);
    // HEAD: headers, no body.
    let head = raw(&a, "HEAD", "/partnerships.atom.xml", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-type"),
        Some("application/atom+xml; charset=utf-8")
    );
    // gzip when asked, with its own ETag.
    let gz = raw(
        &a,
        "GET",
        "/partnerships.rss.xml",
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_ne!(gz.header("etag"), Some(etag.as_str()));
    assert!(gz.header("vary").unwrap().contains("Accept-Encoding"));
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(gz.body.as_slice())
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(plain, r.body);
    let gz_etag = gz.header("etag").unwrap().to_string();
    let gz304 = raw(
        &a,
        "GET",
        "/partnerships.rss.xml",
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &gz_etag)],
    );
    assert_eq!(gz304.status, 304);
    let br = raw(
        &a,
        "GET",
        "/partnerships.rss.xml",
        &[("Accept-Encoding", "br, gzip")],
    );
    assert_eq!(br.header("content-encoding"), Some("br"));
    // A feed replaced on disk (as a run does: a new file renamed over it) is served anew, with a
    // new ETag, and the old ETag no longer gives a 304; gzip follows too.
    let path = dir.path().join("feeds/partnerships.rss.xml");
    let tmp = dir.path().join("feeds/.new");
    std::fs::write(&tmp, b"<rss version=\"2.0\"><channel></channel></rss>").unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    let fresh = get(&a, "/partnerships.rss.xml");
    assert_eq!(fresh.body, std::fs::read(&path).unwrap());
    assert_ne!(fresh.header("etag"), Some(etag.as_str()));
    let stale = raw(
        &a,
        "GET",
        "/partnerships.rss.xml",
        &[("If-None-Match", &etag)],
    );
    assert_eq!(stale.status, 200);
    let gz = raw(
        &a,
        "GET",
        "/partnerships.rss.xml",
        &[("Accept-Encoding", "gzip")],
    );
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(gz.body.as_slice())
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(plain, fresh.body);
    assert_eq!(d.stop(), Some(0));
}

#[test]
fn only_feed_files_are_served() {
    let dir = project(TEXT_SOURCE);
    assert_eq!(run_in(dir.path(), &["run", "-q"]).status.code(), Some(0));
    std::fs::write(dir.path().join("feeds/.secret"), "SECRET").unwrap();
    std::fs::write(dir.path().join("feeds/notes.txt"), "SECRET").unwrap();
    let d = Daemon::start(dir.path(), &["--no-schedule"]);
    for target in [
        "/../Cargo.toml",
        "/%2e%2e/config/tagfeed.toml",
        "/..%2fconfig%2ftagfeed.toml",
        "/%2e%2e%2fconfig%2ftagfeed.toml",
        "/feeds/partnerships.rss.xml",
        "/.gitignore",
        "/.secret",
        "/notes.txt",
        "//etc/passwd",
        "/partnerships.rss.xml/",
        "/nato.rss.xml",
        "/config/tagfeed.toml",
        "/..",
        "/../",
        "/../../etc/passwd",
        "/....//....//etc/passwd",
        "/..\\..\\config\\tagfeed.toml",
        "/%2e%2e%5cconfig%5ctagfeed.toml",
        "/%252e%252e/config/tagfeed.toml",
        "/%c0%ae%c0%ae/config/tagfeed.toml",
        "/%uff0e%uff0e/config/tagfeed.toml",
        "/.%2e/config/tagfeed.toml",
        "/%2e./config/tagfeed.toml",
        "/./partnerships.rss.xml/../../config/tagfeed.toml",
        "/partnerships.rss.xml/..%2f..%2fconfig%2ftagfeed.toml",
        "/partnerships.rss.xml%00.json",
        "/partnerships.rss.xml%00",
        "/%00",
        "/feeds.opml/../.secret",
        "/feeds/../feeds/.secret",
        "/%2fetc%2fpasswd",
        "/%2F%2Fetc%2Fpasswd",
        "/file:///etc/passwd",
        "/http://127.0.0.1/",
        "/.git/config",
        "/.tagfeed.lock",
        "/tagfeed.db",
        "/../tagfeed.db",
        "/..;/config/tagfeed.toml",
        "/;/../config/tagfeed.toml",
        "/PARTNERSHIPS.RSS.XML",
        "/partnerships.rss.xml.bak",
        "/partnerships.rss.xml~",
        "/.partnerships.rss.xml.swp",
        "/.tagfeed-tmp.tmp",
    ] {
        let r = get(&d.addr, target);
        assert_eq!(r.status, 404, "{target}: {}", r.text());
        assert!(
            !r.text().contains("[output]") && !r.text().contains("SECRET"),
            "{target}"
        );
    }
    assert_eq!(get(&d.addr, "/partnerships.rss.xml").status, 200);
    d.stop();
}

#[test]
fn a_symlink_out_of_the_feed_folder_is_not_followed() {
    let dir = project(TEXT_SOURCE);
    assert_eq!(run_in(dir.path(), &["run", "-q"]).status.code(), Some(0));
    let feeds = dir.path().join("feeds");
    let outside = dir.path().join("secret.txt");
    std::fs::write(&outside, "SECRET").unwrap();
    let rss = feeds.join("partnerships.rss.xml");
    let atom = feeds.join("partnerships.atom.xml");
    let d = Daemon::start(dir.path(), &["--no-schedule"]);
    // Served (and cached) first, then swapped for a link out of the folder.
    assert_eq!(get(&d.addr, "/partnerships.rss.xml").status, 200);
    std::fs::remove_file(&rss).unwrap();
    std::os::unix::fs::symlink(&outside, &rss).unwrap();
    let r = get(&d.addr, "/partnerships.rss.xml");
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(!r.text().contains("SECRET"));
    // A link that stays inside the folder is served.
    std::fs::remove_file(&atom).unwrap();
    std::os::unix::fs::symlink(feeds.join("partnerships.json"), &atom).unwrap();
    assert_eq!(get(&d.addr, "/partnerships.atom.xml").status, 200);
    d.wait_for_log("outside the feed folder");
    d.stop();
}

#[test]
fn idle_connections_beyond_the_file_limit_do_not_lock_readers_out() {
    let dir = project(TEXT_SOURCE);
    assert_eq!(run_in(dir.path(), &["run", "-q"]).status.code(), Some(0));
    // 100 open files: without a cap under that limit and timeouts, 200 silent connections use
    // up every descriptor and nobody is answered again.
    let d = Daemon::start_with_fds(dir.path(), 100, &["--no-schedule", "--header-timeout", "1"]);
    let idle: Vec<TcpStream> = (0..200)
        .map(|_| TcpStream::connect(&d.addr).unwrap())
        .collect();
    let started = Instant::now();
    let mut s = TcpStream::connect(&d.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET /partnerships.rss.xml HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        d.addr
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let head = String::from_utf8_lossy(&answer[..answer.len().min(20)]).into_owned();
    assert!(
        head.starts_with("HTTP/1.1 200"),
        "after {:?}: {head:?}",
        started.elapsed()
    );
    // The silent ones were closed by the server, not left open.
    let mut closed = 0;
    for mut c in idle {
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut b = [0u8; 1];
        if matches!(c.read(&mut b), Ok(0) | Err(_)) {
            closed += 1;
        }
    }
    assert!(closed >= 100, "{closed} of 200 idle connections closed");
    d.wait_for_log("serving at most");
    d.stop();
}

#[test]
fn index_lists_every_feed_and_status_reports() {
    let dir = project(&format!("{TEXT_SOURCE}{HTML_SOURCE}"));
    // Break one source after a first good run: it keeps being served, the index shows why.
    assert_eq!(run_in(dir.path(), &["run", "-q"]).status.code(), Some(0));
    std::fs::write(
        dir.path().join("config/samples/partnerships.html"),
        "<html></html>",
    )
    .unwrap();
    assert_eq!(run_in(dir.path(), &["run", "-q"]).status.code(), Some(1));
    let d = Daemon::start(dir.path(), &["--no-schedule"]);
    let index = get(&d.addr, "/");
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = index.text();
    for name in ["partnerships", "partnerships-html"] {
        for (f, t) in [
            ("rss.xml", "application/rss+xml"),
            ("atom.xml", "application/atom+xml"),
            ("json", "application/feed+json"),
        ] {
            assert!(
                html.contains(&format!("<link rel=\"alternate\" type=\"{t}\""))
                    && html.contains(&format!("href=\"{name}.{f}\"")),
                "{name}.{f} missing from the index"
            );
            // Relative to the index, so each link works on this server, not only at base_url.
            assert_eq!(get(&d.addr, &format!("/{name}.{f}")).status, 200);
        }
    }
    assert!(
        html.contains("Tag: Partnerships") && html.contains("<td>11</td>"),
        "{html}"
    );
    assert!(
        html.contains("failing since") && html.contains("no entries found"),
        "{html}"
    );
    assert_eq!(
        get(&d.addr, "/partnerships-html.rss.xml").status,
        200,
        "the last good feed is still served"
    );
    assert!(html.contains("href=\"feeds.opml\""), "{html}");
    // Liveness: the process serves, whatever the feeds do.
    let health = get(&d.addr, "/health");
    assert_eq!(health.status, 200);
    // Status: every feed, 200 by default with the trouble in the JSON.
    let status = get(&d.addr, "/status");
    assert_eq!(status.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&status.body).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["feeds"][0]["status"], "ok");
    assert_eq!(v["feeds"][1]["status"], "failing");
    // Times for machines (RFC 3339), files as objects linked relative to the index.
    let when = v["feeds"][0]["last_success"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(when).is_ok(), "{when}");
    assert_eq!(v["feeds"][0]["files"][0]["href"], "partnerships.rss.xml");
    assert_eq!(v["feeds"][0]["files"][0]["format"], "rss");
    // Metrics: what was asked so far, in the Prometheus text format.
    let metrics = get(&d.addr, "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{:?}",
        metrics.header("content-type")
    );
    let text = metrics.text();
    assert!(
        text.contains("tagfeed_http_requests_total{code=\"200\"}"),
        "{text}"
    );
    assert!(
        text.contains("tagfeed_http_request_duration_seconds_count"),
        "{text}"
    );
    d.stop();
    // A load balancer that should route around stale feeds asks for 503.
    let strict = Daemon::start(dir.path(), &["--no-schedule", "--status-503"]);
    assert_eq!(get(&strict.addr, "/status").status, 503);
    assert_eq!(get(&strict.addr, "/health").status, 200);
    strict.stop();
}
