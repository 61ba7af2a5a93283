#!/usr/bin/env python3
"""Generates listing pages and the configs that build them, for benches/perf/run.sh and serve.sh.

usage: gen.py N OUT [--words W] [--url-sources]
       gen.py --bump FILE

N OUT          N listing pages OUT/pages/p{i}.html (20 `article.post` items each: title link in an
               h2, <time datetime>, a `.summary` paragraph of W words; 50 nav links; ~51 KB with
               the default W=255), OUT/tagfeed.toml (one [[source]] per page, rss+atom+json into
               OUT/feeds, store OUT/state/tagfeed.db) and OUT/rsspls.toml (one [[feed]] per page
               reading the same page through a file:// URL, output OUT/rsspls-out).
--url-sources  config only, no pages: every source has `url = "https://example.org/tag/{i}/"`
               (`tagfeed check` then fetches and reads nothing: it measures config load + validate).
--bump FILE    changes one page the way a new post does: a new article on top, the oldest dropped.
Deterministic: a fixed seed, so the same N and W always give the same bytes.
"""
import os, random, re, sys

WORDS = ("alliance partner defense minister summit cooperation training exercise support security "
         "agreement").split()


def article(rng, p, i, words):
    title = " ".join(rng.choice(WORDS).capitalize() for _ in range(8))
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    return (f'<article class="post"><h2><a href="/news/{p}/{i}">{title}</a></h2>'
            f'<time datetime="2026-01-{(i % 28) + 1:02d}T10:00:00Z">Jan {(i % 28) + 1}, 2026</time>'
            f'<div class="summary"><p>{body}</p></div></article>')


def page(p, words):
    rng = random.Random(7_000_003 * (p + 1))
    items = [article(rng, p, i, words) for i in range(20)]
    nav = "".join(f'<a href="/n/{k}">Nav {k}</a>' for k in range(50))
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<title>Tag: Topic {p} – Example</title></head><body><nav>{nav}</nav>"
            f"<h1>Tag: Topic {p}</h1><main>\n" + "\n".join(items) +
            "\n</main><footer><a href=\"/about\">About</a> <a href=\"/contact\">Contact</a>"
            "</footer></body></html>")


def bump(path):
    html = open(path, encoding="utf-8").read()
    arts = re.findall(r'<article class="post">.*?</article>', html)
    n = len(re.findall(r'href="/news/\d+/new\d+"', html))
    rng = random.Random(len(html) + n)
    new = article(rng, 0, 0, 255).replace('href="/news/0/0"', f'href="/news/0/new{n}"') \
        .replace("2026-01-01T10:00:00Z", "2026-02-01T10:00:00Z")
    html = html.replace(arts[-1] + "\n", "").replace(arts[-1], "")
    html = html.replace("<main>\n", "<main>\n" + new + "\n", 1)
    open(path, "w", encoding="utf-8").write(html)


def main(argv):
    if argv[:1] == ["--bump"]:
        return bump(argv[1])
    words, url_sources, pos = 255, False, []
    it = iter(argv)
    for a in it:
        if a == "--words":
            words = int(next(it))
        elif a == "--url-sources":
            url_sources = True
        else:
            pos.append(a)
    if len(pos) != 2:
        sys.exit(__doc__)
    n, out = int(pos[0]), os.path.abspath(pos[1])
    os.makedirs(out, exist_ok=True)
    cfg = ['[output]', 'dir = "feeds"', 'base_url = "https://feeds.example.org/"',
           'formats = ["rss", "atom", "json"]', '', '[store]', 'path = "state/tagfeed.db"', '']
    rss = ['[rsspls]', f'output = "{out}/rsspls-out"', 'file_urls = true', '']
    if not url_sources:
        os.makedirs(f"{out}/pages", exist_ok=True)
    for p in range(n):
        if url_sources:
            where = f'url = "https://example.org/tag/{p}/"'
        else:
            with open(f"{out}/pages/p{p}.html", "w", encoding="utf-8") as f:
                f.write(page(p, words))
            where = f'path = "pages/p{p}.html"'
        cfg += ['[[source]]', f'name = "s{p}"', where, f'page_url = "https://example.org/tag/{p}/"',
                '[source.select]', 'item = "article.post"', 'summary = ".summary"', '']
        rss += ['[[feed]]', f'title = "Tag: Topic {p}"', f'filename = "s{p}.rss.xml"',
                '[feed.config]', f'url = "file://{out}/pages/p{p}.html"', 'item = "article.post"',
                'heading = "h2 a"', 'link = "h2 a"', 'summary = ".summary"', 'date = "time"', '']
    open(f"{out}/tagfeed.toml", "w").write("\n".join(cfg))
    if not url_sources:
        open(f"{out}/rsspls.toml", "w").write("\n".join(rss))


if __name__ == "__main__":
    main(sys.argv[1:])
