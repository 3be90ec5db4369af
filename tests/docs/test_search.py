"""Search on the built site, in headless Chromium, as a reader uses it (issue 11).

Korean queries with a particle or ending attached find at least what the bare
noun finds; a glossary alternative (컨볼루션) finds the term's chapter; results
stay in the reader's language both ways; English search gives what Material's
own search gives. Run as a script to print the counts for a built site:

    .venv/bin/python tests/docs/test_search.py SITE_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

if __name__ == "__main__":  # run as a script: the browser helpers live beside this folder
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser import CHROMIUM, CHROMIUM_ARGS, Page, serve  # noqa: E402

# (query with a particle or ending, bare noun)
PARTICLE_QUERIES = [
    ("합성곱을", "합성곱"), ("합성곱이란", "합성곱"), ("합성곱의", "합성곱"),
    ("패딩은", "패딩"), ("패딩을", "패딩"), ("풀링이란", "풀링"), ("풀링에서", "풀링"),
    ("스트라이드를", "스트라이드"), ("스트라이드가", "스트라이드"), ("가중치가", "가중치"),
    ("가중치와", "가중치"), ("드롭아웃은", "드롭아웃"), ("편향을", "편향"), ("커널로", "커널"),
    ("배치에서", "배치"), ("채널의", "채널"), ("평탄화는", "평탄화"), ("계층으로", "계층"),
    ("필터도", "필터"), ("소프트맥스만", "소프트맥스"), ("손실이다", "손실"),
    ("특성 맵은", "특성 맵"),
]
ENGLISH_QUERIES = ["convolution", "pooling", "padding", "stride", "kernel", "dropout",
                   "weights", "feature map", "conv2d", "fully connected", "batch"]


class SearchBox(Page):
    """A page of the site (a tab: tests/browser.py's ``Page``) whose search box is typed
    into like a reader does."""

    def __init__(self, browser, base_url: str, path: str):
        super().__init__(browser, base_url, viewport={"width": 1400, "height": 900})
        self.page.goto(base_url + path.lstrip("/"), wait_until="networkidle")
        self.config = json.loads(self.page.inner_text("#__config"))
        self.placeholder = self.config["translations"]["search.result.placeholder"]
        self.page.click("input.md-search__input")

    def _meta(self) -> str:
        return self.page.locator(".md-search-result__meta").inner_text(timeout=30_000)

    def search(self, query: str) -> tuple[int, list[str]]:
        """Number of matching pages Material reports, and the paths of those listed."""
        box = "input.md-search__input"
        self.page.fill(box, "")
        self.page.press(box, "End")
        self.page.wait_for_function(
            "text => document.querySelector('.md-search-result__meta').innerText === text",
            arg=self.placeholder, timeout=30_000)
        self.page.fill(box, query)
        # Material searches on key events; inserted Hangul text fires none, as
        # an IME's final keystroke would.
        self.page.press(box, "End")
        self.page.wait_for_function(
            "text => document.querySelector('.md-search-result__meta').innerText !== text",
            arg=self.placeholder, timeout=30_000)
        meta = self._meta()
        digits = "".join(ch for ch in meta if ch.isdigit())
        count = int(digits) if digits else 0
        links = self.page.eval_on_selector_all(
            ".md-search-result__item > .md-search-result__link",
            "els => els.map(e => e.href)")
        return count, [urlsplit(link).path for link in links]


# --- tests (the browser and the site's server are the test run's: tests/browser.py) --


def _box(chromium, site_url, path):
    box = SearchBox(chromium, site_url, path)
    yield box
    box.close()
    assert box.foreign == [], f"requests outside the site: {box.foreign}"


@pytest.fixture(scope="module")
def korean_box(chromium, site_url):
    yield from _box(chromium, site_url, "/padding-stride/")


@pytest.fixture(scope="module")
def english_box(chromium, site_url):
    yield from _box(chromium, site_url, "/en/padding-stride/")


@pytest.mark.parametrize(("query", "noun"), PARTICLE_QUERIES)
def test_korean_particle_finds_what_the_bare_noun_finds(korean_box, query, noun):
    bare, bare_paths = korean_box.search(noun)
    attached, paths = korean_box.search(query)
    assert bare > 0, f"{noun!r} finds nothing"
    assert attached >= bare, f"{query!r} finds {attached} pages, {noun!r} {bare}"
    assert set(bare_paths) <= set(paths) or attached > len(paths)
    assert (korean_box.errors, korean_box.failed) == ([], [])  # script errors, failed loads


def test_glossary_alternative_finds_the_convolution_chapter(korean_box):
    count, paths = korean_box.search("컨볼루션")
    assert "/convolution/" in paths, paths
    assert count >= korean_box.search("합성곱")[0]
    count, paths = korean_box.search("컨볼루션을")
    assert "/convolution/" in paths, paths


def test_noun_inside_a_compound(korean_box):
    whole, paths = korean_box.search("합성곱신경망")
    assert whole >= korean_box.search("신경망")[0] > 0
    assert "/convnet-mnist/" in paths


@pytest.mark.parametrize("query", ["합성곱", "패딩은", "convolution", "conv2d"])
def test_korean_page_lists_korean_pages(korean_box, query):
    count, paths = korean_box.search(query)
    assert count > 0 and paths
    assert not [p for p in paths if p.startswith("/en/")], paths


@pytest.mark.parametrize("query", ["convolution", "padding", "conv2d", "합성곱"])
def test_english_page_lists_english_pages(english_box, query):
    count, paths = english_box.search(query)
    if query != "합성곱":  # only the English glossary has Korean words
        assert count > 0
    assert all(p.startswith("/en/") for p in paths), paths


def _missing_terms(box: SearchBox) -> list[str]:
    """The words Material lists under results as missing ("포함되지 않은 검색어")."""
    return box.page.eval_on_selector_all(".md-search-result__terms del",
                                         "els => els.map(e => e.textContent)")


@pytest.mark.parametrize("query", ["합성곱", "합성곱이란", "케라스"])
def test_words_the_reader_never_typed_are_not_listed_as_missing(korean_box, query):
    count, _ = korean_box.search(query)
    assert count > 0
    missing = _missing_terms(korean_box)
    assert not {"컨볼루션", "콘볼루션", "keras"} & {m.lower() for m in missing}, missing


def _pages_containing(site: Path, word: str) -> set[str]:
    return {"/" + page.parent.relative_to(site).as_posix().strip(".") + "/"
            if page.parent != site else "/"
            for page in site.glob("**/index.html")
            if not page.relative_to(site).as_posix().startswith("en/")
            and word in page.read_text(encoding="utf-8")}


def test_an_unknown_word_is_not_searched_by_its_syllables(korean_box, built_site):
    """역전파 (Kiwi: 역전 + 파) found 파이썬 and 파라미터 pages through 파."""
    count, paths = korean_box.search("역전파")
    pages = {p.replace("//", "/") for p in _pages_containing(built_site, "역전파")}
    assert count > 0 and paths
    assert set(paths) <= pages, set(paths) - pages
    more, more_paths = korean_box.search("역전파를")
    assert set(more_paths) <= pages and more >= 1


@pytest.mark.parametrize(("query", "name", "page"), [("케라스", "Keras", "/layers-api/"),
                                                     ("텐서플로", "TensorFlow", "/conv2d/"),
                                                     ("케라스로", "Keras", "/layers-api/")])
def test_hangul_spellings_of_names_find_their_pages(korean_box, query, name, page):
    """A Hangul spelling finds the pages its Latin name finds (not one page's rank:
    new chapters that mention TensorFlow more often move the others down)."""
    count, paths = korean_box.search(query)
    name_count, name_paths = korean_box.search(name)
    assert count == name_count > 0, (query, count, name, name_count)
    assert set(paths) == set(name_paths), (query, paths, name_paths)
    assert page in paths, (query, paths)


def material_search(box: SearchBox, query: str) -> list[str]:
    """Locations Material's own worker finds for ``query`` in the page's index."""
    material = box.config["search"].rsplit("/", 1)[0] + "/" + box.material_worker
    return box.page.evaluate("""async ([worker, query]) => {
        const base = new URL(JSON.parse(document.getElementById("__config").textContent).base,
                             location.href)
        const index = await (await fetch(new URL("search/search_index.full.json", base))).json()
        const search = new Worker(new URL(worker, location.href))
        const reply = () => new Promise(resolve =>
            search.addEventListener("message", ev => resolve(ev.data), {once: true}))
        search.postMessage({type: 0, data: {...index, options: {suggest: false}}})
        await reply()
        search.postMessage({type: 2, data: query})
        const result = await reply()
        search.terminate()
        return result.data.items.map(group => group[0].location)
    }""", [material, query])


@pytest.mark.parametrize("query", ENGLISH_QUERIES)
def test_english_search_is_materials_own(english_box, built_site, query):
    """English queries reach Material's search unchanged: same pages as its own worker."""
    english_box.material_worker = next(
        (built_site / "assets/javascripts/workers").glob("search.*.min.js")).name
    count, paths = english_box.search(query)
    expected = material_search(english_box, query)
    assert count == len(expected) > 0
    listed = {p.removeprefix("/en/") for p in paths}
    assert listed <= {location.split("#")[0] for location in expected}


@pytest.mark.parametrize("path", ["/conv2d/", "/en/conv2d/"])
def test_page_loads_only_its_language_index_and_only_when_searching(chromium, site_url,
                                                                    site_requests, path):
    # The server sees the search worker's requests, which Playwright does not.
    site_requests.clear()
    box = SearchBox(chromium, site_url, path)
    try:
        box.page.wait_for_load_state("networkidle")
        assert path in site_requests
        assert not [r for r in site_requests if r.endswith(".full.json")]  # nothing yet
        count, _ = box.search("conv2d")
        assert count > 0
        own = "/en/search/" if path.startswith("/en/") else "/search/"
        loaded = [r for r in site_requests if r.endswith(".full.json")]
        assert loaded == [own + "search_index.full.json"], loaded
    finally:
        box.close()


# --- script ---------------------------------------------------------------------

def main(argv: list[str]) -> int:
    site = Path(argv[0])
    from playwright.sync_api import sync_playwright

    with serve(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=CHROMIUM_ARGS, headless=True)
        ko = SearchBox(browser, base, "/padding-stride/")
        print("query (ko page)          pages   bare noun     pages   en pages listed")
        for query, noun in PARTICLE_QUERIES:
            count, paths = ko.search(query)
            bare, _ = ko.search(noun)
            english = sum(p.startswith("/en/") for p in paths)
            print(f"{query:<20}{count:>8}   {noun:<10}{bare:>8}   {english}")
        for query in ["컨볼루션", "컨볼루션을", "합성곱신경망", "신경망"]:
            count, paths = ko.search(query)
            print(f"{query:<20}{count:>8}   convolution chapter listed: "
                  f"{'/convolution/' in paths}")
        en = SearchBox(browser, base, "/en/padding-stride/")
        print("\nquery (en page)          pages   ko pages listed")
        for query in [*ENGLISH_QUERIES, "합성곱"]:
            count, paths = en.search(query)
            korean = sum(not p.startswith("/en/") for p in paths)
            print(f"{query:<20}{count:>8}   {korean}")
        print("\nrequests outside the site:", ko.foreign + en.foreign or "none")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
