#!/usr/bin/env python3
"""Fits the weights of tagfeed's list detector on the labelled pages, and writes
src/detect/weights.rs.

    cargo bench --bench accuracy -- --features /tmp/features.csv
    python3 benches/accuracy/fit.py /tmp/features.csv            # fit, report, write weights.rs
    python3 benches/accuracy/fit.py /tmp/features.csv --dry-run  # fit and report only

Each row of the CSV is one candidate list on one page: its features (see src/detect/features.rs)
and a label, 1 when the list's main links match the page's hand-written item links with F1 >= 0.8.
The weights rank each page's candidates: a conditional logit (a softmax over the page's lists with
its right ones as the target) fitted by Newton's method with an L2 penalty, every page weighing the
same, so pages with hundreds of candidate lists do not drown the others. (A plain logistic
regression on the labels ranks worse: it also spends weight telling apart lists that compete on
no page.) The bias then makes the score a probability: a logistic regression on every candidate
with the other weights fixed.

The report is leave-one-page-out: for each page, weights fitted on all the others pick that page's
best list; it says on how many listing pages that list is a right one, and where the threshold
between "a list of articles" and "no list here" falls (pages that are no listing should score
below it). Standard library only: nothing to install.
"""

import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

L2 = 1.0  # penalty on every weight but the bias
ROOT = Path(__file__).resolve().parents[2]


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    names = rows[0][3:]
    data = []
    for r in rows[1:]:
        data.append((r[0], int(r[1]), float(r[2]), [float(x) for x in r[3:]]))
    return names, data


def page_weights(data):
    pos, neg = defaultdict(int), defaultdict(int)
    for page, label, _, _ in data:
        (pos if label else neg)[page] += 1
    return [1.0 / (pos[p] if label else neg[p]) for p, label, _, _ in data]


def solve(a, b):
    """Solves a x = b by Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        p = m[col][col]
        if abs(p) < 1e-12:
            continue
        for r in range(col + 1, n):
            f = m[r][col] / p
            if f:
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        s = m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))
        x[r] = s / m[r][r] if abs(m[r][r]) > 1e-12 else 0.0
    return x


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-max(-35.0, min(35.0, z))))


def pages_with_a_right_list(data):
    by_page = defaultdict(list)
    for row in data:
        by_page[row[0]].append(row)
    return [rows for rows in by_page.values() if any(r[1] for r in rows)]


def fit_ranking(data, iterations=30):
    """Weights that rank each page's right lists above its others: a conditional logit (softmax
    over each page's candidates, the right ones as the target), fitted by Newton's method with an
    L2 penalty. Every page weighs the same."""
    k = len(data[0][3])
    w = [0.0] * k
    pages = pages_with_a_right_list(data)
    for _ in range(iterations):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for rows in pages:
            zs = [sum(a * b for a, b in zip(w, r[3])) for r in rows]
            top = max(zs)
            es = [math.exp(z - top) for z in zs]
            total = sum(es)
            ps = [e / total for e in es]
            right = sum(r[1] for r in rows)
            mean = [sum(p * r[3][i] for p, r in zip(ps, rows)) for i in range(k)]
            for r in rows:
                if r[1]:
                    for i in range(k):
                        grad[i] -= (r[3][i] - mean[i]) / right
            for p, r in zip(ps, rows):
                d = [r[3][i] - mean[i] for i in range(k)]
                for i in range(k):
                    if d[i]:
                        pd = p * d[i]
                        row = hess[i]
                        for j in range(k):
                            row[j] += pd * d[j]
        for i in range(1, k):
            grad[i] += L2 * w[i]
            hess[i][i] += L2
        hess[0][0] += 1.0  # the bias is no part of a ranking: keep it at 0 here
        step = solve(hess, grad)
        w = [a - b for a, b in zip(w, step)]
        if max(abs(s) for s in step) < 1e-7:
            break
    return w


def fit_bias(data, w):
    """The bias that turns ranking scores into the probability that a list is a right one: a
    logistic regression on every candidate with the other weights fixed, every page weighing the
    same. Its gradient grows with the bias, so bisection finds where it is zero."""
    weights = page_weights(data)
    zs = [sum(a * b for a, b in zip(w[1:], x[1:])) for _, _, _, x in data]

    def gradient(b):
        return sum(c * (sigmoid(z + b) - y) for (_, y, _, _), z, c in zip(data, zs, weights))

    low, high = -60.0, 60.0
    for _ in range(80):
        mid = (low + high) / 2.0
        if gradient(mid) > 0:
            high = mid
        else:
            low = mid
    return [(low + high) / 2.0] + w[1:]


def fit(data):
    return fit_bias(data, fit_ranking(data))


def score(w, x):
    return sigmoid(sum(a * b for a, b in zip(w, x)))


def kinds():
    """Each labelled page's kind ("listing" or "not-a-listing"), from its expected.json."""
    import json

    out = {}
    for p in (ROOT / "benches/accuracy/pages").glob("*.expected.json"):
        out[p.name.removesuffix(".expected.json")] = json.loads(p.read_text())["kind"]
    return out


def leave_one_page_out(data):
    """Per page: (page, kind, whether any candidate is right, top candidate right?, its F1, its
    score), the top chosen by weights fitted without that page."""
    by_page = defaultdict(list)
    for row in data:
        by_page[row[0]].append(row)
    kind = kinds()
    results = []
    for page in sorted(by_page):
        rest = [r for r in data if r[0] != page]
        w = fit(rest)
        ranked = sorted(by_page[page], key=lambda r: -score(w, r[3]))
        top = ranked[0]
        reachable = any(r[1] for r in by_page[page])
        results.append(
            (page, kind.get(page, "listing"), reachable, top[1], top[2], score(w, top[3]))
        )
    return results


def threshold(results):
    """Midway between the best no-listing page's top score and the lowest right top score above
    it, so that as many listings as possible keep their list and no-listing pages get none."""
    negatives = [s for _, kind, _, _, _, s in results if kind != "listing"]
    rights = sorted(s for _, kind, _, ok, _, s in results if kind == "listing" and ok)
    ceiling = max(negatives, default=0.0)
    above = [s for s in rights if s > ceiling]
    if not above:
        return 0.5
    return round((ceiling + above[0]) / 2.0, 3)


def write(names, w, tau, rows, pages):
    values = [f"{v:.4f}," for v in w]
    width = max(len(v) for v in values)
    # Laid out as rustfmt lays it out, so `cargo fmt --check` passes on the written file.
    body = "\n".join(f"    {v:<{width}} // {n}" for n, v in zip(names, values))
    text = f"""//! The weights of the detection model, in the order of `features::NAMES`. Written by
//! `benches/accuracy/fit.py` from the labelled pages in `benches/accuracy/pages/` ({rows}
//! candidate lists on {pages} pages); do not edit by hand: change the features or the pages and fit
//! again.

// Fitted numbers: one may come out close to a mathematical constant without being one.
#![allow(clippy::approx_constant)]

/// The weights: fitted to rank each page's right list first, the bias to make the score a
/// probability.
pub(crate) const WEIGHTS: [f64; {len(w)}] = [
{body}
];

/// The score below which a page's best list is taken for no list of articles at all (a page
/// that is no listing): midway between the best such page and the right lists just above it.
pub(crate) const THRESHOLD: f64 = {tau};
"""
    (ROOT / "src/detect/weights.rs").write_text(text)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    names, data = read(sys.argv[1])
    results = leave_one_page_out(data)
    tau = threshold(results)
    print(f"{'page':<50} {'top right':>9} {'F1':>5} {'score':>6}")
    for page, kind, reachable, ok, f1, s in results:
        note = {"listing": "" if reachable else "  (no candidate is right)"}.get(kind, f"  ({kind})")
        print(f"{page:<50} {('yes' if ok else 'no'):>9} {f1:5.2f} {s:6.3f}{note}")
    listings = [r for r in results if r[1] == "listing" and r[2]]
    right = sum(1 for r in listings if r[3] and r[5] >= tau)
    negatives = [r for r in results if r[1] != "listing"]
    refused = sum(1 for r in negatives if r[5] < tau)
    print(
        f"\nleave-one-page-out: the right list on top (and above {tau}) on {right} of the "
        f"{len(listings)} listing pages where a candidate is right; {refused} of "
        f"{len(negatives)} pages that are no listing refused"
    )
    w = fit(data)
    print("\nweights:")
    for n, v in zip(names, w):
        print(f"  {n:<16} {v:8.4f}")
    if "--dry-run" not in sys.argv:
        write(names, w, tau, len(data), len({r[0] for r in data}))
        print("\nwrote src/detect/weights.rs")


if __name__ == "__main__":
    main()
