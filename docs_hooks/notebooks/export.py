"""The downloadable ``.ipynb`` of a chapter, its install cell and its Colab link.

A downloaded notebook runs outside the site: MkDocs-only blocks become Markdown
that Jupyter renders, links to ``.md`` pages go to the published chapter (or the
sibling notebook), and the first cell installs the package from a place that
exists for the build at hand (`choose_install`).
"""

from __future__ import annotations

import base64
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path
from urllib.parse import quote

import nbformat

from .chapters import SHOWN_FENCE

_HEADING_ID = re.compile(r"^(#{1,6}\s.*?)\s*\{\s*#[-\w:.]+[^}]*\}\s*$", re.MULTILINE)
_GITHUB = re.compile(r"https?://github\.com/([^/]+)/([^/#?]+?)(?:\.git)?/?$")


def git_commit(root: str | os.PathLike) -> str | None:
    """The commit checked out in ``root`` (``git rev-parse HEAD``), or ``None`` outside git."""
    try:
        result = subprocess.run(["git", "rev-parse", "--verify", "HEAD"], cwd=root,
                                capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", commit) else None


def github_repository(repo_url: str | None) -> tuple[str, str] | None:
    """``(owner, name)`` of a GitHub repository URL, else ``None``."""
    match = _GITHUB.match(repo_url or "")
    return match.groups() if match else None


def colab_url(repo_url: str | None, notebook_path: str, branch: str = "gh-pages") -> str | None:
    """Colab's URL for ``notebook_path`` (site-relative) on ``branch`` of a GitHub repo."""
    repository = github_repository(repo_url)
    if repository is None:
        return None
    owner, repo = repository
    return f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{notebook_path}"


def install_command(repo_url: str, commit: str | None) -> str:
    """The notebook's install cell: the package at ``commit`` (the build's).

    Dependencies are not forced: pip keeps an installed TensorFlow that
    satisfies the package's range (Colab's, for one).
    """
    where = repo_url.rstrip("/") + (f"@{commit}" if commit else "")
    return f'%pip install --quiet "cnn-tutorial @ git+{where}"'


# -- where a downloaded notebook installs the package from -----------------------

#: Where the build publishes the package's wheel, under the site's root (a folder
#: per package digest, so that a cached download never serves an older wheel).
WHEEL_FOLDER = "assets/wheels"


@dataclass(frozen=True)
class Install:
    """Where a build's notebooks install the package from, and the cell that does it.

    ``kind`` is ``"wheel-url"`` (the wheel published with the site, at ``where``, an
    absolute URL: the build knows its ``site_url``), ``"git"`` (``where`` is the
    repository at the built commit) or ``"embedded"`` (no address is known: the
    wheel's bytes travel inside the cell).
    """

    kind: str
    where: str
    wheel: bytes | None = None
    wheel_name: str | None = None

    def cell_source(self) -> str:
        if self.kind == "embedded":
            data = base64.b64encode(self.wheel).decode("ascii")
            return (
                "# This build of the site names neither its address nor a repository, so the\n"
                "# package's wheel travels inside this cell: written to a temporary folder, installed.\n"
                "import base64, pathlib, tempfile\n"
                f"cnn_tutorial_wheel = pathlib.Path(tempfile.mkdtemp()) / {self.wheel_name!r}\n"
                f'cnn_tutorial_wheel.write_bytes(base64.b64decode("{data}"))\n'
                "%pip install --quiet {cnn_tutorial_wheel}")
        # Dependencies are not forced: pip keeps an installed TensorFlow that
        # satisfies the package's range (Colab's, for one).
        return f'%pip install --quiet "cnn-tutorial @ {self.where}"'


def choose_install(*, site_url: str | None, repo_url: str | None, commit: str | None,
                   wheel: bytes | None, wheel_name: str | None, wheel_path: str | None) -> Install:
    """The install of this build: the wheel published with the site when its address
    is known, else the repository at the built commit, else the wheel inside the cell.

    ``wheel_path`` is the wheel's path under the site's root.
    """
    if site_url and wheel_path:
        return Install("wheel-url", site_url.rstrip("/") + "/" + wheel_path, wheel, wheel_name)
    if repo_url and commit:
        return Install("git", "git+" + repo_url.rstrip("/") + f"@{commit}")
    if wheel is None:
        raise ValueError("wheel is needed when neither site_url nor repo_url and commit are known")
    return Install("embedded", "", wheel, wheel_name)


def build_wheel(root: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """Build the package's wheel from ``root`` into ``out_dir`` (no network, no deps).

    Builds from a copy of the files a wheel needs, so the source tree gets no
    ``build/`` or ``*.egg-info`` folder.
    """
    root, out_dir = Path(root), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        project.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (root / name).is_file():
                shutil.copy2(root / name, project / name)
        shutil.copytree(root / "src", project / "src",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "--no-index", "-w", str(out_dir), str(project)],
            capture_output=True, text=True, check=False, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"building the package's wheel failed:\n{result.stderr[-2000:]}")
    wheels = sorted(out_dir.glob("cnn_tutorial-*.whl"), key=lambda p: p.stat().st_mtime)
    if not wheels:
        raise RuntimeError(f"building the package's wheel left no wheel in {out_dir}")
    return wheels[-1]


#: docs/*/index.md holds this where the build writes what is true of its notebooks.
INSTALL_MARKER = "<!-- notebook-install -->"
_INSTALL_TEXT = {
    "en": {
        "colab": 'The top of each chapter links to its notebook (`.ipynb`) and to "Open in Colab".',
        "no-colab": ("The top of each chapter links to its notebook (`.ipynb`). This build of the "
                     'site names no GitHub repository, so it has no "Open in Colab" link: upload '
                     "a downloaded notebook to Colab instead (File, Upload notebook)."),
        "git": ("The first cell of a downloaded notebook installs this package with `%pip install` "
                "from the repository at the commit this site was built from (`{commit}`)."),
        "wheel-url": ("The first cell of a downloaded notebook installs this package with "
                      "`%pip install` from the wheel published with this site ([`{name}`]({url}))."),
        "embedded": ("With neither the site's address nor a repository to install from, each "
                     "downloaded notebook carries the package's wheel: its first cell writes it "
                     "to a temporary folder and installs it with `%pip install`."),
        "runs": (" So a notebook runs as it is in Colab or in your own Jupyter (Python 3.11 or "
                 "newer), where pip also installs TensorFlow and the other dependencies "
                 "that are missing."),
    },
    "ko": {
        "colab": '각 장의 맨 위에는 그 장의 노트북(`.ipynb`) 내려받기 링크와 "Colab에서 열기" 링크가 있습니다.',
        "no-colab": ("각 장의 맨 위에는 그 장의 노트북(`.ipynb`) 내려받기 링크가 있습니다. 이 빌드는 "
                     'GitHub 저장소를 지정하지 않아 "Colab에서 열기" 링크가 없으니, 내려받은 노트북을 '
                     "Colab에 올려서(File, Upload notebook) 여세요."),
        "git": ("내려받은 노트북의 첫 셀은 이 사이트를 빌드한 커밋(`{commit}`)의 저장소에서 "
                "`%pip install`로 이 패키지를 설치합니다."),
        "wheel-url": ("내려받은 노트북의 첫 셀은 이 사이트와 함께 배포한 휠([`{name}`]({url}))을 "
                      "`%pip install`로 설치합니다."),
        "embedded": ("설치할 곳으로 삼을 사이트 주소도 저장소도 없으므로, 내려받은 노트북마다 패키지의 "
                     "휠이 들어 있습니다. 첫 셀이 그 휠을 임시 폴더에 쓰고 `%pip install`로 설치합니다."),
        "runs": (" 그래서 노트북은 Colab에서도, 직접 띄운 Jupyter(Python 3.11 이상)에서도 그대로 "
                 "실행되며, 없는 TensorFlow와 다른 의존 패키지는 pip가 함께 설치합니다."),
    },
}


def install_paragraph(install: Install, lang: str, *, colab: bool) -> str:
    """The home page's paragraph on downloaded notebooks, true of this build."""
    text = _INSTALL_TEXT.get(lang, _INSTALL_TEXT["en"])
    commit = install.where.rpartition("@")[2][:12] if install.kind == "git" else ""
    how = text[install.kind].format(commit=commit, name=install.wheel_name, url=install.where)
    return f"{text['colab' if colab else 'no-colab']} {how}{text['runs']}"


# -- MkDocs-only Markdown made readable in Jupyter and Colab ------------------------

_BLOCK_START = re.compile(
    r"^(?P<indent>[ ]*)(?:(?P<kind>!!!|\?\?\?\+?)[ ]+(?P<type>[\w-]+)|(?P<tab>===\+?))"
    r'(?:[ ]+"(?P<title>(?:[^"\\]|\\.)*)")?[ ]*$')
_LINK = re.compile(r"(?<!!)\[(?P<text>(?:[^\[\]]|\[[^\]]*\])*)\]\((?P<target>[^)\s]+)\)")
_MD_TARGET = re.compile(r"^(?P<path>(?![a-z][\w+.-]*:|/|#)[^#?]*\.md)(?P<anchor>#[-\w.:]+)?$")


def _block_body(lines: list[str], start: int, indent: int) -> tuple[list[str], int]:
    """The indented body of the block opened at ``lines[start - 1]``, dedented, and
    the index of the first line after it."""
    body, index = [], start
    while index < len(lines) and (not lines[index].strip()
                                  or len(lines[index]) - len(lines[index].lstrip(" ")) >= indent + 4):
        body.append(lines[index][indent + 4:])
        index += 1
    while body and not body[-1].strip():
        body.pop()
        index -= 1
    return body, index


def notebook_markdown(text: str) -> str:
    """MkDocs-only blocks as Markdown that Jupyter and Colab render.

    ``!!! type "Title"`` becomes a quote with a bold title, ``??? type "Title"`` (a
    folded block: the exercises' solutions) a closed ``<details>`` (``???+``: open),
    and a content tab ``=== "Title"`` its bold title over its content.
    """
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        match = _BLOCK_START.match(lines[index])
        if not match:
            out.append(lines[index])
            index += 1
            continue
        indent = len(match["indent"])
        body, index = _block_body(lines, index + 1, indent)
        inner = notebook_markdown("\n".join(body)).split("\n")
        title = re.sub(r"\\(.)", r"\1", match["title"]) if match["title"] is not None else None
        if match["tab"]:
            block = [f"**{title}**", "", *inner] if title else inner
        elif match["kind"] == "!!!":
            heading = title if title is not None else match["type"].capitalize()
            block = ([f"> **{heading}**", ">"] if heading else []) + [
                f"> {line}" if line.strip() else ">" for line in inner]
        else:
            summary = html_escape(title if title is not None else match["type"].capitalize())
            opening = "<details open>" if match["kind"].endswith("+") else "<details>"
            block = [f"{opening}<summary>{summary}</summary>", "", *inner, "", "</details>"]
        out.extend(" " * indent + line if line else line for line in block)
    return "\n".join(out)


def rewrite_links(text: str, target_url) -> str:
    """Links to the site's Markdown pages (``convolution.md#padding``) made to work in
    a notebook: ``target_url(path, anchor)`` gives the new target, or ``None`` to keep
    only the link's text."""
    def replace(match):
        target = _MD_TARGET.match(match["target"])
        if not target:
            return match[0]
        url = target_url(target["path"], target["anchor"] or "")
        return f"[{match['text']}]({url})" if url else match["text"]
    return _LINK.sub(replace, text)


def export_notebook(notebook: nbformat.NotebookNode, install: Install | None = None,
                    target_url=None, *, install_text: str | None = None) -> str:
    """The ``.ipynb`` offered for download: ``{#id}`` stripped, MkDocs-only blocks and
    links to ``.md`` pages rewritten (`notebook_markdown`, `rewrite_links`), and the
    cell of ``install`` first. ``install_text`` replaces the home page's marker."""
    exported = copy.deepcopy(notebook)
    for cell in exported.cells:
        if cell.cell_type == "markdown":
            source = SHOWN_FENCE.sub(r"\1\2", _HEADING_ID.sub(r"\1", cell.source))
            source = notebook_markdown(source)
            if target_url is not None:
                source = rewrite_links(source, target_url)
            if install_text is not None:
                source = source.replace(INSTALL_MARKER, install_text)
            cell.source = source
    if install is not None:
        cell = nbformat.v4.new_code_cell(install.cell_source())
        cell.id = "install"
        cell.metadata["tags"] = ["install"]
        if install.kind == "embedded":  # about 170 KB of base64: folded in JupyterLab and Colab
            cell.metadata["jupyter"] = {"source_hidden": True}
            cell.metadata["cellView"] = "form"
        exported.cells.insert(0, cell)
    exported.metadata.pop("jupytext", None)
    exported.metadata["kernelspec"] = {
        "display_name": "Python 3", "language": "python", "name": "python3"}
    exported.metadata["language_info"] = {"name": "python"}
    return nbformat.writes(exported)


def report_issue_url(repo_url: str | None, *, title: str, page_url: str, lang: str,
                     tensorflow: str | None) -> str | None:
    """A new-issue link of a GitHub repository, prefilled with the page's facts."""
    repository = github_repository(repo_url)
    if repository is None:
        return None
    owner, repo = repository
    body = (f"Page: {page_url}\nLanguage: {lang}\n"
            f"Executed with TensorFlow: {tensorflow or 'unknown'}\n\nWhat is wrong:\n")
    return (f"https://github.com/{owner}/{repo}/issues/new"
            f"?title={quote(f'[{lang}] {title}: ')}&body={quote(body)}")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
