"""The downloadable notebooks: readable in Jupyter and Colab, and self-sufficient.

Unit tests of ``docs_hooks.notebooks.export``; ``test_build.py`` and the tests at
the end of this file check the notebooks of the built site.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from docs_hooks.notebooks import export

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
WHEEL = b"PK\x03\x04 not a real wheel"


def test_admonitions_become_quotes_and_solutions_fold():
    text = ('Before.\n\n!!! warning "Where the lecture note is wrong"\n    It says *x*.\n\n'
            '    Second paragraph.\n\nAfter.\n\n**Exercise 1.** Do it.\n\n'
            '??? success "Solution"\n    Because.\n\n    ```python\n    >>> 1 + 1\n    2\n    ```\n\n'
            '!!! note\n    Untitled.\n\n!!! warning "Quoted: \\"x\\""\n    Body.\n')
    out = export.notebook_markdown(text)
    assert "!!!" not in out and "???" not in out
    assert '> **Where the lecture note is wrong**\n>\n> It says *x*.\n>\n> Second paragraph.\n\nAfter.' in out
    assert ("<details><summary>Solution</summary>\n\nBecause.\n\n```python\n>>> 1 + 1\n2\n```\n\n"
            "</details>") in out
    assert "> **Note**\n>\n> Untitled." in out
    assert '> **Quoted: "x"**\n>\n> Body.' in out


def test_content_tabs_become_titled_sections_and_nested_blocks_convert():
    text = ('=== "TF 2"\n\n    ```python\n    x = 1\n    ```\n\n=== "TF 1 (lecture)"\n\n'
            '    !!! tip "Inside"\n        Nested.\n')
    out = export.notebook_markdown(text)
    assert "===" not in out and "!!!" not in out
    assert out.startswith("**TF 2**\n\n\n```python\nx = 1\n```\n\n**TF 1 (lecture)**")
    assert "> **Inside**\n>\n> Nested." in out


def test_links_to_pages_are_rewritten_or_reduced_to_their_text():
    text = ("[padding](padding-stride.md#output-size), [glossary](glossary.md), "
            "[web](https://example.org/a.md), ![img](x.png), [here](#top)")
    chapters = {"padding-stride.md"}
    out = export.rewrite_links(
        text, lambda path, anchor: path[:-3] + ".ipynb" if path in chapters else None)
    assert out == ("[padding](padding-stride.ipynb), glossary, [web](https://example.org/a.md), "
                   "![img](x.png), [here](#top)")


def test_install_is_the_published_wheel_else_the_commit_else_the_embedded_wheel():
    kwargs = dict(wheel=WHEEL, wheel_name="cnn_tutorial-0.1.0-py3-none-any.whl",
                  wheel_path="assets/wheels/abc/cnn_tutorial-0.1.0-py3-none-any.whl")
    url = export.choose_install(site_url="https://o.github.io/r/", repo_url="https://github.com/o/r",
                                commit="c" * 40, **kwargs)
    assert url.kind == "wheel-url"
    assert url.cell_source() == ('%pip install --quiet "cnn-tutorial @ '
                                 'https://o.github.io/r/assets/wheels/abc/cnn_tutorial-0.1.0-py3-none-any.whl"')
    git = export.choose_install(site_url=None, repo_url="https://github.com/o/r", commit="c" * 40, **kwargs)
    assert git.cell_source() == f'%pip install --quiet "cnn-tutorial @ git+https://github.com/o/r@{"c" * 40}"'
    for repo_url, commit in ((None, None), ("https://github.com/o/r", None), (None, "c" * 40)):
        embedded = export.choose_install(site_url=None, repo_url=repo_url, commit=commit, **kwargs)
        assert embedded.kind == "embedded"
        source = embedded.cell_source()
        assert base64.b64decode(re.search(r'b64decode\("([^"]+)"\)', source)[1]) == WHEEL
        assert source.splitlines()[-1] == "%pip install --quiet {cnn_tutorial_wheel}"


def test_home_page_paragraph_says_what_this_build_does():
    git = export.Install("git", "git+https://github.com/o/r@" + "c" * 40)
    embedded = export.Install("embedded", "", WHEEL, "w.whl")
    url = export.Install("wheel-url", "https://o.github.io/r/assets/wheels/x/w.whl", WHEEL, "w.whl")
    en = export.install_paragraph(git, "en", colab=True)
    assert '"Open in Colab"' in en and "(`cccccccccccc`)" in en and "no GitHub" not in en
    assert "no \"Open in Colab\" link" in export.install_paragraph(embedded, "en", colab=False)
    assert "carries the package's wheel" in export.install_paragraph(embedded, "en", colab=False)
    assert "(https://o.github.io/r/assets/wheels/x/w.whl)" in export.install_paragraph(url, "ko", colab=True)
    for page in ("ko", "en"):
        source = (DOCS / page / "index.md").read_text(encoding="utf-8")
        assert source.count(export.INSTALL_MARKER) == 1, page
        assert "%pip install" not in source.split("{#run-in-colab}")[1].split("\n## ")[0], page


@pytest.mark.slow
def test_built_wheel_holds_the_package_and_no_build_folder_is_left(tmp_path):
    wheel = export.build_wheel(ROOT, tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "cnn_tutorial/__init__.py" in names and "cnn_tutorial/figures/__init__.py" in names
    assert not any(name.startswith(("tests/", "docs/", "docs_hooks/")) for name in names)


@pytest.mark.slow
def test_embedded_install_cell_installs_the_package_it_carries(tmp_path):
    """The cell's own code (its %pip line run as pip, into a target folder instead of
    the environment) leaves an importable cnn_tutorial there."""
    wheel = export.build_wheel(ROOT, tmp_path / "wheel")
    install = export.Install("embedded", "", wheel.read_bytes(), wheel.name)
    source = install.cell_source()
    python, magic = source.rsplit("\n", 1)
    namespace: dict = {}
    exec(python, namespace)  # writes the wheel to a temporary folder
    written = namespace["cnn_tutorial_wheel"]
    assert written.read_bytes() == wheel.read_bytes() and written.name == wheel.name
    arguments = magic.removeprefix("%pip ").replace("{cnn_tutorial_wheel}", str(written)).split()
    target = tmp_path / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", *arguments, "--no-deps", "--no-index",
                    "--target", str(target)], check=True, capture_output=True)
    assert (target / "cnn_tutorial" / "kernels.py").is_file()


# --- The notebooks of the built site ----------------------------------------------

def _site_notebooks(site: Path) -> list[Path]:
    return sorted(site.glob("**/*.ipynb"))


def _install_cell(notebook) -> str:
    return next(cell.source for cell in notebook.cells if cell.cell_type == "code")


def test_downloaded_notebooks_show_no_mkdocs_markup_or_md_links(built_site):
    from nbconvert import MarkdownExporter

    notebooks = _site_notebooks(built_site)
    assert len(notebooks) >= 2 * 10, notebooks
    for path in notebooks:
        markdown, _ = MarkdownExporter().from_notebook_node(nbformat.read(path, as_version=4))
        prose = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                          if cell.cell_type == "markdown")
        name = path.relative_to(built_site)
        assert not re.search(r"^\s*(!!!|\?\?\?|===)", prose, re.M), name
        assert not re.search(r"\]\((?![a-z]+:)[^)]*\.md(#[^)]*)?\)", markdown), name
        if "**Exercise 1.**" in prose or "**연습 1.**" in prose:
            assert prose.count("<details><summary>") >= 4, name


def test_downloaded_notebooks_install_the_package_from_a_place_of_this_build(built_site):
    """The test build sets SITE_REPO_URL and no SITE_URL: the commit it was built from.
    A build with SITE_URL installs the wheel it publishes; one with neither embeds it."""
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    wheels = list(built_site.glob("assets/wheels/*/cnn_tutorial-*.whl"))
    assert len(wheels) == 1 and "cnn_tutorial/model.py" in zipfile.ZipFile(wheels[0]).namelist()
    for path in _site_notebooks(built_site):
        source = _install_cell(nbformat.read(path, as_version=4))
        if "b64decode" in source:
            data = base64.b64decode(re.search(r'b64decode\("([^"]+)"\)', source)[1])
            assert "cnn_tutorial/model.py" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        elif "/assets/wheels/" in source:
            relative = re.search(r"/(assets/wheels/[^\"]+\.whl)", source)[1]
            assert (built_site / relative).is_file(), (path, source)
        else:
            assert re.fullmatch(rf'%pip install --quiet "cnn-tutorial @ git\+https://\S+@{commit}"',
                                source), (path, source)
    home = (built_site / "en" / "index.html").read_text(encoding="utf-8")
    assert "notebook-install" not in home
    if "b64decode" in source:
        assert "carries the package's wheel" in home and "Open in Colab</a>" not in home
    elif "/assets/wheels/" in source:
        wheel_url = re.search(r"@ (https?://\S+?\.whl)", source)[1]
        assert f'href="{wheel_url}"' in home
    else:
        assert f"<code>{commit[:12]}</code>" in home


@pytest.mark.slow
def test_a_downloaded_notebook_runs_outside_the_repository(built_site, tmp_path):
    """padding-stride.ipynb, as downloaded, in a folder outside the repository: its
    install cell (here the wheel embedded, installed into a folder of the test rather
    than into the environment) and then every cell, in order."""
    from nbclient import NotebookClient

    wheel = export.build_wheel(ROOT, tmp_path / "wheel")
    notebook = nbformat.read(built_site / "en" / "padding-stride" / "padding-stride.ipynb", as_version=4)
    target = tmp_path / "site-packages"
    install = export.Install("embedded", "", wheel.read_bytes(), wheel.name).cell_source()
    install = install.replace("%pip install --quiet {cnn_tutorial_wheel}",
                              f"%pip install --quiet --no-deps --no-index --target {target} "
                              "{cnn_tutorial_wheel}\n"
                              f"import sys; sys.path.insert(0, {str(target)!r})")
    assert notebook.cells[0].source.startswith("%pip install")
    notebook.cells[0].source = install
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import cnn_tutorial; print(cnn_tutorial.__file__)"))
    work = tmp_path / "reader"
    work.mkdir()
    env_pythonpath = {"PYTHONPATH": ""}
    import os
    old = {k: os.environ.get(k) for k in env_pythonpath}
    os.environ.update(env_pythonpath)
    try:
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(work)}}).execute()
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    printed = notebook.cells[-1].outputs[0]["text"]
    assert printed.startswith(str(target)), printed
