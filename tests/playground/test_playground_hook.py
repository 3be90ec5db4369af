"""docs_hooks/playground.py: the sample photo written into the built site (no browser)."""

from __future__ import annotations

import json

import numpy as np


def test_on_post_build_writes_the_photo_beside_every_script(hook, tmp_path, sample_json):
    project = tmp_path / "project"
    project.mkdir()
    (project / "mkdocs.yml").write_text("site_name: t\n")
    site = tmp_path / "site"
    for prefix in ("", "en/"):  # mkdocs-static-i18n may copy shared assets per language
        folder = site / f"{prefix}assets" / "playground"
        folder.mkdir(parents=True)
        (folder / "playground.js").write_text("// widget")
    config = {"site_dir": str(site), "config_file_path": str(project / "mkdocs.yml")}
    hook._memory.clear()
    hook.on_post_build(config)
    for prefix in ("", "en/"):
        written = (site / f"{prefix}assets" / "playground" / hook.SAMPLE_FILE).read_text()
        assert written == sample_json
    # Cached on disk under the project's .cache/, keyed by what decides the pixels.
    cached = list((project / ".cache" / "playground").glob("sample-*.json"))
    assert len(cached) == 1 and cached[0].read_text() == sample_json
    # A second build (fresh process: empty memory) reads the cache, same bytes.
    hook._memory.clear()
    (site / "assets" / "playground" / hook.SAMPLE_FILE).unlink()
    hook.on_post_build(config)
    assert (site / "assets" / "playground" / hook.SAMPLE_FILE).read_text() == sample_json


def test_on_post_build_without_the_scripts_writes_nothing(hook, tmp_path):
    config = {"site_dir": str(tmp_path / "site"), "config_file_path": str(tmp_path / "m.yml")}
    hook.on_post_build(config)
    assert not (tmp_path / "site").exists()


def test_payload_round_trip(hook, sample_json):
    payload = json.loads(sample_json)
    pixels = hook.decode_pixels(payload)
    assert pixels.dtype == np.float32 and pixels.shape == (hook.SAMPLE_SIZE, hook.SAMPLE_SIZE)
    assert 0.0 <= float(pixels.min()) < float(pixels.max()) <= 1.0
