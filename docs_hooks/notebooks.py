"""MkDocs hook: execute the chapters once, cache the results, render them with the site's Markdown.

The chapters are Jupytext Markdown notebooks (``docs/ko/X.md`` and ``docs/en/X.md``).
mkdocs-jupyter turns them into pages; this hook replaces the three things it does
not do the way this site needs:

* **Execution with a cache.** Code cells run in a Jupyter kernel (nbclient,
  ``allow_errors=False``, cwd = repository root, ``CNN_TUTORIAL_*`` passed
  through, matplotlib inline). The results are stored under
  ``.cache/notebooks/<key>.json`` where the key hashes only what decides the
  outputs: the code cells in order, every file of ``src/cnn_tutorial`` (and of ``benchmarks/results``, which a chapter reads) and the
  versions of Python and of the libraries the code imports. Prose is not in the
  key, so the Korean and English pages of a chapter share one execution and a
  prose edit executes nothing. Misses are executed in parallel before any page
  is rendered. A cell that raises fails the build and shows the cell and the
  traceback; so does an output holding a traceback or a warning.
* **Prose rendered by MkDocs.** nbconvert renders Markdown cells with mistune,
  which knows nothing of admonitions, content tabs or ``{#id}`` anchors. Here
  all Markdown cells of a page are rendered together by MkDocs itself (the
  site's ``markdown_extensions``, link checks, table of contents) and handed to
  nbconvert as raw HTML cells.
* **Extras.** A banner at the top of each chapter (TensorFlow version of the
  last execution, ``.ipynb`` download, "Open in Colab" when ``repo_url`` is
  set); the ``.ipynb`` itself written beside the page; the notebook stylesheet
  that nbconvert inlines into every page moved into one shared file; no script
  from another origin (MathJax, require.js).
"""

from __future__ import annotations

import ast
import concurrent.futures
import copy
import functools
import hashlib
import html
import importlib.metadata
import json
import logging
import os
import platform
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Sequence

import jupytext
import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

log = logging.getLogger("mkdocs.hooks.notebooks")

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "src" / "cnn_tutorial"
# Recorded results that chapters read (convnet-mnist prints the full-MNIST run):
# a new recording must re-execute them, like a package change does.
RESULTS_DIR = ROOT / "benchmarks" / "results"
CACHE_DIR = Path(os.environ.get("CNN_TUTORIAL_NOTEBOOK_CACHE", ROOT / ".cache" / "notebooks"))
CELL_TIMEOUT_S = int(os.environ.get("CNN_TUTORIAL_CELL_TIMEOUT", "900"))
NOTEBOOK_CSS = "assets/notebook.css"
_IN_KERNEL = "CNN_TUTORIAL_DOCS_KERNEL"

# Always part of the key: the stack every chapter runs on, whether or not a
# cell names it (cnn_tutorial imports TensorFlow and matplotlib itself).
BASE_DISTRIBUTIONS = (
    "tensorflow", "keras", "numpy", "matplotlib", "scikit-image", "pillow",
    "tensorboard", "ipykernel", "matplotlib-inline", "nbclient",
)

# Run in the kernel after the chapter's own cells; its output is stored with the
# cache entry and never shown. TensorFlow's version comes from the module the
# chapter actually used when it imported one.
_VERSION_PROBE = """\
import importlib.metadata as _m, json as _json, platform as _p, sys as _s
_tf = _s.modules.get("tensorflow")
try:
    _tf_version = _tf.__version__ if _tf is not None else _m.version("tensorflow")
except Exception:
    _tf_version = None
print(_json.dumps({"tensorflow": _tf_version, "python": _p.python_version()}))
"""

_HEADING_ID = re.compile(r"^(#{1,6}\s.*?)\s*\{\s*#[-\w:.]+[^}]*\}\s*$", re.MULTILINE)
_OTHER_FENCE = re.compile(r"^(`{3,}|~{3,})(?!python\b)([A-Za-z][\w+-]*)[ \t]*$", re.MULTILINE)
_SHOWN_FENCE = re.compile(r"^(`{3,}|~{3,})\{\.([A-Za-z][\w+-]*)\}[ \t]*$", re.MULTILINE)
_ALTERNATE_LINK = re.compile(r'<link rel="alternate" href="[^"]*" hreflang="[^"]*">\s*')
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CELL_MARK = "<!-- nbcell:{} -->"
_CELL_SPLIT = re.compile(r"(?:<p>)?\s*<!-- nbcell:(\d+) -->\s*(?:</p>)?")
_STYLE_BLOCK = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL | re.IGNORECASE)
_EXTERNAL_SCRIPT = re.compile(
    r"<script\b[^>]*\bsrc=[\"'](?:https?:)?//[^\"']*[\"'][^>]*>\s*</script>\s*", re.IGNORECASE)
_MATHJAX_CONFIG = re.compile(
    r"<script\b[^>]*type=[\"']text/x-mathjax-config[\"'][^>]*>.*?</script>\s*",
    re.DOTALL | re.IGNORECASE)
_MATHJAX_CONFIG_JS = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->\s*", re.DOTALL)

BANNER_TEXT = {
    "ko": {
        "executed": "이 장은 TensorFlow {tf}(Python {py})로 마지막으로 실행되었습니다.",
        "download": "노트북 내려받기 (.ipynb)",
        "colab": "Colab에서 열기",
    },
    "en": {
        "executed": "This chapter was last executed with TensorFlow {tf} (Python {py}).",
        "download": "Download the notebook (.ipynb)",
        "colab": "Open in Colab",
    },
}


# ---------------------------------------------------------------------------
# Reading chapters and computing the cache key
# ---------------------------------------------------------------------------

def is_notebook_page(path: str | os.PathLike | None) -> bool:
    """True when ``path`` is a Jupytext Markdown notebook with a Python kernelspec."""
    return read_if_notebook(path) is not None


def read_if_notebook(path: str | os.PathLike | None) -> nbformat.NotebookNode | None:
    """:func:`read_notebook` of ``path`` when it is a notebook page, else ``None``."""
    if path is None or not str(path).endswith(".md"):
        return None
    head = Path(path).read_text(encoding="utf-8")[:2000]
    if not head.startswith("---") or "kernelspec:" not in head:
        return None
    notebook = read_notebook(path)
    return notebook if notebook.metadata.get("kernelspec", {}).get("language") == "python" \
        else None


def read_notebook(path: str | os.PathLike) -> nbformat.NotebookNode:
    """Read a Jupytext Markdown notebook into an nbformat v4 notebook.

    Only top-level ```` ```python ```` fences become code cells. Jupytext would
    turn a ```` ```bash ```` (or html, sh, ...) fence into a ``%%bash`` cell that
    runs; on this site such fences are shown, never run (as in the page tests).
    """
    text = Path(path).read_text(encoding="utf-8")
    notebook = jupytext.reads(_OTHER_FENCE.sub(r"\1{.\2}", text), fmt="md")
    # Jupytext gives cells random ids; fixed ones make the HTML and the .ipynb
    # the same on every build (and let the HTML cache hit).
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    return notebook


def code_cells(notebook: nbformat.NotebookNode) -> list[str]:
    """The sources of the notebook's code cells, in order."""
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def package_digest(package_dir: str | os.PathLike = PACKAGE_DIR) -> str:
    """SHA-256 of every file under ``package_dir`` (relative paths and bytes, sorted).

    Byte-code caches are skipped: they change without the source changing.
    """
    package_dir = Path(package_dir)
    if not package_dir.is_dir():
        raise FileNotFoundError(f"package_dir must be an existing folder, got {package_dir}")
    digest = hashlib.sha256()
    for path in sorted(p for p in package_dir.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"}:
            continue
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def imported_modules(sources: Iterable[str]) -> set[str]:
    """Top-level module names imported by the code cells (IPython magics ignored)."""
    names: set[str] = set()
    for source in sources:
        lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            # Still find plain import lines in a cell Python cannot parse.
            names.update(re.findall(r"^\s*(?:from|import)\s+(\w+)", source, re.MULTILINE))
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def library_versions(sources: Iterable[str]) -> dict[str, str]:
    """Versions of Python, the base stack and every distribution the code imports."""
    distributions = set(BASE_DISTRIBUTIONS)
    stamp = _environment_stamp()
    by_module = _packages_distributions_in(stamp)
    for module in imported_modules(sources):
        distributions.update(by_module.get(module, ()))
    versions = {"python": platform.python_version()}
    versions.update((name, _version_in(name, stamp)) for name in sorted(distributions))
    return versions


def _environment_stamp() -> tuple:
    """Changes when a distribution is installed, upgraded or removed.

    pip adds, renames or deletes ``*.dist-info`` folders, which changes the
    modification time of the folder on ``sys.path`` that holds them.
    """
    stamp = []
    for entry in sys.path:
        try:
            stamp.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            continue
    return tuple(stamp)


# Scanning the installed distributions takes half a second; the i18n plugin
# builds each language in the same process, and `mkdocs serve` rebuilds in it.
@functools.lru_cache(maxsize=2)
def _packages_distributions_in(stamp: tuple) -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _version(name: str) -> str:
    return _version_in(name, _environment_stamp())


@functools.lru_cache(maxsize=256)
def _version_in(name: str, stamp: tuple) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cache_key(sources: Sequence[str], package_hash: str, versions: dict[str, str]) -> str:
    """The execution cache key: code cells in order, package digest and versions."""
    payload = json.dumps(
        {"cells": list(sources), "package": package_hash, "versions": versions,
         "probe": _VERSION_PROBE},
        sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------
# Execution and the cache
# ---------------------------------------------------------------------------

class NotebookExecutionError(PluginError):
    """A chapter's cell raised, timed out or printed a traceback or warning."""


@dataclass
class ExecutionCache:
    """Execution results on disk, one JSON file per key."""

    directory: Path = CACHE_DIR

    def path(self, key: str) -> Path:
        return Path(self.directory) / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        path = self.path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        os.utime(path)  # recently used: kept by prune()
        return entry

    def put(self, key: str, entry: dict[str, Any]) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash never leaves half an entry

    def prune(self, max_age_days: float = 30.0) -> int:
        """Delete entries unused for ``max_age_days`` (edits leave old keys behind)."""
        cutoff = time.time() - max_age_days * 86400
        removed = 0
        for path in Path(self.directory).glob("*.json"):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def kernel_env() -> dict[str, str]:
    """Environment of the kernel: ours (CNN_TUTORIAL_* included) plus inline plots."""
    env = dict(os.environ)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # TensorFlow's C++ INFO lines (oneDNN notices) are not warnings; keep W and E.
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.pop("JPY_PARENT_PID", None)
    env[_IN_KERNEL] = "1"  # see on_config: no site build from inside a chapter
    return env


def execute_cells(sources: Sequence[str], *, name: str, cwd: str | os.PathLike = ROOT,
                  timeout: int = CELL_TIMEOUT_S, kernel_name: str = "python3") -> dict[str, Any]:
    """Run ``sources`` in a fresh kernel; return outputs per cell and the run's versions.

    Raises:
        NotebookExecutionError: a cell raised or timed out; the message shows the
            chapter, the cell and the traceback.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    notebook.cells.append(nbformat.v4.new_code_cell(_VERSION_PROBE))
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name=kernel_name, allow_errors=False,
        resources={"metadata": {"path": str(cwd)}}, record_timing=False,
        # C-level stderr (TensorFlow's absl start-up lines) goes to the build
        # log, not into the page; Python warnings still reach the outputs.
        extra_arguments=["--IPKernelApp.capture_fd_output=False"])
    started = time.perf_counter()
    try:
        client.execute(env=kernel_env())
    except CellExecutionError as error:
        message = _ANSI.sub("", str(error))
        raise NotebookExecutionError(f"{name}: a cell raised an error\n{message}") from None
    except (CellTimeoutError, DeadKernelError) as error:
        raise NotebookExecutionError(f"{name}: {type(error).__name__}: {error}") from None
    probe = notebook.cells.pop()
    printed = "".join(o.get("text", "") for o in probe.get("outputs", [])
                      if o.get("output_type") == "stream" and o.get("name") == "stdout")
    lines = [ln for ln in printed.splitlines() if ln.startswith("{")]
    run_info: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    return {
        "cells": [{"outputs": cell.get("outputs", []),
                   "execution_count": cell.get("execution_count")}
                  for cell in notebook.cells],
        "tensorflow": run_info.get("tensorflow"),
        "python": run_info.get("python"),
        "executed_at": time.strftime("%Y-%m-%d", time.gmtime()),
        "seconds": round(time.perf_counter() - started, 1),
    }


def output_problems(entry: dict[str, Any], sources: Sequence[str] | None = None) -> list[str]:
    """Tracebacks, errors and warnings in the outputs of an execution entry."""
    problems = []
    for index, cell in enumerate(entry["cells"]):
        where = f"code cell {index + 1}"
        if sources is not None:
            first = sources[index].strip().splitlines()[:1]
            where += f" ({first[0][:60]!r})" if first else ""
        for output in cell["outputs"]:
            kind = output.get("output_type")
            if kind == "error":
                problems.append(f"{where}: error output {output.get('ename')}: {output.get('evalue')}")
                continue
            texts = []
            if kind == "stream":
                texts.append(output.get("text", ""))
            else:
                texts.append(str(output.get("data", {}).get("text/plain", "")))
            text = "".join(texts)
            if "Traceback (most recent call last)" in text:
                problems.append(f"{where}: output contains a traceback:\n{text[-800:]}")
            elif kind == "stream" and output.get("name") == "stderr" and re.search(
                    r"warn", text, re.IGNORECASE):
                problems.append(f"{where}: a warning on stderr:\n{text[-800:]}")
    return problems


@dataclass
class Chapter:
    """One notebook page: its file, its notebook and its cache key."""

    path: Path
    notebook: nbformat.NotebookNode
    key: str

    @property
    def sources(self) -> list[str]:
        return code_cells(self.notebook)


def load_chapter(path: str | os.PathLike, package_hash: str,
                 notebook: nbformat.NotebookNode | None = None) -> Chapter:
    """The chapter at ``path`` (``notebook``: its :func:`read_notebook`, if already read)."""
    notebook = read_notebook(path) if notebook is None else notebook
    sources = code_cells(notebook)
    return Chapter(Path(path), notebook, cache_key(sources, package_hash, library_versions(sources)))


def ensure_executed(chapters: Sequence[Chapter], cache: ExecutionCache, *,
                    jobs: int | None = None, cwd: str | os.PathLike = ROOT,
                    ) -> dict[str, dict[str, Any]]:
    """Execution entries for ``chapters``, running each distinct cache miss once.

    Chapters with the same key (a chapter's Korean and English pages) share one
    execution. Returns ``{key: entry}``; logs "cache hit" or "executed" per key.
    """
    entries: dict[str, dict[str, Any]] = {}
    missing: dict[str, Chapter] = {}
    for chapter in chapters:
        if chapter.key in entries or chapter.key in missing:
            continue
        entry = cache.get(chapter.key)
        if entry is None:
            missing[chapter.key] = chapter
        else:
            entries[chapter.key] = entry
            log.info("notebook cache hit: %s", _display(chapter.path))

    def run(chapter: Chapter) -> tuple[str, dict[str, Any]]:
        entry = execute_cells(chapter.sources, name=_display(chapter.path), cwd=cwd)
        problems = output_problems(entry, chapter.sources)
        if problems:
            raise NotebookExecutionError(
                f"{_display(chapter.path)}: outputs must not contain tracebacks or warnings "
                "(fix the cause):\n" + "\n".join(problems))
        cache.put(chapter.key, entry)
        log.info("notebook executed: %s (%.1f s)", _display(chapter.path), entry["seconds"])
        return chapter.key, entry

    if missing:
        jobs = jobs or int(os.environ.get("CNN_TUTORIAL_DOCS_JOBS", "0")) or min(2, os.cpu_count() or 1)
        # Longest chapters first would be ideal; code size is a fair proxy.
        order = sorted(missing.values(), key=lambda c: -sum(map(len, c.sources)))
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(run, chapter) for chapter in order]
            errors = []
            for future in futures:
                try:
                    key, entry = future.result()
                    entries[key] = entry
                except NotebookExecutionError as error:
                    errors.append(str(error))
            if errors:
                raise NotebookExecutionError("\n\n".join(errors))
    return entries


def merge_outputs(notebook: nbformat.NotebookNode, entry: dict[str, Any]) -> nbformat.NotebookNode:
    """A copy of ``notebook`` whose code cells carry the cached outputs (matched by position)."""
    merged = copy.deepcopy(notebook)
    cells = [cell for cell in merged.cells if cell.cell_type == "code"]
    if len(cells) != len(entry["cells"]):
        raise NotebookExecutionError(
            f"cache entry has {len(entry['cells'])} code cells, the notebook {len(cells)}")
    for cell, result in zip(cells, entry["cells"]):
        cell.outputs = [nbformat.from_dict(o) for o in result["outputs"]]
        cell.execution_count = result["execution_count"]
    return merged


# ---------------------------------------------------------------------------
# The downloadable notebook
# ---------------------------------------------------------------------------

def colab_url(repo_url: str | None, notebook_path: str, branch: str = "gh-pages") -> str | None:
    """Colab's URL for ``notebook_path`` (site-relative) on ``branch`` of a GitHub repo."""
    if not repo_url:
        return None
    match = re.match(r"https?://github\.com/([^/]+)/([^/#?]+?)(?:\.git)?/?$", repo_url)
    if not match:
        return None
    owner, repo = match.groups()
    return f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{notebook_path}"


def export_notebook(notebook: nbformat.NotebookNode, repo_url: str | None) -> str:
    """The ``.ipynb`` offered for download: ``{#id}`` stripped, plus an install cell."""
    exported = copy.deepcopy(notebook)
    for cell in exported.cells:
        if cell.cell_type == "markdown":
            cell.source = _SHOWN_FENCE.sub(r"\1\2", _HEADING_ID.sub(r"\1", cell.source))
    if repo_url:
        install = nbformat.v4.new_code_cell(
            f'%pip install --quiet "cnn-tutorial @ git+{repo_url.rstrip("/")}"')
        install.metadata["tags"] = ["install"]
        exported.cells.insert(0, install)
    exported.metadata.pop("jupytext", None)
    exported.metadata["kernelspec"] = {
        "display_name": "Python 3", "language": "python", "name": "python3"}
    exported.metadata["language_info"] = {"name": "python"}
    return nbformat.writes(nbformat.validator.normalize(exported)[1]
                           if hasattr(nbformat.validator, "normalize") else exported)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------

def _display(path: Path | str) -> str:
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def page_language(page: Page) -> str:
    """``ko`` or ``en`` from the page's folder (docs_structure: folder)."""
    parts = Path(page.file.abs_src_path).parts
    for lang in ("en", "ko"):
        if lang in parts[-3:-1]:
            return lang
    return "ko"


def render_prose(page: Page, notebook: nbformat.NotebookNode, config, files) -> list[str]:
    """Render all Markdown cells of ``notebook`` at once with MkDocs' own Markdown.

    One render keeps heading ids unique over the page and gives the page its
    table of contents, title and link checks. Returns one HTML string per
    Markdown cell, in order.
    """
    markdown_cells = [cell for cell in notebook.cells if cell.cell_type == "markdown"]
    joined = "\n\n".join(
        f"{_CELL_MARK.format(i)}\n\n{cell.source}" for i, cell in enumerate(markdown_cells))
    page.markdown = joined
    Page.render(page, config, files)
    pieces = _CELL_SPLIT.split(page.content)
    rendered = [""] * len(markdown_cells)
    for index in range(1, len(pieces), 2):
        rendered[int(pieces[index])] = pieces[index + 1]
    return rendered


@functools.lru_cache(maxsize=None)
def _exporter(theme: str, show_input: bool, no_input: bool, no_prompt: bool,
              remove_tags: str, highlight_extra_classes: str):
    """mkdocs-jupyter's HTML exporter, built once per configuration.

    ``mkdocs_jupyter.convert.nb2html`` builds a new exporter (and compiles its
    Jinja templates again) for every page, about 1.5 s each; this is the same
    exporter set up the same way, kept for the whole build.
    """
    from mkdocs_jupyter import convert  # noqa: F401  (installs its heading patch)
    from mkdocs_jupyter import nbconvert2
    from mkdocs_jupyter.config import settings
    from mkdocs_jupyter.preprocessors import SubCell
    from nbconvert.exporters.html import HTMLExporter
    from nbconvert.exporters.templateexporter import default_filters

    app = nbconvert2.get_nbconvert_app(
        execute=False, allow_errors=False, show_input=show_input, no_input=no_input,
        no_prompt=no_prompt, remove_tag_config=json.loads(remove_tags))
    default_filters["clean_html"] = (
        lambda element: element.decode() if isinstance(element, bytes) else str(element))
    return HTMLExporter(
        config=app.config, template_file="mkdocs_html/notebook.html.j2",
        extra_template_paths=[settings.templates_dir], preprocessors=[SubCell],
        filters={"highlight_code": nbconvert2.mk_custom_highlight_code(
            extra_css_classes=highlight_extra_classes)},
        theme=theme, mathjax_url="")


def notebook_html(notebook: nbformat.NotebookNode, plugin_config) -> tuple[str, str]:
    """HTML of the notebook by mkdocs-jupyter's template, and the CSS it inlined."""
    from mkdocs_jupyter import nbconvert2

    exporter = _exporter(*exporter_settings(plugin_config))
    nbconvert2.cell_id = 0  # ids of the copy buttons restart on every page
    nbconvert2.kernel_lang = "python"
    body, _ = exporter.from_notebook_node(
        copy.deepcopy(notebook), resources={"mkdocs": {"include_requirejs": False}})
    css = "\n".join(block for block in _STYLE_BLOCK.findall(body))
    body = _STYLE_BLOCK.sub("", body)
    body = _MATHJAX_CONFIG.sub("", body)
    body = _MATHJAX_CONFIG_JS.sub("", body)
    body = _EXTERNAL_SCRIPT.sub("", body)
    return body, css


def exporter_settings(plugin_config) -> tuple:
    """The settings of mkdocs-jupyter that decide the HTML, with its defaults, as
    :func:`_exporter` takes them."""
    return (plugin_config.get("theme", "") or "light",
            bool(plugin_config.get("show_input", True)),
            bool(plugin_config.get("no_input", False)),
            bool(plugin_config.get("no_prompt", False)),
            json.dumps(plugin_config.get("remove_tag_config", {}), sort_keys=True),
            plugin_config.get("highlight_extra_classes", ""))


@functools.lru_cache(maxsize=1)
def _renderer_digest() -> str:
    """What decides the HTML besides the notebook: this hook and the renderers' versions."""
    parts = [Path(__file__).read_bytes().hex()]
    parts += [f"{name}=={_version(name)}" for name in (
        "nbconvert", "mkdocs-jupyter", "pygments", "jinja2", "mistune", "nbformat")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def html_cache_key(shown: nbformat.NotebookNode, plugin_config: dict[str, Any]) -> str:
    """Key of a page's nbconvert HTML: the notebook as shown (rendered prose and
    outputs included), the exporter's settings and :func:`_renderer_digest`."""
    digest = hashlib.sha256()
    digest.update(_renderer_digest().encode())
    digest.update(json.dumps(exporter_settings(plugin_config)).encode())
    digest.update(json.dumps(shown, sort_keys=True).encode())
    return digest.hexdigest()


def html_cache(cache: ExecutionCache) -> ExecutionCache:
    """The cache of rendered pages: the same kind of store, in ``html/`` beside the results."""
    return ExecutionCache(Path(cache.directory) / "html")


def cached_notebook_html(shown: nbformat.NotebookNode, plugin_config: dict[str, Any],
                         cache: ExecutionCache) -> tuple[str, str]:
    """:func:`notebook_html`, stored in ``html_cache(cache)``.

    nbconvert takes about half a second a page; on a rebuild where the page's
    prose and outputs did not change it is skipped.
    """
    key = html_cache_key(shown, plugin_config)
    stored = html_cache(cache).get(key)
    if stored is not None and {"body", "css"} <= stored.keys():
        return stored["body"], stored["css"]
    body, css = notebook_html(shown, plugin_config)
    html_cache(cache).put(key, {"body": body, "css": css})
    return body, css


def _style_contents(css_blocks: str) -> str:
    return "\n".join(re.findall(r"<style[^>]*>(.*?)</style>", css_blocks, re.DOTALL | re.IGNORECASE))


_CLASS_ATTR = re.compile(r'class="([^"]*)"')
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")


def used_classes(html_text: str) -> set[str]:
    """Every class name used in ``html_text``."""
    return {name for attr in _CLASS_ATTR.findall(html_text) for name in attr.split()}


def prune_css(css: str, classes: set[str]) -> str:
    """Drop the rules of ``css`` whose every selector names a class absent from ``classes``.

    nbconvert inlines all of JupyterLab's stylesheet (about 600 KB) into every
    page; a chapter uses a few dozen of its classes. Rules without class
    selectors (``:root`` variables, element rules) are kept, and so are at-rules
    other than ``@media``/``@supports`` (whose inner rules are pruned the same way).
    """
    css = _CSS_COMMENT.sub("", css)
    out: list[str] = []
    pos, length = 0, len(css)
    while pos < length:
        brace = css.find("{", pos)
        if brace < 0:
            break
        selector = css[pos:brace].strip()
        depth, end = 1, brace + 1
        while end < length and depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        body = css[brace + 1:end - 1]
        pos = end
        if selector.startswith("@"):
            if selector.startswith(("@media", "@supports")):
                inner = prune_css(body, classes)
                if inner.strip():
                    out.append(f"{selector}{{{inner}}}")
            else:
                out.append(f"{selector}{{{body}}}")
            continue
        if selector.startswith(";"):
            selector = selector.lstrip(";").strip()
        keep = any(set(_CSS_CLASS.findall(part)) <= classes for part in selector.split(","))
        if keep:
            out.append(f"{selector}{{{body.strip()}}}")
    return "\n".join(out)


_CSS_VAR_DECL = re.compile(r"(--[\w-]+)\s*:[^;{}]*(?:;|(?=}))")


def prune_css_variables(css: str) -> str:
    """Drop custom-property declarations that nothing references with ``var()``."""
    for _ in range(4):  # variables defined through other variables
        used = set(re.findall(r"var\(\s*(--[\w-]+)", css))
        pruned = _CSS_VAR_DECL.sub(lambda m: m.group(0) if m.group(1) in used else "", css)
        if pruned == css:
            break
        css = pruned
    return re.sub(r"(?m)^[^{}\n]*\{\s*\}\n?", "", css)  # rules left empty


def banner_html(lang: str, entry: dict[str, Any], download: str, colab: str | None) -> str:
    text = BANNER_TEXT.get(lang, BANNER_TEXT["en"])
    executed = text["executed"].format(
        tf=html.escape(str(entry.get("tensorflow") or "?")),
        py=html.escape(str(entry.get("python") or "?")))
    links = [f'<a href="{html.escape(download)}" download>{text["download"]}</a>']
    if colab:
        links.append(f'<a href="{html.escape(colab)}">{text["colab"]}</a>')
    return (f'<div class="nb-banner" data-tensorflow="{html.escape(str(entry.get("tensorflow")))}">'
            f'<span class="nb-banner__executed">{executed}</span> '
            f'<span class="nb-banner__links">{" · ".join(links)}</span></div>\n')


# ---------------------------------------------------------------------------
# MkDocs events
# ---------------------------------------------------------------------------

_state: dict[str, Any] = {"entries": {}, "chapters": {}, "css": None, "exports": {},
                          "classes": set()}


def _memoize_notebook_check() -> None:
    """mkdocs-jupyter decides whether a ``.md`` file is a notebook by parsing it
    whole with Jupytext, for every page, three times per language per build.
    The answer depends only on the file and the plugin's patterns: remember it."""
    from mkdocs_jupyter.plugin import Plugin

    if getattr(Plugin.should_include, "memoized", False):
        return
    original = Plugin.should_include
    answers: dict[tuple, bool] = {}

    def should_include(self, file):
        path = file.abs_src_path
        try:
            stat = os.stat(path)
        except (TypeError, OSError):
            return original(self, file)
        key = (path, stat.st_mtime_ns, stat.st_size,
               tuple(self.config["include"]), tuple(self.config["ignore"]))
        if key not in answers:
            answers[key] = original(self, file)
        return answers[key]

    should_include.memoized = True
    Plugin.should_include = should_include


def on_config(config):
    if os.environ.get(_IN_KERNEL):
        # A cell that runs `mkdocs` (e.g. a ```bash fence, which Jupytext turns
        # into a %%bash cell) would start builds that execute it again, forever.
        raise PluginError("refusing to build the site from inside a chapter's kernel: "
                          "show shell commands in ```console fences, which do not run")
    _state["repo_url"] = config.get("repo_url")
    _memoize_notebook_check()


def on_files(files, config):
    """Find the notebook pages of this build and execute every cache miss, in parallel."""
    _state["classes"] = set()
    # Versions may change between builds of one `mkdocs serve`; within a build they do not.
    _renderer_digest.cache_clear()
    package_hash = package_digest()
    if RESULTS_DIR.is_dir():
        package_hash = hashlib.sha256(
            f"{package_hash}:{package_digest(RESULTS_DIR)}".encode()).hexdigest()
    chapters = []
    for file in files:
        path = getattr(file, "abs_src_path", None)
        notebook = read_if_notebook(path) if file.is_documentation_page() else None
        if notebook is not None:
            chapters.append(load_chapter(path, package_hash, notebook))
    cache = ExecutionCache(CACHE_DIR)
    _state["entries"] = ensure_executed(chapters, cache)
    _state["chapters"] = {str(c.path): c for c in chapters}
    cache.prune()
    html_cache(cache).prune()
    return files


def _raw_html_cell(html_text: str, cell_id: str) -> nbformat.NotebookNode:
    raw = nbformat.v4.new_raw_cell(html_text)
    raw.id = cell_id  # not a new random one: the HTML stays the same
    raw.metadata["raw_mimetype"] = "text/html"
    return raw


def on_pre_page(page, config, files):
    chapter = _state["chapters"].get(str(Path(page.file.abs_src_path))) if page.file.abs_src_path else None
    if chapter is None:
        return page
    plugin = config.plugins.get("mkdocs-jupyter")
    plugin_config = dict(plugin.config) if plugin is not None else {}
    entry = _state["entries"][chapter.key]

    def render(self, config, files):
        executed = merge_outputs(chapter.notebook, entry)
        prose = render_prose(self, executed, config, files)
        # Markdown cells replaced by their rendered HTML; notebook_html copies
        # what it changes, so the other cells are shared with `executed`.
        shown = copy.copy(executed)
        rendered = iter(prose)
        shown.cells = [_raw_html_cell(next(rendered), cell.id) if cell.cell_type == "markdown"
                       else cell for cell in executed.cells]
        body, css = cached_notebook_html(shown, plugin_config, ExecutionCache(CACHE_DIR))
        if css and _state["css"] is None:
            _state["css"] = _style_contents(css)
        _state["classes"] |= used_classes(body)
        slug = Path(self.file.src_uri).stem
        download = f"{slug}.ipynb"  # written beside the page's index.html
        # dest_uri is site-relative and already carries the language folder.
        site_rel = PurePosixPath(self.file.dest_uri).parent / f"{slug}.ipynb"
        lang = page_language(self)
        colab = colab_url(_state.get("repo_url"), str(site_rel))
        stylesheet = get_relative_url(NOTEBOOK_CSS, self.url or "index.html")
        self.content = (f'<link rel="stylesheet" href="{stylesheet}">\n'
                        + banner_html(lang, entry, download, colab) + body)
        _state["exports"][self.file.abs_dest_path] = (
            Path(self.file.abs_dest_path).parent / f"{slug}.ipynb",
            export_notebook(executed, _state.get("repo_url")))

    page.render = render.__get__(page, Page)
    return page


def on_post_page(output, page, config):
    export = _state["exports"].pop(page.file.abs_dest_path, None)
    if export is not None:
        target, text = export
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    # Material reads each <link rel="alternate" hreflang> as a language's root
    # and fetches "sitemap.xml" under it; the i18n plugin points them at the
    # page itself, so every page load made 404 requests. The sitemap keeps the
    # hreflang alternates, and the header's language switch is unaffected.
    output = _ALTERNATE_LINK.sub("", output)
    if config.get("repo_url"):
        # Material fetches repository facts from api.github.com for this
        # component; the site makes no request outside its origin.
        output = output.replace('data-md-component="source"', 'data-md-component="source-static"')
    return output


def on_post_build(config):
    css = _state.get("css")
    if css:
        # Classes set by Material's and the notebook's scripts, never in the HTML.
        css = prune_css_variables(
            prune_css(css, _state["classes"] | {"jp-mod-active", "jp-mod-selected"}))
        target = Path(config.site_dir) / NOTEBOOK_CSS
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")
