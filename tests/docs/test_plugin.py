"""docs_hooks/plugin/: the options, the entry point and the build context (no build)."""

from __future__ import annotations

import importlib
import os
import time
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from docs_hooks.plugin.config import CnnTutorialConfig
from docs_hooks.plugin.context import BuildContext

ROOT = Path(__file__).resolve().parents[2]


def test_the_entry_point_names_the_plugin_class():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = project["project"]["entry-points"]["mkdocs.plugins"]["cnn-tutorial"]
    module, _, name = target.partition(":")
    from docs_hooks.plugin.plugin import CnnTutorialPlugin

    assert getattr(importlib.import_module(module), name) is CnnTutorialPlugin
    assert "docs_hooks*" in project["tool"]["setuptools"]["packages"]["find"]["include"]


def validated(**options):
    config = CnnTutorialConfig()
    config.load_dict(options)
    return config.validate()


def test_options_have_defaults_and_bad_values_name_the_option():
    config = CnnTutorialConfig()
    config.load_dict({})
    failed, _ = config.validate()
    assert failed == [] and config.cache_dir == ".cache" and config.cache_days == 30
    assert config.cell_timeout is None and config.kernel == "python3"
    assert dict(config.cells)["show_input"] is True
    failed, _ = validated(cell_timeout=0)
    assert [name for name, _ in failed] == ["cell_timeout"]
    assert "expected a whole number above 0, got 0" in str(failed[0][1])
    failed, _ = validated(jobs="two")
    assert [name for name, _ in failed] == ["jobs"]


def i18n_config(building: bool, current: str | None):
    languages = [SimpleNamespace(locale="ko", build=True), SimpleNamespace(locale="en", build=True)]
    i18n = SimpleNamespace(building=building, current_language=current, default_language="ko",
                           config=SimpleNamespace(languages=languages))
    return SimpleNamespace(plugins={"i18n": i18n})


def test_the_context_knows_the_inner_build_and_its_language(tmp_path):
    context = BuildContext(tmp_path, tmp_path / ".cache", 30, tmp_path / ".cache" / "notebooks")
    context.begin(i18n_config(False, None))  # the outer build: i18n sets its language later
    assert (context.inner, context.language, context.folder_languages) == (False, "ko", ("en",))
    context.begin(i18n_config(True, "en"))
    assert (context.inner, context.language) == (True, "en")
    context.end_inner()
    assert (context.inner, context.language) == (False, "ko")


def test_one_retention_rule_for_every_cache_folder(tmp_path):
    cache = tmp_path / ".cache"
    context = BuildContext(tmp_path, cache, 30, tmp_path / "shared-notebooks")
    old = time.time() - 31 * 86400
    paths = {
        "jinja": cache / "jinja" / "__jinja2_x.cache",
        "search": cache / "search" / "a.json",
        "playground": cache / "playground" / "sample-x.png",
        "figures": tmp_path / "shared-notebooks" / "figures" / "f.png",
        "wheels": tmp_path / "shared-notebooks" / "wheels" / "abc",
        "explainer": tmp_path / ".cache" / "explainer" / "0123456789abcdef",
        "kept": tmp_path / ".cache" / "explainer" / "fedcba9876543210",
    }
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir() if path.suffix == "" else path.write_bytes(b"x")
        os.utime(path, (old, old))
    recent = cache / "search" / "b.json"
    recent.write_bytes(b"y")
    assert context.prune(keep={paths["kept"]}) == 6
    assert [name for name, path in paths.items() if path.exists()] == ["kept"]
    assert recent.exists()


@pytest.mark.parametrize("cells", [{}, {"theme": "dark"}])
def test_the_cells_options_reach_the_renderer(cells):
    from docs_hooks.notebooks import render

    config = CnnTutorialConfig()
    config.load_dict({"cells": cells})
    config.validate()
    expected = render.exporter_settings({"theme": cells.get("theme", "")})
    assert render.exporter_settings(dict(config.cells)) == expected
