#!/usr/bin/env python3
# Generates N listing pages (20 items, ~50 KB each) and a tagfeed config with one source per page.
import os, sys, random
n = int(sys.argv[1]); out = sys.argv[2]
os.makedirs(f"{out}/pages", exist_ok=True)
random.seed(7)
words = "alliance partner defense minister summit cooperation training exercise support security agreement".split()
cfg = ['[output]', 'dir = "feeds"', 'base_url = "https://feeds.example.org/"', '']
for p in range(n):
    items = []
    for i in range(20):
        title = " ".join(random.choice(words).capitalize() for _ in range(8))
        body = " ".join(random.choice(words) for _ in range(300))
        items.append(f'<article class="post"><h2><a href="/news/{p}/{i}">{title}</a></h2>'
                     f'<time datetime="2026-01-{(i % 28) + 1:02d}T10:00:00Z">Jan</time>'
                     f'<div class="summary"><p>{body}</p></div></article>')
    html = ("<!DOCTYPE html><html><head><title>Tag: Topic %d – Example</title></head><body>"
            "<nav>" + "".join(f'<a href="/n/{k}">Nav {k}</a>' for k in range(50)) + "</nav>"
            "<h1>Tag: Topic %d</h1><main>%s</main></body></html>") % (p, p, "\n".join(items))
    open(f"{out}/pages/p{p}.html", "w").write(html)
    cfg += ['[[source]]', f'name = "s{p}"', f'path = "pages/p{p}.html"',
            f'page_url = "https://example.org/tag/{p}/"', '[source.select]',
            'item = "article.post"', 'summary = ".summary"', '']
open(f"{out}/tagfeed.toml", "w").write("\n".join(cfg))
