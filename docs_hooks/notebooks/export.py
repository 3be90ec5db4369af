"""The downloadable ``.ipynb`` of a chapter, its install cell and its Colab link."""

from __future__ import annotations

import copy
import os
import re
import subprocess
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


def export_notebook(notebook: nbformat.NotebookNode, repo_url: str | None,
                    commit: str | None = None) -> str:
    """The ``.ipynb`` offered for download: ``{#id}`` stripped, plus an install cell."""
    exported = copy.deepcopy(notebook)
    for cell in exported.cells:
        if cell.cell_type == "markdown":
            cell.source = SHOWN_FENCE.sub(r"\1\2", _HEADING_ID.sub(r"\1", cell.source))
    if repo_url:
        install = nbformat.v4.new_code_cell(install_command(repo_url, commit))
        install.id = "install"
        install.metadata["tags"] = ["install"]
        exported.cells.insert(0, install)
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
