"""The site as built by ``mkdocs build --strict`` (the ``built_site`` fixture)."""

from __future__ import annotations

import json
import re
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(p.relative_to(DOCS / "ko").with_suffix("").as_posix() for p in (DOCS / "ko").glob("*.md"))
# <link rel=...> values that make the browser fetch something.
FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "shortcut",
                 "apple-touch-icon", "manifest", "preconnect", "dns-prefetch"}
PAGE_BUDGET = 300_000  # bytes of HTML + shared notebook CSS per chapter page, images apart


def page_html(site: Path, slug: str, lang: str) -> Path:
    base = site if lang == "ko" else site / "en"
    return base / "index.html" if slug == "index" else base / slug / "index.html"


def is_notebook(slug: str) -> bool:
    head = (DOCS / "ko" / f"{slug}.md").read_text(encoding="utf-8")[:2000]
    return head.startswith("---") and "kernelspec:" in head


class _Resources(HTMLParser):
    """URLs a browser would fetch from a page: scripts, stylesheets, images, frames."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.inline_css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed") and attrs.get("src"):
            self.urls.append((tag, attrs["src"]))
        if tag == "img" and attrs.get("srcset"):
            self.urls.extend(("img", part.split()[0]) for part in attrs["srcset"].split(","))
        if tag == "link" and set((attrs.get("rel") or "").lower().split()) & FETCHING_RELS:
            self.urls.append(("link", attrs.get("href", "")))
        if tag == "object" and attrs.get("data"):
            self.urls.append(("object", attrs["data"]))
        if attrs.get("style"):
            self.inline_css.append(attrs["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_css.append(data)


def external_in_css(css: str) -> list[str]:
    found = re.findall(r"@import\s+(?:url\()?\s*[\"']?((?:https?:)?//[^\"')\s]+)", css)
    found += re.findall(r"url\(\s*[\"']?((?:https?:)?//[^\"')\s]+)", css)
    return found


def test_strict_build_has_no_warnings(site_build, built_site):
    warnings = [line for line in site_build.log.splitlines()
                if re.match(r"^(WARNING|ERROR)\s+-", line)]
    assert not warnings, "\n".join(warnings)


def test_every_page_is_built_in_both_languages(built_site):
    for slug in PAGES:
        for lang in ("ko", "en"):
            assert page_html(built_site, slug, lang).is_file(), f"{lang}/{slug} was not built"


def test_html_lang_is_the_pages_language(built_site):
    for slug in PAGES:
        for lang in ("ko", "en"):
            text = page_html(built_site, slug, lang).read_text(encoding="utf-8")
            assert re.search(rf'<html[^>]*\blang="{lang}"', text), f"{lang}/{slug}: <html lang> is not {lang}"


def test_no_request_leaves_the_site(built_site):
    problems = []
    for path in sorted(built_site.rglob("*.html")):
        parser = _Resources()
        parser.feed(path.read_text(encoding="utf-8"))
        rel = path.relative_to(built_site)
        problems += [f"{rel}: <{tag}> {url}" for tag, url in parser.urls
                     if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.I) and not url.startswith("data:")]
        problems += [f"{rel}: CSS {url}" for css in parser.inline_css for url in external_in_css(css)]
    for path in sorted(built_site.rglob("*.css")):
        problems += [f"{path.relative_to(built_site)}: {url}"
                     for url in external_in_css(path.read_text(encoding="utf-8", errors="replace"))]
    assert not problems, "requests to other origins:\n" + "\n".join(problems[:40])


def test_no_mathjax_or_requirejs(built_site):
    for path in built_site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "mathjax" not in text.lower() and "require.min.js" not in text, path


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_traceback_or_warning_in_outputs(built_site, lang):
    # Cell outputs only: docstring examples on the reference page may show a
    # documented exception on purpose.
    output = re.compile(r'<div class="jp-OutputArea-output[^"]*"[^>]*>(.*?)</div>', re.S)
    for slug in [s for s in PAGES if is_notebook(s)]:
        text = page_html(built_site, slug, lang).read_text(encoding="utf-8")
        for block in output.findall(text):
            assert "Traceback (most recent call last)" not in block, f"{lang}/{slug}: traceback in an output"
            assert 'class="ansi-red-fg"' not in block, f"{lang}/{slug}: error output"
        for block in re.findall(r'data-mime-type="application/vnd\.jupyter\.stderr".*?</pre>', text, re.S):
            assert not re.search(r"warn", block, re.I), f"{lang}/{slug}: warning in an output:\n{block[:400]}"


@pytest.mark.parametrize("slug", [s for s in PAGES if is_notebook(s)])
def test_chapter_banner_download_and_stylesheet(built_site, slug):
    for lang in ("ko", "en"):
        path = page_html(built_site, slug, lang)
        text = path.read_text(encoding="utf-8")
        banner = re.search(r'<div class="nb-banner" data-tensorflow="([^"]+)">(.*?)</div>', text, re.S)
        assert banner, f"{lang}/{slug}: no execution banner"
        assert re.match(r"\d+\.\d+", banner[1]), f"{lang}/{slug}: TensorFlow version {banner[1]!r}"
        assert ("마지막으로 실행" if lang == "ko" else "last executed") in banner[2]
        notebook_name = f"{slug}.ipynb"
        assert f'href="{notebook_name}"' in banner[2]
        notebook = nbformat.read(path.parent / notebook_name, as_version=4)
        nbformat.validate(notebook)
        code = [c for c in notebook.cells if c.cell_type == "code" and not c.source.startswith("%pip")]
        assert code and all("execution_count" in c for c in code)
        assert not any(re.search(r"^#{1,6} .*\{#", c.source, re.M)
                       for c in notebook.cells if c.cell_type == "markdown"), "{#id} left in the .ipynb"
        assert "<style" not in text.split("</head>", 1)[1], f"{lang}/{slug}: inline <style> in the page"
        assert "assets/notebook.css" in text
    assert (built_site / "assets" / "notebook.css").is_file()  # one file for both languages


@pytest.mark.parametrize("slug", [s for s in PAGES if is_notebook(s)])
def test_chapter_page_weight(built_site, slug):
    css = (built_site / "assets" / "notebook.css").stat().st_size
    for lang in ("ko", "en"):
        text = page_html(built_site, slug, lang).read_text(encoding="utf-8")
        without_images = re.sub(r"data:image/[^\"')]+", "", text)
        weight = len(without_images.encode("utf-8")) + css
        assert weight <= PAGE_BUDGET, f"{lang}/{slug}: {weight} bytes of HTML + notebook CSS"


def test_stable_heading_anchors_and_page_toc(built_site):
    for slug in PAGES:
        ids = re.findall(r"^#{1,6} .*\{#([-\w]+)\}\s*$", (DOCS / "ko" / f"{slug}.md").read_text(encoding="utf-8"), re.M)
        for lang in ("ko", "en"):
            text = page_html(built_site, slug, lang).read_text(encoding="utf-8")
            toc = text.split('md-nav--secondary', 1)[-1]
            for anchor in ids:
                assert f'id="{anchor}"' in text, f"{lang}/{slug}: no heading with id {anchor}"
                level = re.search(rf'<h([1-6])[^>]*id="{anchor}"', text)
                if level and level[1] in "23":
                    assert f'href="#{anchor}"' in toc, f"{lang}/{slug}: {anchor} missing from the page TOC"


def test_admonitions_and_tabs_render_in_chapter_prose(built_site):
    raw_markers = re.compile(r"^\s*(!!!|\?\?\?|===) ", re.M)
    for slug in [s for s in PAGES if is_notebook(s)]:
        source = (DOCS / "ko" / f"{slug}.md").read_text(encoding="utf-8")
        for lang in ("ko", "en"):
            text = page_html(built_site, slug, lang).read_text(encoding="utf-8")
            body = re.sub(r"<(pre|code)\b.*?</\1>", "", text, flags=re.S)
            assert not raw_markers.search(body), f"{lang}/{slug}: unrendered admonition/tab marker"
            if re.search(r"^!!! ", source, re.M):
                assert 'class="admonition' in text
            if re.search(r"^=== ", source, re.M):
                assert 'class="tabbed-set' in text


def test_search_index_finds_korean_and_english_terms(built_site):
    # Each language has its own index (search_index.json is a config-only stub
    # that every page loads; the worker fetches the full one at the first query).
    text = ""
    for folder in ("search", "en/search"):
        index = json.loads((built_site / folder / "search_index.full.json")
                           .read_text(encoding="utf-8"))
        text += " ".join(doc.get("text", "") + " " + doc.get("title", "")
                         for doc in index["docs"])
    for term in ("합성곱", "패딩", "풀링", "스트라이드", "convolution", "padding", "pooling", "stride"):
        assert term in text, f"{term!r} is not in the search index"
    separator = index["config"]["separator"]
    assert re.split(separator, "합성곱(convolution)은") [:2] == ["합성곱", "convolution"]


class _Images(HTMLParser):
    """Every <img> of a page, as a dict of its attributes."""

    def __init__(self):
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def test_figures_are_files_with_alt_size_and_lazy_loading(built_site):
    """No page inlines an image; every <img> has alt text, a size and loading="lazy"."""
    problems, figures = [], 0
    for path in sorted(built_site.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(built_site)
        if "data:image" in text:
            problems.append(f"{rel}: an image inlined as data:image")
        parser = _Images()
        parser.feed(text)
        for image in parser.images:
            missing = [a for a in ("alt", "width", "height", "loading") if not image.get(a)]
            if missing or image.get("loading") != "lazy":
                problems.append(f"{rel}: <img src={image.get('src')!r}> lacks {missing or 'lazy'}")
            elif not (path.parent / image["src"]).is_file():
                problems.append(f"{rel}: {image['src']} is not in the site")
            else:
                figures += 1
    assert not problems, "\n".join(problems[:40])
    assert figures >= 2 * sum(is_notebook(s) for s in PAGES)  # chapters draw figures


def test_figure_alt_text_is_in_the_pages_language(built_site):
    for slug in [s for s in PAGES if is_notebook(s)]:
        for lang in ("ko", "en"):
            parser = _Images()
            parser.feed(page_html(built_site, slug, lang).read_text(encoding="utf-8"))
            for image in parser.images:
                hangul = re.search(r"[\uac00-\ud7a3]", image["alt"] or "")
                assert bool(hangul) == (lang == "ko"), f"{lang}/{slug}: alt {image['alt']!r}"


def test_photographs_are_lossy_and_diagrams_lossless(built_site):
    """A photograph's figure is WebP (or JPEG); line drawings stay PNG."""
    chapter = built_site / "convolution"
    kinds = {p.suffix for p in chapter.iterdir() if p.suffix in {".png", ".webp", ".jpg"}}
    assert {".png", ".webp"} <= kinds, kinds
    for path in chapter.glob("*.webp"):
        assert path.read_bytes()[8:12] == b"WEBP"
    for path in built_site.glob("padding-stride/*"):  # diagrams only
        assert path.suffix in {".png", ".ipynb", ".html"}, path


def test_the_build_log_has_no_tensorflow_start_up_lines(site_build, built_site):
    notices = [line for line in site_build.log.splitlines()
               if "absl::InitializeLog" in line or "oneDNN custom operations" in line
               or "cuda drivers" in line or "cuInit" in line]
    assert not notices, "\n".join(notices[:10])


def test_chapters_link_to_edit_and_report_and_install_at_the_built_commit(built_site):
    """With repo_url set (the test build sets SITE_REPO_URL): edit and report links,
    and an install cell pinned to the commit the site was built from."""
    import subprocess
    from urllib.parse import parse_qs, urlparse

    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    for slug in [s for s in PAGES if is_notebook(s)]:
        for lang in ("ko", "en"):
            path = page_html(built_site, slug, lang)
            text = path.read_text(encoding="utf-8")
            assert re.search(rf'href="https://github\.com/[^"]+/edit/[^"]+/docs/{lang}/{slug}\.md"',
                             text), f"{lang}/{slug}: no edit link"
            report = re.search(r'class="nb-banner__report" href="([^"]+)"', text)
            assert report, f"{lang}/{slug}: no report link"
            query = parse_qs(urlparse(html_unescape(report[1])).query)
            body = query["body"][0]
            assert f"Language: {lang}" in body and "TensorFlow: 2." in body
            assert f"{slug}/" in body or slug == "index"
            assert re.fullmatch(rf"\[{lang}\] .+: ", query["title"][0]), query["title"]
            if slug != "index":  # the home page's <title> is the site's name
                title = html_unescape(re.search(r"<title>(.*?) - ", text)[1])
                assert query["title"][0] == f"[{lang}] {title}: "
            notebook = nbformat.read(path.parent / f"{slug}.ipynb", as_version=4)
            install = notebook.cells[0].source
            assert re.fullmatch(r'%pip install --quiet "cnn-tutorial @ git\+https://github\.com/'
                                rf'[^"@]+@{commit}"', install), install
            assert "--force" not in install and "tensorflow" not in install.lower()


def test_material_head_block_is_materials_own_without_alternates():
    """overrides/main.html copies Material's site_meta block, less the hreflang links:
    this fails when Material changes that block (update the copy then)."""
    import material

    base = (Path(material.__file__).parent / "templates" / "base.html").read_text(encoding="utf-8")
    ours = (ROOT / "overrides" / "main.html").read_text(encoding="utf-8")
    block = re.compile(r"{% block site_meta %}(.*?){% endblock %}", re.S)
    theirs = block.search(base)[1]
    alternates = re.compile(r"\s*{% if config\.extra\.alternate is iterable %}.*?{% endfor %}\s*{% endif %}", re.S)
    assert alternates.search(theirs), "Material's site_meta no longer has the alternate links"
    normalise = lambda text: re.sub(r"\s+", " ", text).strip()  # noqa: E731
    assert normalise(alternates.sub("\n", theirs)) == normalise(block.search(ours)[1])
