"""The state of a site build: :class:`NotebookSite`, one object the events drive.

The i18n plugin builds the second language inside the first build (a nested
``build()``); what does not depend on the language (the package digest, the
environment's versions, the commit, pruning the caches) is done once, in the
outer build.
"""

from __future__ import annotations

import functools
import logging
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat
from mkdocs.structure.pages import Page

from .. import adapters
from . import export, figures, render
from .chapters import read_if_notebook
from .execute import ROOT, Chapter, ensure_executed, load_chapter, merge_outputs
from .fingerprint import environment_versions, sources_digest
from .store import ExecutionCache, touch

log = logging.getLogger("mkdocs.hooks.notebooks")

#: What a chapter's outputs depend on besides its code: the package, and the
#: recorded results that chapters read (convnet-mnist prints the full-MNIST run).
SOURCE_FOLDERS = (ROOT / "src" / "cnn_tutorial", ROOT / "benchmarks" / "results")
CACHE_VARIABLE = "CNN_TUTORIAL_NOTEBOOK_CACHE"
#: The copy buttons' script (mkdocs-jupyter's clipboard element), one file for the site.
COPY_SCRIPT = "assets/notebook-copy.js"

BANNER_TEXT = {
    "ko": {
        "executed": "이 장은 TensorFlow {tf}(Python {py})로 마지막으로 실행되었습니다.",
        "download": "노트북 내려받기 (.ipynb)",
        "colab": "Colab에서 열기",
        "report": "이 페이지의 문제 알리기",
    },
    "en": {
        "executed": "This chapter was last executed with TensorFlow {tf} (Python {py}).",
        "download": "Download the notebook (.ipynb)",
        "colab": "Open in Colab",
        "report": "Report a problem with this page",
    },
}


def default_cache_dir() -> Path:
    """``$CNN_TUTORIAL_NOTEBOOK_CACHE`` or ``.cache/notebooks`` in the repository."""
    return Path(os.environ.get(CACHE_VARIABLE) or ROOT / ".cache" / "notebooks")


def page_language(page: Page) -> str:
    """``ko`` or ``en`` from the page's folder (docs_structure: folder)."""
    parts = Path(page.file.abs_src_path).parts
    for lang in ("en", "ko"):
        if lang in parts[-3:-1]:
            return lang
    return "ko"


@dataclass
class _Scan:
    """What one outer build computes once for both languages."""

    package_hash: str
    versions: dict[str, str]
    commit: str | None
    #: The package's wheel, built once per package digest (the notebooks install it).
    wheel: bytes | None = None
    wheel_name: str | None = None


@dataclass
class NotebookSite:
    """Everything the notebook hook keeps between the events of a build."""

    cache: ExecutionCache = field(default_factory=lambda: ExecutionCache(default_cache_dir()))
    repo_url: str | None = None
    site_url: str | None = None
    plugin_config: dict[str, Any] = field(default_factory=dict)
    scan: _Scan | None = None
    chapters: dict[str, Chapter] = field(default_factory=dict)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Per built page: files to write beside it (.ipynb, figures).
    pending: dict[str, list[tuple[Path, bytes]]] = field(default_factory=dict)
    #: Per page between its Markdown and its HTML: (executed, as shown, figure files).
    shown: dict[str, tuple] = field(default_factory=dict)
    css: str | None = None
    classes: set[str] = field(default_factory=set)
    files: Any = None
    #: Settings from the plugin's options (:meth:`configure`).
    cache_days: int = 30
    timeout: int | None = None
    jobs: int | None = None
    kernel: str = "python3"
    _read: dict[tuple, nbformat.NotebookNode | None] = field(default_factory=dict)

    # -- configuration -----------------------------------------------------
    def configure(self, config, *, cache_dir: Path | None = None, cache_days: int = 30,
                  timeout: int | None = None, jobs: int | None = None, kernel: str = "python3",
                  repo_url: str | None = None, cells: dict[str, Any] | None = None) -> None:
        """Take this build's settings (the plugin's options, see ``docs_hooks/plugin/config.py``)."""
        self.cache = ExecutionCache(cache_dir or default_cache_dir())
        self.cache_days = cache_days
        self.timeout, self.jobs, self.kernel = timeout, jobs, kernel
        self.repo_url = repo_url or config.get("repo_url")
        if not self.repo_url:
            config.edit_uri = None  # "edit this page" only links to a repository
        self.site_url = config.get("site_url")
        self.plugin_config = dict(cells or {})

    # -- finding and executing the chapters ---------------------------------
    def _notebook(self, path: str) -> nbformat.NotebookNode | None:
        """:func:`read_if_notebook`, remembered while the file is unchanged."""
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key not in self._read:
            self._read = {k: v for k, v in self._read.items() if k[0] != path}
            self._read[key] = read_if_notebook(path)
        return self._read[key]

    def find_and_execute(self, files, *, nested: bool) -> None:
        """Find this build's chapters and execute every cache miss, in parallel."""
        if self.scan is None or not nested:
            self.classes = set()  # of the pages of all languages, for write_assets
            render.forget_versions()  # versions may change between serve builds
            self.scan = _Scan(sources_digest(SOURCE_FOLDERS), environment_versions(),
                              export.git_commit(ROOT))
            self._build_wheel()
            self.cache.prune(self.cache_days)
            render.html_cache(self.cache).prune(self.cache_days)
        chapters = []
        for file in files:
            path = getattr(file, "abs_src_path", None)
            notebook = self._notebook(path) if path and file.is_documentation_page() else None
            if notebook is not None:
                chapters.append(load_chapter(path, self.scan.package_hash, notebook,
                                             self.scan.versions))
        if not (nested and all(c.key in self.entries for c in chapters)):
            # The outer build saw both languages' files; a nested one reuses its entries.
            self.entries = ensure_executed(chapters, self.cache, jobs=self.jobs,
                                           timeout=self.timeout, kernel_name=self.kernel)
        self.chapters = {str(c.path): c for c in chapters}
        self.files = files

    def _build_wheel(self) -> None:
        """The package's wheel, from the cache when the package is unchanged."""
        folder = self.cache.directory / "wheels" / self.scan.package_hash[:16]
        wheels = sorted(folder.glob("cnn_tutorial-*.whl")) if folder.is_dir() else []
        wheel = wheels[-1] if wheels else export.build_wheel(ROOT, folder)
        touch(folder)  # in use: kept by the cache's retention rule
        self.scan.wheel, self.scan.wheel_name = wheel.read_bytes(), wheel.name

    @property
    def wheel_path(self) -> str:
        """The wheel's path under the site's root."""
        return f"{export.WHEEL_FOLDER}/{self.scan.package_hash[:16]}/{self.scan.wheel_name}"

    @property
    def install(self) -> export.Install:
        return export.choose_install(
            site_url=self.site_url, repo_url=self.repo_url, commit=self.scan.commit,
            wheel=self.scan.wheel, wheel_name=self.scan.wheel_name, wheel_path=self.wheel_path)

    def install_text(self, page: Page) -> str:
        return export.install_paragraph(self.install, page_language(page),
                                        colab=export.github_repository(self.repo_url) is not None)

    def notebook_link(self, page: Page):
        """Where a notebook's link to ``path`` (a page's ``.md``, relative to ``page``)
        goes: the published page when the site's address is known, else the sibling
        notebook of a chapter; ``None`` (text only) for a page without a notebook."""
        def target(path: str, anchor: str) -> str | None:
            source = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), path))
            file = self.files.get_file_from_path(source) if self.files is not None else None
            if file is None:
                return None
            if self.site_url:
                return self.site_url.rstrip("/") + "/" + file.url + anchor
            if str(Path(file.abs_src_path)) in self.chapters:
                return f"{Path(source).stem}.ipynb"
            return None
        return target

    # -- rendering a page -------------------------------------------------------
    def chapter_of(self, page: Page) -> Chapter | None:
        path = page.file.abs_src_path
        return self.chapters.get(str(Path(path))) if path else None

    def entry_of(self, page: Page) -> dict[str, Any] | None:
        """The execution entry (outputs) of a chapter page, ``None`` for other pages."""
        chapter = self.chapter_of(page)
        return self.entries.get(chapter.key) if chapter is not None else None

    def page_markdown(self, page: Page) -> str:
        """The Markdown MkDocs renders for a chapter: its prose cells, with figures'
        outputs turned into files (the notebook as shown is kept for :meth:`page_content`)."""
        chapter = self.chapter_of(page)
        executed = merge_outputs(chapter.notebook, self.entries[chapter.key])
        with_files, images = figures.externalize_figures(
            executed, Path(page.file.src_uri).stem, page.file.src_uri,
            self.cache.directory / "figures")
        self.shown[page.file.abs_dest_path] = (executed, with_files, images)
        return render.prose_markdown(with_files).replace(export.INSTALL_MARKER,
                                                         self.install_text(page))

    def page_content(self, prose_html: str, page: Page) -> str:
        """A chapter's HTML: its rendered prose and its cells by mkdocs-jupyter's template.

        Also sets the banner's facts (``page.meta["notebook"]``) for the template and
        keeps the files to write beside the page.
        """
        executed, with_files, images = self.shown.pop(page.file.abs_dest_path)
        entry = self.entries[self.chapter_of(page).key]
        markdown_count = sum(cell.cell_type == "markdown" for cell in with_files.cells)
        rendered = iter(render.split_prose(prose_html, markdown_count))
        shown = nbformat.from_dict(with_files)
        shown.cells = [render.raw_html_cell(next(rendered), cell.id)
                       if cell.cell_type == "markdown" else cell for cell in with_files.cells]
        body, css = render.cached_notebook_html(shown, self.plugin_config, self.cache)
        self.css = self.css or css
        self.classes |= render.used_classes(body)
        slug = Path(page.file.src_uri).stem
        page.meta["notebook"] = self._banner(page, entry, page_language(page), slug)
        folder = Path(page.file.abs_dest_path).parent
        notebook_text = export.export_notebook(executed, self.install, self.notebook_link(page),
                                               install_text=self.install_text(page))
        self.pending[page.file.abs_dest_path] = (
            [(folder / f"{slug}.ipynb", notebook_text.encode("utf-8"))]
            + [(folder / image.name, image.data) for image in images])
        return body

    def _banner(self, page: Page, entry: dict[str, Any], lang: str, slug: str) -> dict[str, Any]:
        text = BANNER_TEXT.get(lang, BANNER_TEXT["en"])
        site_rel = PurePosixPath(page.file.dest_uri).parent / f"{slug}.ipynb"
        page_url = (self.site_url or "/").rstrip("/") + "/" + (page.url or "")
        return {
            "tensorflow": str(entry.get("tensorflow") or "?"),
            "executed": text["executed"].format(tf=entry.get("tensorflow") or "?",
                                                py=entry.get("python") or "?"),
            "download": {"href": f"{slug}.ipynb", "label": text["download"]},
            "colab": _link(export.colab_url(self.repo_url, str(site_rel)), text["colab"]),
            "report": _link(export.report_issue_url(
                self.repo_url, title=page.title or slug, page_url=page_url, lang=lang,
                tensorflow=entry.get("tensorflow")), text["report"]),
        }

    def write_page_files(self, page: Page) -> None:
        for target, data in self.pending.pop(page.file.abs_dest_path, []):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    # -- after the pages ----------------------------------------------------------
    def write_assets(self, site_dir: str) -> None:
        """The notebook stylesheet (pruned to the classes used) and the copy script."""
        if not self.css:
            return
        # Classes set by Material's and the notebook's scripts, never in the HTML.
        css = _pruned_css(self.css, frozenset(self.classes | {"jp-mod-active", "jp-mod-selected"}))
        export.write_text(Path(site_dir) / render.NOTEBOOK_CSS, css)
        export.write_text(Path(site_dir) / COPY_SCRIPT, copy_script())
        if self.scan is not None and self.scan.wheel:  # the wheel the notebooks may install
            wheel = Path(site_dir) / self.wheel_path
            wheel.parent.mkdir(parents=True, exist_ok=True)
            wheel.write_bytes(self.scan.wheel)


@functools.lru_cache(maxsize=4)
def _pruned_css(css: str, classes: frozenset[str]) -> str:
    """The notebook stylesheet for pages using ``classes`` (the same for most builds)."""
    return render.prune_css_variables(render.prune_css(css, set(classes)))


def _link(href: str | None, label: str) -> dict[str, str] | None:
    return {"href": href, "label": label} if href else None


def copy_script() -> str:
    """mkdocs-jupyter's clipboard element and its "Copied!" notice, as one script file."""
    return adapters.clipboard_script().read_text(encoding="utf-8") + """
document.addEventListener("clipboard-copy", function (event) {
  const notice = event.target.querySelector(".notice");
  if (!notice) return;
  notice.hidden = false;
  setTimeout(function () { notice.hidden = true; }, 1000);
});
"""
