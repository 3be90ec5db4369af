"""docs_hooks/adapters.py: what the build uses of other packages' internals is still there.

Fast (no build): an upgrade of mkdocs-jupyter or mkdocs-static-i18n that moves
one of them fails here, with one message naming it.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from docs_hooks import adapters


def test_every_internal_the_build_uses_is_there():
    assert adapters.check() == []
    adapters.require()  # no exception
    assert adapters.clipboard_script().read_text(encoding="utf-8").strip()


def test_a_changed_library_fails_with_one_clear_message(monkeypatch, tmp_path):
    from mkdocs_jupyter import nbconvert2
    from mkdocs_jupyter.config import settings

    monkeypatch.delattr(nbconvert2, "get_nbconvert_app")
    monkeypatch.setattr(settings, "templates_dir", str(tmp_path))
    with pytest.raises(adapters.LibraryChanged) as raised:
        adapters.require()
    message = str(raised.value)
    assert message.count("\n") == 0 and "docs_hooks/adapters.py" in message
    assert "get_nbconvert_app" in message and "mkdocs_html" in message
    assert "clipboard.umd.js" in message


def test_i18n_state_of_an_inner_build():
    language = SimpleNamespace
    i18n = SimpleNamespace(building=True, current_language="en", default_language="ko",
                           config=SimpleNamespace(languages=[language(locale="ko", build=True),
                                                             language(locale="en", build=True),
                                                             language(locale="ja", build=False)]))
    config = SimpleNamespace(plugins={"i18n": i18n})
    assert adapters.i18n_state(config) == (True, "en", "ko", ("ko", "en"))
    assert adapters.i18n_state(SimpleNamespace(plugins={})) == (False, None, None, ())


def test_a_changed_material_fails_with_one_clear_message(monkeypatch, tmp_path):
    """Material's worker, its messages and the page configuration search.py rewrites."""
    real = adapters.material_templates()
    (worker,) = adapters.material_workers(real)
    templates = tmp_path / "templates"
    workers = templates / adapters.MATERIAL_WORKERS
    workers.mkdir(parents=True)
    monkeypatch.setattr(adapters, "material_templates", lambda: templates)
    (templates / "base.html").write_text("<html></html>", encoding="utf-8")
    message = str(pytest.raises(adapters.LibraryChanged, adapters.require).value)
    assert message.count("\n") == 0 and "docs_hooks/adapters.py" in message
    assert "Material ships 0 search workers" in message
    assert f"base.html has no {adapters.MATERIAL_CONFIG_TAG}" in message
    assert "lacks \"base\": base_url" in message
    # The real files pass; a worker that numbers its messages otherwise does not.
    (templates / "base.html").write_text((real / "base.html").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    source = worker.read_text(encoding="utf-8")
    (workers / worker.name).write_text(source, encoding="utf-8")
    assert adapters.check() == []
    (workers / worker.name).write_text(source.replace("{type:3,", "{type:4,"),
                                       encoding="utf-8")
    assert adapters.check() == [
        (f"Material's worker {worker.name} no longer answers SETUP (0) with READY (1) and "
         "QUERY (2) with RESULT (3) (docs_hooks/search_worker.js)")]
