//! The rough edges a new user meets (issue 12), one module per kind: output in pipes and logs,
//! messages that help, install and operations. Every test runs the binary as a user would.

mod messages;
mod ops;
mod pipes;

/// A small tag page: three posts with tags, and a next-page link written with spaces around it.
const TAG_PAGE: &str = r#"<!DOCTYPE html><html><head><title>Tag x</title></head><body>
<nav><a href="/">Home</a><a href="/about/">About</a></nav><main>
<article class="post"><h2><a href="/one/">One</a></h2><time datetime="2024-03-03">3 March</time>
  <a rel="tag" href="/tag/rust/">rust</a><a rel="tag" href="/tag/cli/">cli</a><p>First.</p></article>
<article class="post"><h2><a href="/two/">Two</a></h2><time datetime="2024-03-02">2 March</time>
  <a rel="tag" href="/tag/rust/">rust</a><p>Second.</p></article>
<article class="post"><h2><a href="/three/">Three</a></h2><time datetime="2024-03-01">1 March</time>
  <a rel="tag" href="/tag/web/">web</a><p>Third.</p></article>
</main><a class="next" href="  /tag/x/page/2/  ">Older posts</a></body></html>"#;
