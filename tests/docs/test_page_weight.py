"""Page weight of the built site (issue 11): sizes in bytes, never times.

Every page's HTML stays within 200 KB (figures are files beside the page, the
API reference is one page per module), and no page makes a reader download
the search index before they search: each page fetches a stub of its own
language, and the sections come at the first query (``docs_hooks/search.py``).
``benchmarks/page_weight.py`` measures every response of a first visit in a
browser; these checks need no browser.
"""

from __future__ import annotations

import json

import pytest

HTML_LIMIT = 200 * 1000
STUB_LIMIT = 2 * 1000


def _pages(site):
    return sorted(p for p in site.rglob("*.html")
                  if not p.relative_to(site).as_posix().startswith(("assets/", "search/")))


def test_every_page_html_is_at_most_200_kb(built_site):
    pages = _pages(built_site)
    assert len(pages) > 20
    heavy = {p.relative_to(built_site).as_posix(): p.stat().st_size for p in pages
             if p.stat().st_size > HTML_LIMIT}
    assert heavy == {}, f"HTML over {HTML_LIMIT} bytes: {heavy}"


@pytest.mark.parametrize("folder", ["", "en/"])
def test_each_language_loads_a_small_stub_of_its_own_index(built_site, folder):
    stub_path = built_site / folder / "search" / "search_index.json"
    assert stub_path.stat().st_size <= STUB_LIMIT
    stub = json.loads(stub_path.read_text(encoding="utf-8"))
    assert stub["docs"] == []
    full = json.loads((built_site / folder / "search" / "search_index.full.json")
                      .read_text(encoding="utf-8"))
    locations = [doc["location"] for doc in full["docs"]]
    assert locations and not [loc for loc in locations if loc.startswith("en/")]
    # Every section of this language, and nothing else: locations are read
    # relative to the language's base, so they point at this language's pages.
    for location in {loc.split("#")[0] for loc in locations}:
        assert (built_site / folder / location / "index.html").is_file(), location
