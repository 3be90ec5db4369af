"""docs_hooks/playground.py: the photo and the network written into the built site (no browser)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest


def test_the_photo_and_network_are_written_beside_every_script(hook, tmp_path, sample_png,
                                                              monkeypatch):
    cache = tmp_path / "project" / ".cache" / "playground"
    site = tmp_path / "site"
    for prefix in ("", "en/"):  # mkdocs-static-i18n may copy shared assets per language
        folder = site / f"{prefix}assets" / "playground"
        folder.mkdir(parents=True)
        (folder / "playground.js").write_text("// widget")
    hook.write_assets(site, cache)
    for prefix in ("", "en/"):
        folder = site / f"{prefix}assets" / "playground"
        assert (folder / hook.SAMPLE_FILE).read_bytes() == sample_png
        network = json.loads((folder / hook.NETWORK_FILE).read_text(encoding="utf-8"))
        assert network == hook.network_layers()
    # Cached on disk in the plugin's cache folder, keyed by what decides the pixels.
    cached = list(cache.glob("sample-*.png"))
    assert len(cached) == 1 and cached[0].read_bytes() == sample_png
    # A second build reads the cache (computing the photo again would fail), same bytes.
    (site / "assets" / "playground" / hook.SAMPLE_FILE).unlink()
    monkeypatch.setattr(hook, "sample_levels", lambda *a: pytest.fail("computed again"))
    hook.write_assets(site, cache)
    assert (site / "assets" / "playground" / hook.SAMPLE_FILE).read_bytes() == sample_png


def test_the_network_file_follows_lecture_network(hook, tmp_path, monkeypatch):
    """The file is computed from the package's network, not kept beside the scripts."""
    from cnn_tutorial import arithmetic

    narrower = (arithmetic.Conv(8, 3, stride=2, padding="VALID", dilation=2),
                arithmetic.Pool(3, stride=None), arithmetic.Flatten(),
                arithmetic.Dense(5), arithmetic.Dropout(0.5))
    monkeypatch.setattr(arithmetic, "LECTURE_NETWORK", narrower)
    assert hook.network_layers() == [
        {"type": "conv", "filters": 8, "kernel": 3, "stride": 2, "padding": "VALID",
         "dilation": 2},
        {"type": "pool", "size": 3, "stride": 3, "padding": "VALID"},
        {"type": "flatten"}, {"type": "dense", "units": 5}, {"type": "dropout", "rate": 0.5}]
    monkeypatch.setattr(hook, "sample_png", lambda cache_dir: b"png")
    folder = tmp_path / "site" / "assets" / "playground"
    folder.mkdir(parents=True)
    (folder / "playground.js").write_text("// widget")
    hook.write_assets(tmp_path / "site", tmp_path / "cache")
    written = json.loads((folder / hook.NETWORK_FILE).read_text(encoding="utf-8"))
    assert written == hook.network_layers() and written[0]["dilation"] == 2
    with pytest.raises(TypeError, match=r"layers\[1\] must be a Conv, Pool, Flatten, Dense or "
                                        r"Dropout, got 'pool'"):
        hook.network_layers([arithmetic.Flatten(), "pool"])


def test_without_the_scripts_nothing_is_written(hook, tmp_path):
    hook.write_assets(tmp_path / "site", tmp_path / "cache")
    assert not (tmp_path / "site").exists() and not (tmp_path / "cache").exists()


def test_the_photo_is_an_8_bit_gray_png_far_smaller_than_float32(hook, sample_png):
    """The shipped file: a PNG of SAMPLE_SIZE x SAMPLE_SIZE gray levels, under 15 % of
    the float32 pixels' 4 bytes each (the JSON it replaces: 350 KB with base64)."""
    from PIL import Image

    with Image.open(io.BytesIO(sample_png)) as image:
        assert image.format == "PNG" and image.mode == "L"
        assert image.size == (hook.SAMPLE_SIZE, hook.SAMPLE_SIZE)
        assert "icc_profile" not in image.info and "gamma" not in image.info
    assert len(sample_png) < 0.15 * 4 * hook.SAMPLE_SIZE ** 2
    levels = hook.decode_png(sample_png)
    assert 0 <= int(levels.min()) < int(levels.max()) <= 255


def test_levels_round_trip_and_bad_input(hook):
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert np.array_equal(hook.decode_png(hook.encode_png(levels)), levels)
    pixels = hook.levels_to_pixels(levels)
    assert pixels.dtype == np.float32 and pixels[0, 0] == 0 and pixels[-1, -1] == 1
    assert np.array_equal(hook.quantise(pixels), levels)
    with pytest.raises(ValueError, match="levels must be a 2-D uint8 array"):
        hook.encode_png(levels.astype(np.float32))
