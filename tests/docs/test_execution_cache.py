"""The notebook execution cache of docs_hooks/notebooks/ (fingerprint, store, execute).

Tiny throwaway notebooks and a throwaway package folder keep this fast: no
chapter and no TensorFlow import is involved. Nothing here measures time.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import nbformat
import pytest

from docs_hooks.notebooks import chapters as chapter_files
from docs_hooks.notebooks import execute, export, figures, fingerprint, render, store

# Every test here runs a Jupyter kernel.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

FRONT_MATTER = """---
jupyter:
  jupytext:
    text_representation:
      extension: .md
      format_name: markdown
  kernelspec:
    display_name: Python 3
    language: python
    name: python3
---
"""


def write_chapter(path: Path, prose: str, code: list[str]) -> Path:
    body = [FRONT_MATTER, f"# {prose} {{#top}}", ""]
    for index, source in enumerate(code):
        body += [f"{prose}, step {index}.", "", "```python", source, "```", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(body), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path):
    """A docs folder with one chapter in two languages and a fake package."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("ANSWER = 42\n")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"noise")
    code = ["x = 20 + 22\nprint(x)", "print('done')"]
    ko = write_chapter(tmp_path / "docs" / "ko" / "ch.md", "합성곱 설명", code)
    en = write_chapter(tmp_path / "docs" / "en" / "ch.md", "About convolution", code)
    return {"root": tmp_path, "package": package, "ko": ko, "en": en,
            "cache": store.ExecutionCache(tmp_path / "cache")}


def chapters(project):
    digest = fingerprint.files_digest(project["package"])
    return [execute.load_chapter(project[lang], digest) for lang in ("ko", "en")]


def run(project, caplog):
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.notebooks"):
        entries = execute.ensure_executed(chapters(project), project["cache"], jobs=1,
                                            cwd=project["root"])
    messages = [r.getMessage() for r in caplog.records]
    executed = [m for m in messages if m.startswith("notebook executed")]
    hits = [m for m in messages if m.startswith("notebook cache hit")]
    return entries, executed, hits


def test_languages_share_one_execution_and_outputs_are_cached(project, caplog):
    entries, executed, hits = run(project, caplog)
    assert len(executed) == 1 and hits == []
    (entry,) = entries.values()
    assert entry["cells"][0]["outputs"][0]["text"] == "42\n"
    assert entry["cells"][1]["outputs"][0]["text"] == "done\n"
    assert entry["tensorflow"]  # recorded by the kernel's version probe
    _, executed, hits = run(project, caplog)
    assert executed == [] and len(hits) == 1


def test_prose_edit_is_a_cache_hit(project, caplog):
    run(project, caplog)
    write_chapter(project["en"], "Convolution, rewritten", ["x = 20 + 22\nprint(x)", "print('done')"])
    ko, en = chapters(project)
    assert ko.key == en.key
    _, executed, hits = run(project, caplog)
    assert executed == [] and len(hits) == 1


def test_code_edit_is_a_miss_for_that_chapter_only(project, caplog):
    run(project, caplog)
    other = write_chapter(project["root"] / "docs" / "ko" / "other.md", "다른 장", ["print(1)"])
    digest = fingerprint.files_digest(project["package"])
    execute.ensure_executed([execute.load_chapter(other, digest)], project["cache"],
                              jobs=1, cwd=project["root"])
    code = ["x = 20 + 23\nprint(x)", "print('done')"]
    write_chapter(project["ko"], "합성곱 설명", code)
    write_chapter(project["en"], "About convolution", code)
    entries, executed, hits = run(project, caplog)
    assert len(executed) == 1 and hits == []
    assert list(entries.values())[0]["cells"][0]["outputs"][0]["text"] == "43\n"
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.notebooks"):
        caplog.clear()
        execute.ensure_executed([execute.load_chapter(other, digest)], project["cache"],
                                  jobs=1, cwd=project["root"])
    assert [r.getMessage() for r in caplog.records] == ["notebook cache hit: " + str(other)]


def test_package_source_change_is_a_miss(project, caplog):
    run(project, caplog)
    before = fingerprint.files_digest(project["package"])
    (project["package"] / "__pycache__" / "y.pyc").write_bytes(b"more noise")
    assert fingerprint.files_digest(project["package"]) == before  # byte code is not source
    (project["package"] / "__init__.py").write_text("ANSWER = 43\n")
    assert fingerprint.files_digest(project["package"]) != before
    _, executed, hits = run(project, caplog)
    assert len(executed) == 1 and hits == []


def test_library_versions_are_in_the_key():
    versions = fingerprint.environment_versions()
    assert {"python", "tensorflow", "keras", "numpy", "matplotlib"} <= set(versions)
    key = fingerprint.cache_key(["print(1)"], "pkg", versions)
    assert fingerprint.cache_key(["print(1)"], "pkg", dict(versions, numpy="0.0")) != key
    assert fingerprint.cache_key(["print(1)"], "pkg", dict(versions)) == key
    assert fingerprint.cache_key(["print(2)"], "pkg", versions) != key
    assert fingerprint.cache_key(["print(1)"], "pkg2", versions) != key


def test_failing_cell_fails_with_the_cell_and_the_error(project):
    write_chapter(project["ko"], "오류", ["print('ok')", "1 / 0"])
    chapter = chapters(project)[0]
    with pytest.raises(execute.NotebookExecutionError) as error:
        execute.ensure_executed([chapter], project["cache"], jobs=1, cwd=project["root"])
    message = str(error.value)
    assert "docs/ko/ch.md" in message.replace("\\", "/") or "ch.md" in message
    assert "1 / 0" in message and "ZeroDivisionError" in message
    assert "\x1b[" not in message
    assert list((project["root"] / "cache").glob("*.json")) == []  # nothing cached


def test_warning_in_an_output_fails(project):
    write_chapter(project["ko"], "경고", ["import warnings\nwarnings.warn('careful')"])
    with pytest.raises(execute.NotebookExecutionError, match="warning on stderr"):
        execute.ensure_executed([chapters(project)[0]], project["cache"], jobs=1,
                                  cwd=project["root"])


def test_output_problems_finds_tracebacks_and_warnings():
    entry = {"cells": [
        {"outputs": [{"output_type": "stream", "name": "stdout", "text": "fine\n"}]},
        {"outputs": [{"output_type": "stream", "name": "stderr",
                      "text": "x.py:1: UserWarning: careful\n"}]},
        {"outputs": [{"output_type": "execute_result",
                      "data": {"text/plain": "Traceback (most recent call last):\n..."}}]},
    ]}
    problems = execute.output_problems(entry, ["print('fine')", "warn()", "tb()"])
    assert len(problems) == 2
    assert "code cell 2" in problems[0] and "code cell 3" in problems[1]


def test_kernel_runs_in_the_given_folder_with_inline_plots(project, caplog):
    write_chapter(project["ko"], "환경", [
        "import os, matplotlib\nprint(os.getcwd())\nprint(matplotlib.get_backend())"])
    entries = execute.ensure_executed([chapters(project)[0]], project["cache"], jobs=1,
                                        cwd=project["root"])
    text = list(entries.values())[0]["cells"][0]["outputs"][0]["text"]
    cwd, backend = text.splitlines()
    assert Path(cwd).resolve() == project["root"].resolve()
    assert "inline" in backend


def test_merge_outputs_matches_code_cells_by_position(project, caplog):
    entries, _, _ = run(project, caplog)
    ko, en = chapters(project)
    merged = execute.merge_outputs(en.notebook, entries[en.key])
    code = [c for c in merged.cells if c.cell_type == "code"]
    assert [c.outputs[0]["text"] for c in code] == ["42\n", "done\n"]
    assert "About convolution" in merged.cells[0].source  # prose of this language
    assert all(not c.get("outputs") for c in en.notebook.cells if c.cell_type == "code")
    bad = {"cells": entries[en.key]["cells"][:1]}
    with pytest.raises(execute.NotebookExecutionError, match="code cells"):
        execute.merge_outputs(en.notebook, bad)


def test_other_fences_are_shown_not_run(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(FRONT_MATTER + "\n```bash\nmkdocs serve\n```\n\n```python\nx = 1\n```\n")
    notebook = chapter_files.read_notebook(page)
    assert chapter_files.code_cells(notebook) == ["x = 1"]
    assert "mkdocs serve" in notebook.cells[0].source and notebook.cells[0].cell_type == "markdown"


def test_exported_notebook_strips_anchors_and_installs_the_package(project, caplog):
    entries, _, _ = run(project, caplog)
    ko = chapters(project)[0]
    merged = execute.merge_outputs(ko.notebook, entries[ko.key])
    install = export.choose_install(site_url=None, repo_url="https://github.com/someone/cnn-tutorial",
                                    commit="a" * 40, wheel=None, wheel_name=None, wheel_path=None)
    text = export.export_notebook(merged, install)
    exported = nbformat.reads(text, as_version=4)
    nbformat.validate(exported)
    assert exported.cells[0].source.startswith("%pip install")
    assert f"git+https://github.com/someone/cnn-tutorial@{'a' * 40}" in exported.cells[0].source
    assert exported.cells[1].source.startswith("# 합성곱 설명\n")  # {#top} stripped
    assert "{#" not in exported.cells[1].source
    assert exported.cells[2].outputs[0]["text"] == "42\n"
    plain = nbformat.reads(export.export_notebook(merged, None), as_version=4)
    assert not plain.cells[0].source.startswith("%pip")  # no install given: no install cell


def test_colab_url():
    assert export.colab_url("https://github.com/o/r", "en/pooling/pooling.ipynb") == (
        "https://colab.research.google.com/github/o/r/blob/gh-pages/en/pooling/pooling.ipynb")
    assert export.colab_url("https://github.com/o/r.git/", "a.ipynb").endswith("/o/r/blob/gh-pages/a.ipynb")
    assert export.colab_url(None, "a.ipynb") is None
    assert export.colab_url("https://gitlab.com/o/r", "a.ipynb") is None


def test_cache_entries_are_json_and_prunable(project, caplog):
    entries, _, _ = run(project, caplog)
    (path,) = (project["root"] / "cache").glob("*.json")
    assert json.loads(path.read_text())["cells"]
    assert project["cache"].prune(max_age_days=1) == 0
    import os
    os.utime(path, (0, 0))
    assert project["cache"].prune(max_age_days=1) == 1


def test_rendered_html_is_cached_per_shown_notebook(project, caplog, monkeypatch):
    """nbconvert runs once per distinct page; any change to what is shown is a miss."""
    entries, _, _ = run(project, caplog)
    chapter = chapters(project)[0]
    shown = execute.merge_outputs(chapter.notebook, entries[chapter.key])
    calls = []

    def fake_export(notebook, plugin_config):
        calls.append(notebook)
        return f"<div>{len(calls)}</div>", ".jp-Cell{}"

    monkeypatch.setattr(render, "notebook_html", fake_export)
    cache = project["cache"]
    settings = {"theme": "light"}
    first = render.cached_notebook_html(shown, settings, cache)
    assert render.cached_notebook_html(shown, settings, cache) == first  # a hit
    assert len(calls) == 1 and first == ("<div>1</div>", ".jp-Cell{}")

    edited = nbformat.from_dict(json.loads(json.dumps(shown)))
    edited.cells[0].source += " (edited)"  # prose: the rendered HTML differs
    assert render.cached_notebook_html(edited, settings, cache)[0] == "<div>2</div>"
    new_output = nbformat.from_dict(json.loads(json.dumps(shown)))
    code = next(c for c in new_output.cells if c.cell_type == "code")
    code.outputs[0]["text"] = "43\n"  # a different output
    assert render.cached_notebook_html(new_output, settings, cache)[0] == "<div>3</div>"
    assert render.cached_notebook_html(shown, {"theme": "dark"}, cache)[0] == "<div>4</div>"
    monkeypatch.setattr(render, "_renderer_digest", lambda: "nbconvert upgraded")
    assert render.cached_notebook_html(shown, settings, cache)[0] == "<div>5</div>"
    assert len(list((Path(cache.directory) / "html").glob("*.json"))) == 5


def test_cell_ids_are_the_same_on_every_read(project):
    """Jupytext draws random ids; random ids would change the HTML (and miss its cache)."""
    first, second = (chapter_files.read_notebook(project["ko"]) for _ in range(2))
    assert [c.id for c in first.cells] == [c.id for c in second.cells]
    assert len({c.id for c in first.cells}) == len(first.cells)




# --- The key covers the whole environment ------------------------------------

class _FakeDistribution:
    def __init__(self, name, version):
        self.metadata = {"Name": name}
        self.version = version


def test_an_unrelated_distributions_version_changes_the_key(monkeypatch):
    """Any installed distribution is in the key, imported by a cell or not."""
    installed = [_FakeDistribution("numpy", "2.0.0"), _FakeDistribution("ml_dtypes", "0.5.0"),
                 _FakeDistribution("protobuf", "5.0.0")]
    monkeypatch.setattr(fingerprint.importlib.metadata, "distributions", lambda: list(installed))
    before = fingerprint.environment_versions()
    assert before["ml-dtypes"] == "0.5.0" and "python" in before
    key = fingerprint.cache_key(["import numpy"], "pkg", before)
    installed[2] = _FakeDistribution("protobuf", "5.0.1")  # nothing imports it by name
    assert fingerprint.cache_key(["import numpy"], "pkg", fingerprint.environment_versions()) != key
    installed.append(_FakeDistribution("scipy", "1.0"))  # a new distribution
    installed[2] = _FakeDistribution("protobuf", "5.0.0")
    assert fingerprint.cache_key(["import numpy"], "pkg", fingerprint.environment_versions()) != key
    monkeypatch.setattr(fingerprint.platform, "python_version", lambda: "3.99.0")
    installed.pop()
    assert fingerprint.cache_key(["import numpy"], "pkg", fingerprint.environment_versions()) != key


def test_the_real_environment_is_listed_whole():
    versions = fingerprint.environment_versions()
    assert {"python", "tensorflow", "nbclient", "ml-dtypes", "protobuf", "scipy"} <= set(versions)


# --- A broken cache never fails the build ----------------------------------------

@pytest.mark.parametrize("content", [b"\xff\xfe not utf-8", b"{not json", b"[1, 2, 3]", b'"text"'])
def test_an_unreadable_entry_is_a_miss_with_a_warning(project, caplog, content):
    chapter = chapters(project)[0]
    project["cache"].path(chapter.key).parent.mkdir(parents=True, exist_ok=True)
    project["cache"].path(chapter.key).write_bytes(content)
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.notebooks"):
        entries = execute.ensure_executed([chapter], project["cache"], jobs=1, cwd=project["root"])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cache miss" in warnings[0]
    assert entries[chapter.key]["cells"][0]["outputs"][0]["text"] == "42\n"
    assert json.loads(project["cache"].path(chapter.key).read_text())["cells"]  # replaced


def test_a_read_only_cache_folder_is_a_warning_not_a_crash(project, caplog, monkeypatch):
    run(project, caplog)  # one entry cached
    chapter = chapters(project)[0]

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store.os, "utime", refuse)  # a read-only folder: no mtime update
    monkeypatch.setattr(store.os, "replace", refuse)  # ... and no new entry
    assert project["cache"].get(chapter.key)["cells"]  # a hit still serves the entry
    other = write_chapter(project["root"] / "docs" / "ko" / "other.md", "다른 장", ["print(7)"])
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.notebooks"):
        entries = execute.ensure_executed(
            [execute.load_chapter(other, "pkg")], project["cache"], jobs=1, cwd=project["root"])
    assert list(entries.values())[0]["cells"][0]["outputs"][0]["text"] == "7\n"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cannot write" in warnings[0]
    assert not list((project["root"] / "cache").glob("*.tmp"))  # nothing left behind


def _add_solution(project, answer: str) -> None:
    for lang, title in (("ko", "풀이"), ("en", "Solution")):
        text = project[lang].read_text(encoding="utf-8").split("\n**Exercise")[0]
        project[lang].write_text(text + f'\n**Exercise 1.** Double x.\n\n??? success "{title}"\n'
                                 f'    ```python\n    >>> x * 2\n    {answer}\n    ```\n',
                                 encoding="utf-8")


def test_solutions_run_in_the_chapters_kernel_and_a_wrong_one_fails(project, caplog):
    _add_solution(project, "84")
    entries, executed, _ = run(project, caplog)
    (entry,) = entries.values()
    assert len(executed) == 1  # both languages: one execution, solutions included
    assert entry["solutions"] == [{"examples": 1, "error": None}]
    assert len(entry["cells"]) == 2  # the probe's cell is not a page cell
    _add_solution(project, "85")  # the solution is in the key: a miss, then a failure
    with pytest.raises(execute.NotebookExecutionError,
                       match=r"(?s)ch\.md: solution 1 of 1 \('>>> x \* 2'\) failed:.*"
                             r"Expected:\s+85\s+Got:\s+84"):
        run(project, caplog)


def test_cached_outputs_are_checked_on_a_hit(project):
    chapter = chapters(project)[0]
    project["cache"].put(chapter.key, {"cells": [
        {"outputs": [{"output_type": "stream", "name": "stderr",
                      "text": "x.py:1: UserWarning: careful\n"}], "execution_count": 1},
        {"outputs": [], "execution_count": 2}], "tensorflow": "2.21.0"})
    with pytest.raises(execute.NotebookExecutionError, match="(?s)cached outputs.*warning on stderr"):
        execute.ensure_executed([chapter], project["cache"], jobs=1, cwd=project["root"])


# --- CNN_TUTORIAL_CELL_TIMEOUT ---------------------------------------------------

def test_a_bad_cell_timeout_is_a_clear_error_not_a_crash_at_import():
    import subprocess
    import sys

    env = {**__import__("os").environ, "CNN_TUTORIAL_CELL_TIMEOUT": "15m",
           "PYTHONPATH": f"{ROOT}{__import__('os').pathsep}{ROOT / 'src'}"}
    imported = subprocess.run([sys.executable, "-c", "import docs_hooks.plugin.plugin"],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert imported.returncode == 0, imported.stderr
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"CNN_TUTORIAL_CELL_TIMEOUT must be a positive "
                                          r"whole number of seconds \(e\.g\. 900\), got '15m'"):
        execute.cell_timeout({"CNN_TUTORIAL_CELL_TIMEOUT": "15m"})
    with pytest.raises(PluginError, match="got '0'"):
        execute.cell_timeout({"CNN_TUTORIAL_CELL_TIMEOUT": "0"})
    assert execute.cell_timeout({"CNN_TUTORIAL_CELL_TIMEOUT": " 60 "}) == 60
    assert execute.cell_timeout({}) == execute.DEFAULT_CELL_TIMEOUT_S


# --- The kernel's C++ start-up lines ---------------------------------------------------

def test_tensorflow_start_up_lines_of_the_kernel_are_dropped_real_errors_shown(project, capfd):
    noise = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n"
             "I0000 00:00:1796083112.021457    9902 port.cc:153] oneDNN custom operations are on.\\n"
             "I0000 00:00:1796083112.021738    9902 cudart_stub.cc:31] Could not find cuda drivers "
             "on your machine, GPU will not be used.\\n")
    write_chapter(project["ko"], "잡음", [
        f"import os\nos.write(2, b'{noise}')\nos.write(2, b'E0000 a real failure\\n')\nprint('ok')"])
    entries = execute.ensure_executed([chapters(project)[0]], project["cache"], jobs=1,
                                      cwd=project["root"])
    assert list(entries.values())[0]["cells"][0]["outputs"][0]["text"] == "ok\n"
    err = capfd.readouterr().err
    assert "E0000 a real failure" in err
    assert "absl::InitializeLog" not in err and "oneDNN" not in err and "cuda drivers" not in err


# --- The downloadable notebook and the banner's links ------------------------------

def test_install_cell_pins_the_built_commit_and_keeps_tensorflow():
    command = export.install_command("https://github.com/o/r/", "a" * 40)
    assert command == f'%pip install --quiet "cnn-tutorial @ git+https://github.com/o/r@{"a" * 40}"'
    assert "--force" not in command and "--upgrade" not in command  # a satisfying TF stays
    assert export.git_commit(ROOT) is None or len(export.git_commit(ROOT)) == 40
    assert export.git_commit(Path("/")) is None


def test_report_link_is_prefilled_and_only_for_github():
    from urllib.parse import parse_qs, urlparse

    url = export.report_issue_url("https://github.com/o/r.git", title="풀링", page_url="https://x/ko/pooling/",
                                  lang="ko", tensorflow="2.21.0")
    query = parse_qs(urlparse(url).query)
    assert url.startswith("https://github.com/o/r/issues/new?")
    assert query["title"] == ["[ko] 풀링: "]
    assert "https://x/ko/pooling/" in query["body"][0] and "TensorFlow: 2.21.0" in query["body"][0]
    assert export.report_issue_url(None, title="t", page_url="u", lang="en", tensorflow=None) is None
    assert export.report_issue_url("https://gitlab.com/o/r", title="t", page_url="u", lang="en",
                                   tensorflow=None) is None


# --- Figures --------------------------------------------------------------------

def _png(pixels) -> str:
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_figures_become_files_with_alt_text_and_size(tmp_path, caplog):
    import numpy as np

    rng = np.random.default_rng(0)
    photo = (rng.random((64, 96, 3)) * 255).astype("uint8")
    diagram = np.zeros((40, 50, 3), "uint8")
    diagram[10:20, 5:45] = 255
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("draw()", outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": _png(photo), "text/plain": "<F>"}),
            nbformat.v4.new_output("display_data", data={"image/png": _png(diagram), "text/plain": "<F>"})]),
        nbformat.v4.new_markdown_cell("<!-- alt photo: 잡음 사진 -->\n<!-- alt: 흰 막대 -->\n\n본문"),
        nbformat.v4.new_code_cell("draw()", outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": _png(diagram)})]),
    ])
    with caplog.at_level(logging.WARNING, logger="mkdocs.hooks.notebooks"):
        shown, files = figures.externalize_figures(notebook, "ch", "ko/ch.md", tmp_path / "figs")
    assert [f.name for f in files] == ["ch-1-1.webp", "ch-1-2.png", "ch-2-1.png"]
    assert files[0].data[8:12] == b"WEBP" and files[1].data[:4] == b"\x89PNG"
    meta = [o.metadata[figures.FIGURE_KEY] for c in shown.cells if c.cell_type == "code" for o in c.outputs]
    assert meta[0] == {"src": "ch-1-1.webp", "alt": "잡음 사진", "width": 96, "height": 64}
    assert meta[1]["alt"] == "흰 막대" and meta[2]["alt"] == ""
    assert [r.getMessage() for r in caplog.records] == [
        "ko/ch.md: figure 1 of code cell 2 has no alt text; write <!-- alt: ... --> in the "
        "Markdown after the cell"]
    assert "image/png" in notebook.cells[0].outputs[0].data and len(notebook.cells[0].outputs[0].data["image/png"]) > 100  # not changed
    body, _ = render.notebook_html(shown, {})
    assert "data:image" not in body
    from html.parser import HTMLParser

    class Images(HTMLParser):
        found: list = []

        def handle_starttag(self, tag, attrs):
            if tag == "img":
                self.found.append(dict(attrs))

    parser = Images()
    parser.feed(body)
    assert parser.found[0] == {"src": "ch-1-1.webp", "alt": "잡음 사진", "width": "96", "height": "64",
                               "loading": "lazy", "decoding": "async"}
    assert len(parser.found) == 3 and parser.found[2]["alt"] == ""


# --- The i18n plugin's nested build ----------------------------------------------------

def test_a_nested_language_build_reuses_the_outer_scan(project, monkeypatch, caplog):
    """The second language's build hashes, scans the environment and prunes nothing again."""
    from docs_hooks.notebooks import site as site_module

    class File:
        def __init__(self, path):
            self.abs_src_path = str(path)

        def is_documentation_page(self):
            return True

    calls = {"digest": 0, "versions": 0, "prune": 0}
    real_digest, real_versions = site_module.sources_digest, site_module.environment_versions
    monkeypatch.setattr(site_module, "SOURCE_FOLDERS", (project["package"],))
    monkeypatch.setattr(site_module, "sources_digest",
                        lambda f: calls.__setitem__("digest", calls["digest"] + 1) or real_digest(f))
    monkeypatch.setattr(site_module, "environment_versions",
                        lambda: calls.__setitem__("versions", calls["versions"] + 1) or real_versions())
    monkeypatch.setattr(store.ExecutionCache, "prune",
                        lambda self, *a: calls.__setitem__("prune", calls["prune"] + 1) or 0)
    notebook_site = site_module.NotebookSite(cache=project["cache"])
    files = [File(project["ko"]), File(project["en"])]
    monkeypatch.chdir(project["root"])
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.notebooks"):
        notebook_site.find_and_execute(files, nested=False)   # the outer (first language) build
        notebook_site.find_and_execute(files[1:], nested=True)  # i18n's build of English
    assert calls == {"digest": 1, "versions": 1, "prune": 2}  # results and html, once each
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("notebook ")]
    assert len(logged) == 1  # one execution, no second round of cache hits
    notebook_site.find_and_execute(files, nested=False)  # the next build (mkdocs serve)
    assert calls == {"digest": 2, "versions": 2, "prune": 4}


def test_a_kernel_importing_tensorflow_prints_no_start_up_lines(project, capfd):
    """The real thing: TensorFlow's import and first op in a chapter's kernel."""
    write_chapter(project["ko"], "텐서플로", ["import tensorflow as tf\nprint(int(tf.constant(1) + 1))"])
    capfd.readouterr()
    entries = execute.ensure_executed([chapters(project)[0]], project["cache"], jobs=1,
                                      cwd=project["root"])
    assert list(entries.values())[0]["cells"][0]["outputs"][0]["text"] == "2\n"
    err = capfd.readouterr().err
    assert not re.search(r"absl::InitializeLog|oneDNN custom operations|cuda drivers|cuInit", err), err
