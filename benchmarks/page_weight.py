"""First-visit page weight of the built site, measured in headless Chromium (issue 11).

Serves a built site (``mkdocs build -d DIR``) on 127.0.0.1 and opens every page
in a fresh browser context (empty cache, as a first visit), waits until the
network is idle, and adds up the uncompressed bytes of every response the page
caused (its HTML, CSS, scripts, images, fonts, JSON such as the search index,
and what the search worker loads). One line per page, heaviest first, then the
targets of issue 11: every page's HTML at most 200 KB, every chapter page's
total at most 1 MB (every page of this site is a chapter, the home
page, glossary and API reference included).

Run:  .venv/bin/python benchmarks/page_weight.py SITE_DIR [--json out.json] [--check]

``--check`` exits with status 1 when a page misses a target (the numbers are
bytes, not times, so the check is stable on any machine).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

# The tests' browser helpers: one way to start Chromium and serve a folder.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402
HTML_LIMIT = 200 * 1000
CHAPTER_LIMIT = 1000 * 1000
# Not a page of the site's navigation (served only for missing URLs).
NOT_PAGES = {"404.html"}


def site_pages(site: Path) -> list[str]:
    """URL paths of every HTML page of the site (``/``, ``/conv2d/``, ``/en/...``)."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site).as_posix()
        if relative in NOT_PAGES or relative.startswith(("assets/", "search/")):
            continue
        pages.append("/" + relative.removesuffix("index.html"))
    return pages


def _kind(resource_type: str, url: str) -> str:
    if resource_type == "document":
        return "html"
    if resource_type in {"stylesheet", "script", "image", "font"}:
        return {"stylesheet": "css", "script": "js"}.get(resource_type, resource_type)
    if url.endswith(".js"):  # scripts the search worker imports
        return "js"
    return "data"  # the search index (JSON), sitemap, ...


def measure_page(browser, base: str, path: str) -> dict:
    """Bytes per kind of every response of a first visit to ``path``."""
    context = browser.new_context()
    page = context.new_page()
    sizes: dict[str, int] = defaultdict(int)
    urls: dict[str, int] = {}
    foreign: list[str] = []

    def on_response(response):
        url = response.url
        if not url.startswith(base + "/"):
            foreign.append(url)
            return
        try:
            body = response.body()
        except Exception:  # redirects and aborted requests have no body
            return
        kind = _kind(response.request.resource_type, url)
        sizes[kind] += len(body)
        urls[url[len(base):]] = len(body)

    page.on("response", on_response)
    try:
        page.goto(base + path, wait_until="load")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    total = sum(sizes.values())
    return {"path": path, "total": total, **{k: sizes.get(k, 0) for k in
            ("html", "css", "js", "image", "font", "data")},
            "responses": dict(sorted(urls.items(), key=lambda kv: -kv[1])),
            "foreign": foreign}


def check(rows: list[dict]) -> list[str]:
    """The pages that miss a target, one message each."""
    failures = []
    for row in rows:
        if row["html"] > HTML_LIMIT:
            failures.append(f"{row['path']}: HTML {row['html'] / 1000:.0f} KB > 200 KB")
        if row["total"] > CHAPTER_LIMIT:
            failures.append(f"{row['path']}: total {row['total'] / 1000:.0f} KB > 1000 KB")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, help="folder of a built site (mkdocs build -d)")
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a page misses a target")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"site must be a built site folder with index.html, got {args.site}")

    from playwright.sync_api import sync_playwright

    with serve(args.site) as root, sync_playwright() as playwright:
        base = root.rstrip("/")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                             headless=True)
        try:
            rows = [measure_page(browser, base, path) for path in site_pages(args.site)]
        finally:
            browser.close()

    rows.sort(key=lambda row: -row["total"])
    print(f"{'page':<32}{'total':>10}{'html':>10}{'css':>9}{'js':>9}{'image':>9}"
          f"{'data':>9}   (KB, 1 KB = 1000 bytes, uncompressed, first visit)")
    for row in rows:
        print(f"{row['path']:<32}" + "".join(
            f"{row[k] / 1000:>{w}.0f}" for k, w in
            (("total", 10), ("html", 10), ("css", 9), ("js", 9), ("image", 9), ("data", 9))))
    heaviest = rows[0]
    largest = max(rows[0]["responses"].items(), key=lambda kv: kv[1])
    print(f"\nheaviest page: {heaviest['path']} {heaviest['total'] / 1000:.0f} KB "
          f"(largest response {largest[0]} {largest[1] / 1000:.0f} KB)")
    foreign = sorted({url for row in rows for url in row["foreign"]})
    print(f"requests outside the site: {foreign or 'none'}")
    failures = check(rows)
    print("targets (HTML <= 200 KB, page total <= 1000 KB): "
          + ("all met" if not failures else f"{len(failures)} missed"))
    for failure in failures:
        print("  " + failure)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "failures": failures}, indent=1))
    return 1 if (args.check and failures) else 0


if __name__ == "__main__":
    sys.exit(main())
