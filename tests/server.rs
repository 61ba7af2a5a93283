//! A real HTTP server on 127.0.0.1 for the fetch tests: each test gives it a handler, and it
//! records every request it got (path, headers, when it started and ended).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, Response as HttpResponse, StatusCode};
use url::Url;

/// A request as the handler sees it.
#[derive(Debug, Clone)]
pub struct Req {
    /// Path and query, e.g. `/news/?Page=2`.
    pub target: String,
    pub headers: HeaderMap,
}

impl Req {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What to answer.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (to make overlapping requests visible).
    pub delay: Duration,
    /// Send the body in chunks without a Content-Length.
    pub chunked: bool,
}

impl Resp {
    pub fn html(body: impl Into<String>) -> Resp {
        Resp {
            status: 200,
            headers: vec![("content-type", "text/html; charset=utf-8".into())],
            body: body.into().into_bytes(),
            delay: Duration::ZERO,
            chunked: false,
        }
    }

    pub fn status(status: u16) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
            chunked: false,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Resp {
        self.headers.push((name, value.into()));
        self
    }

    pub fn delay(mut self, d: Duration) -> Resp {
        self.delay = d;
        self
    }
}

/// One request the server answered.
#[derive(Debug, Clone)]
pub struct Hit {
    pub req: Req,
    pub start: Instant,
    pub end: Instant,
}

type Handler = Arc<dyn Fn(&Req) -> Resp + Send + Sync>;

/// A running server. It stops when the test process ends.
pub struct Server {
    pub addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Server {
    /// Starts a server on 127.0.0.1 with a random port.
    pub fn start(handler: impl Fn(&Req) -> Resp + Send + Sync + 'static) -> Server {
        let handler: Handler = Arc::new(handler);
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let log = hits.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
                    let (handler, log) = (handler.clone(), log.clone());
                    async move { serve(req, &handler, &log).await }
                });
                axum::serve(listener, app).await.unwrap();
            });
        });
        Server {
            addr: rx.recv().unwrap(),
            hits,
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).unwrap()
    }

    /// Every request so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    /// The targets requested so far, in order, without robots.txt.
    pub fn targets(&self) -> Vec<String> {
        self.hits()
            .into_iter()
            .map(|h| h.req.target)
            .filter(|t| t != "/robots.txt")
            .collect()
    }

    /// Forgets the requests so far.
    pub fn clear(&self) {
        self.hits.lock().unwrap().clear();
    }
}

async fn serve(
    req: axum::extract::Request,
    handler: &Handler,
    log: &Mutex<Vec<Hit>>,
) -> HttpResponse<Body> {
    let start = Instant::now();
    let r = Req {
        target: req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        headers: req.headers().clone(),
    };
    let resp = handler(&r);
    if !resp.delay.is_zero() {
        tokio::time::sleep(resp.delay).await;
    }
    let mut builder = HttpResponse::builder().status(StatusCode::from_u16(resp.status).unwrap());
    for (k, v) in &resp.headers {
        builder = builder.header(*k, v);
    }
    let body = if resp.chunked {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            resp.body.chunks(1024).map(|c| Ok(c.to_vec())).collect();
        Body::from_stream(futures_lite_stream(chunks))
    } else {
        Body::from(resp.body)
    };
    log.lock().unwrap().push(Hit {
        req: r,
        start,
        end: Instant::now(),
    });
    builder.body(body).unwrap()
}

/// A stream over ready chunks, so the body goes out without a Content-Length.
fn futures_lite_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    struct Chunks(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);
    impl futures_core::Stream for Chunks {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Chunks(chunks.into_iter())
}

/// A listing page with one `li.item` per (slug, date) pair, and a `Tag: Test` heading.
pub fn listing(items: &[(&str, &str)]) -> String {
    let lis: String = items
        .iter()
        .map(|(slug, date)| {
            format!(
                "<li class=\"item\"><a href=\"/news/{slug}\">Article {slug}</a> \
                 <time datetime=\"{date}\">{date}</time><p>About {slug}.</p></li>\n"
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><head><title>News</title></head><body><h1>Tag: Test</h1><ul>\n{lis}</ul></body></html>"
    )
}
