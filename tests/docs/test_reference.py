"""The API reference: cross-references are links, never raw Sphinx markup.

The docstrings are rendered by mkdocstrings as Markdown, so a Sphinx role
(``:class:`X```) or a reST literal-block marker (a paragraph ending in ``::``)
shows as literal text on the reference pages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "cnn_tutorial"
ROLE = re.compile(r":(?:py:)?(?:class|func|mod|meth|attr|data|exc|obj|const|ref|doc):`")
# A reST literal-block marker: "text::" at the end of a line (not "std::vector").
LITERAL_MARKER = re.compile(r"\S::\s*$", re.MULTILINE)


def _docstrings(path: Path):
    """(line, text) of every docstring and ``#:`` comment of a module."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for index, child in enumerate(body):
            # a docstring opens a module/class/function; an attribute docstring follows an assignment
            opens = index == 0 and isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                                      ast.AsyncFunctionDef))
            follows = index > 0 and isinstance(body[index - 1], (ast.Assign, ast.AnnAssign))
            if ((opens or follows) and isinstance(child, ast.Expr)
                    and isinstance(child.value, ast.Constant) and isinstance(child.value.value, str)):
                yield child.lineno, child.value.value
    for number, line in enumerate(source.splitlines(), 1):
        if line.lstrip().startswith("#:"):
            yield number, line


def test_docstrings_use_markdown_cross_references_not_sphinx_roles():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, text in _docstrings(path):
            if ROLE.search(text) or LITERAL_MARKER.search(text):
                found.append(f"{path.relative_to(ROOT)}:{line}: "
                             f"{(ROLE.search(text) or LITERAL_MARKER.search(text)).group(0)!r}")
    assert not found, "Sphinx markup in docstrings (write [`name`][full.path]):\n" + "\n".join(found)


def _prose_text(html: str) -> str:
    """A page's text outside code blocks and tags."""
    from html import unescape

    html = re.sub(r"<pre\b.*?</pre>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _reference_pages(site: Path):
    for base in (site, site / "en"):
        yield from sorted((base / "reference").glob("*/index.html"))
        yield base / "reference" / "index.html"


def _public_modules() -> list[str]:
    """The package's public modules: each has a reference page in each language."""
    return sorted(path.stem if path.is_file() else path.name
                  for path in PACKAGE.iterdir()
                  if not path.name.startswith("_")
                  and (path.suffix == ".py" or (path / "__init__.py").is_file()))


def test_built_reference_shows_no_raw_roles_or_literal_markers(built_site):
    pages = list(_reference_pages(built_site))
    modules = _public_modules()
    for base in (built_site, built_site / "en"):
        built = sorted(p.parent.name for p in (base / "reference").glob("*/index.html"))
        assert built == modules, f"{base.relative_to(built_site)}: reference pages {built}, modules {modules}"
    assert len(pages) == 2 * (len(modules) + 1)
    found = []
    for page in pages:
        text = _prose_text(page.read_text(encoding="utf-8"))
        for match in list(ROLE.finditer(text)) + list(re.finditer(r"\S::(?=\s)", text)):
            found.append(f"{page.relative_to(built_site)}: ...{text[max(0, match.start() - 40):match.end() + 20]!r}")
    assert not found, "\n".join(found)


def test_reference_links_each_taught_in_chapter(built_site):
    """Every chapter file a docstring names (``(pooling.md)``) is a link to that chapter."""
    linked = 0
    for page in _reference_pages(built_site):
        html = page.read_text(encoding="utf-8")
        assert not re.findall(r"[\w-]+\.md\b", _prose_text(re.sub(r"<a\b.*?</a>", "", html, flags=re.S))), page
        for href, text in re.findall(r'<a href="([^"]+)">([\w-]+)\.md</a>', html):
            target = (page.parent / href).resolve() / "index.html"
            assert target.is_file() and target.parent.name == text, (page, href)
            linked += 1
    assert linked >= 2 * 40, linked


def test_chapters_link_package_names_to_their_reference_entries(built_site):
    """The first mention of a package function in a chapter's prose links to its entry."""
    from html import unescape

    chapters = ["convolution", "conv2d", "padding-stride", "pooling", "fully-connected",
                "convnet-mnist", "layers-api", "draw-a-digit", "tf1-code"]
    for lang, base in (("ko", built_site), ("en", built_site / "en")):
        for slug in chapters:
            page = base / slug / "index.html"
            html = page.read_text(encoding="utf-8")
            links = re.findall(r'<a class="autorefs autorefs-internal"[^>]*href="([^"]+)"[^>]*><code>', html)
            assert links, f"{lang}/{slug}: no link to the API reference"
            for href in links:
                path, _, anchor = unescape(href).partition("#")
                target = (page.parent / path).resolve() / "index.html"
                assert "/reference/" in target.as_posix(), href
                assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), href
                assert target.is_relative_to(base) and (lang == "en") == ("/en/" in target.as_posix()), href


def test_long_signatures_are_formatted(site_build, built_site):
    """mkdocstrings wraps long signatures when Ruff (or Black) is installed."""
    assert "Formatting signatures requires" not in site_build.log
    html = (built_site / "en" / "reference" / "train" / "index.html").read_text(encoding="utf-8")
    signature = re.search(r'doc-signature highlight"><pre>(?:(?!</pre>).)*?<span class="nf">train</span>'
                          r'<span class="p">\(</span>(.*?)</code>', html, flags=re.S)
    assert signature and signature[1].count("\n") > 5, "train's signature is one line"


def test_first_mentions_become_optional_autorefs():
    from docs_hooks.reference import link_first_mentions, package_bindings

    markdown = ("Text.\n\n```python\nfrom cnn_tutorial import figures\n"
                "from cnn_tutorial.kernels import apply_kernel as ak, KERNELS\n```\n")
    bindings = package_bindings(markdown)
    assert bindings == {"figures": "cnn_tutorial.figures", "ak": "cnn_tutorial.kernels.apply_kernel",
                        "KERNELS": "cnn_tutorial.kernels.KERNELS"}
    html = ("<h2><code>ak</code></h2><p><code>ak(image, k)</code> and <code>ak</code>, "
            "<a href='x'><code>KERNELS</code></a> <code>figures.draw_padding</code> "
            "<code>np.pad</code></p><pre><code>KERNELS</code></pre>")
    linked = link_first_mentions(html, bindings)
    assert linked.count("<autoref") == 2, linked
    assert ('<autoref identifier="cnn_tutorial.kernels.apply_kernel" optional><code>ak(image, k)'
            '</code></autoref> and <code>ak</code>') in linked
    assert '<autoref identifier="cnn_tutorial.figures.draw_padding" optional>' in linked
    assert "<pre><code>KERNELS</code></pre>" in linked and "<h2><code>ak</code></h2>" in linked


def test_chapter_files_named_in_docstrings_become_links():
    from docs_hooks.reference import link_chapter_files

    html = '<p>See "Pooling" (pooling.md), <code>x.md</code>, nope.md.</p>'
    urls = {"pooling": "../../pooling/"}
    assert link_chapter_files(html, urls.get) == (
        '<p>See "Pooling" (<a href="../../pooling/">pooling.md</a>), <code>x.md</code>, nope.md.</p>')
