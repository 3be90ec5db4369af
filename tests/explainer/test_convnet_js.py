"""convnet.js on its own (no site build): hostile exports and the int4 decoding, in Chromium.

The script is served from ``docs/assets/explainer/`` beside exports written
here; a page imports it and calls ``loadConvNet(url)``. It builds its forward
pass from ``model.json``'s ``layers``, so an export of a narrower network
(``LECTURE_NETWORK`` changed) must still give Python's logits. A manifest that points
``examples.file`` at another origin, an absolute path or a parent folder must
be refused before anything is fetched, and an int4 export must give the
logits that ``cnn_tutorial.web.load_exported`` gives in Python.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from browser import serve

from cnn_tutorial.model import ConvNet
from cnn_tutorial.web import export_convnet, load_exported

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "assets" / "explainer" / "convnet.js"

LOAD = """async ([url, encoded]) => {
  const { loadConvNet } = await import("./assets/explainer/convnet.js");
  try {
    const net = await loadConvNet(url);
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    const logits = [];
    for (let i = 0; i < bytes.length / 784; i++) {
      const pixels = Array.from(bytes.subarray(i * 784, (i + 1) * 784), (v) => Math.fround(v * Math.fround(1 / 255)));
      logits.push(net.predict(pixels).logits);
    }
    return { ok: true, logits, examples: (net.examples || []).length };
  } catch (error) {
    return { ok: false, message: String(error.message) };
  }
}"""

HOSTILE = ["https://other.example/x.bin", "//other.example/x.bin", "/secret.bin",
           "../secret.bin", "sub/../../secret.bin", "%2e%2e/secret.bin", "..", "",
           "data:application/octet-stream;base64,AAAA", "javascript:alert(1)", None, 7]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("convnet-js")
    (root / "assets" / "explainer").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "assets" / "explainer" / "convnet.js")
    (root / "index.html").write_text("<!doctype html><title>convnet.js</title>")
    (root / "secret.bin").write_bytes(bytes(784))
    digits = np.random.default_rng(0).integers(0, 256, (2, 28, 28), dtype=np.uint8)
    export_convnet(ConvNet(seed=5), root / "good", examples=(digits, np.array([3, 4])))
    for index, name in enumerate(HOSTILE):
        folder = root / f"hostile{index}"
        shutil.copytree(root / "good", folder)
        manifest = json.loads((folder / "model.json").read_text())
        manifest["examples"]["file"] = name
        (folder / "model.json").write_text(json.dumps(manifest))
    with serve(root) as base_url:
        yield root, base_url


@pytest.mark.parametrize("index", range(len(HOSTILE)), ids=[repr(h) for h in HOSTILE])
def test_examples_file_must_be_a_name_beside_model_json(tab, served, index):
    root, base_url = served
    page = tab(base_url)
    page.page.goto(base_url + "index.html")
    result = page.page.evaluate(LOAD, [f"hostile{index}/model.json", ""])
    assert not result["ok"]
    assert "examples.file must be a plain file name beside model.json" in result["message"]
    fetched = [url.removeprefix(base_url) for url in page.requests]
    assert fetched == ["index.html", "assets/explainer/convnet.js", f"hostile{index}/model.json"]
    assert page.foreign == []


@pytest.mark.parametrize("change, message", [
    (lambda m: m["tensors"]["fc/kernel"].update(dtype="float64"), "dtype must be one of"),
    (lambda m: m["tensors"]["fc/kernel"].update(shape=[3136, 400000]), "must be [3136,1024]"),
    (lambda m: m["layers"][5].update(units=10**12), "layers[5].units must be an integer"),
    (lambda m: m["tensors"]["fc/kernel"].update(offset=10**9), "inside weights.bin"),
    (lambda m: m["tensors"]["fc/kernel"].pop("scales"), "has no scales"),
    (lambda m: m["files"]["weights.bin"].update(bytes=3 * 10**9), 'files["weights.bin"].bytes'),
    (lambda m: m.pop("tensors"), "tensors must be an object"),
    (lambda m: m["layers"][1].update(pool=3), "layers[1] must be 2x2 max pooling of stride 2"),
    (lambda m: m["layers"][0].update(strides=2), "layers[0] must be a SAME convolution of stride 1"),
    (lambda m: m["layers"][0].update(output=[28, 28, 31]), "layers[0].output must be [28,28,32]"),
    (lambda m: m["layers"].insert(5, dict(m["layers"][4])), "layers[5] must be an object with a new name"),
    (lambda m: m["layers"].pop(), "layers[4].units must be an integer from 1 to 10, got 1024"),
    (lambda m: m.update(layers=m["layers"][:4]), "layers[3] (the last layer) must be the dense logits"),
])
def test_a_tampered_manifest_is_refused_before_weights_are_fetched(tab, served, change, message):
    root, base_url = served
    folder = root / f"tampered-{abs(hash(message))}"
    shutil.copytree(root / "good", folder, dirs_exist_ok=True)
    manifest = json.loads((folder / "model.json").read_text())
    change(manifest)
    (folder / "model.json").write_text(json.dumps(manifest))
    page = tab(base_url)
    page.page.goto(base_url + "index.html")
    result = page.page.evaluate(LOAD, [f"{folder.name}/model.json", ""])
    assert not result["ok"] and message in result["message"], result
    assert not [u for u in page.requests if u.endswith(".bin")]


def test_int4_export_gives_python_s_logits(tab, served):
    root, base_url = served
    images = np.random.default_rng(1).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    import base64

    page = tab(base_url)
    page.page.goto(base_url + "index.html")
    result = page.page.evaluate(LOAD, ["good/model.json", base64.b64encode(images.tobytes()).decode()])
    assert result["ok"] and result["examples"] == 2, result
    python = load_exported(root / "good")(images).numpy()
    assert json.loads((root / "good" / "model.json").read_text())["quantize"] == "int4"
    np.testing.assert_allclose(np.array(result["logits"]), python, atol=1e-4)


def test_the_pass_follows_model_json_s_layers(tab, served, monkeypatch):
    """convnet.js hard-codes no layer: a narrower LECTURE_NETWORK, exported, gives
    the same logits in the page as the ConvNet built from it in Python."""
    import dataclasses

    from cnn_tutorial import arithmetic
    from cnn_tutorial import model as model_module

    sizes = {"conv1": 4, "conv2": 6, "fc": 24}
    narrower = tuple(
        dataclasses.replace(spec, **{"filters" if spec.name.startswith("conv") else "units":
                                     sizes[spec.name]}) if spec.name in sizes else spec
        for spec in arithmetic.LECTURE_NETWORK)
    monkeypatch.setattr(arithmetic, "LECTURE_NETWORK", narrower)
    monkeypatch.setattr(model_module, "LECTURE_NETWORK", narrower)
    root, base_url = served
    net = ConvNet(n_classes=3, seed=2)
    export_convnet(net, root / "narrow", quantize="float32")
    manifest = json.loads((root / "narrow" / "model.json").read_text())
    assert [layer.get("filters", layer.get("units")) for layer in manifest["layers"]] == [
        4, None, 6, None, 24, 3]
    images = np.random.default_rng(2).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    import base64

    page = tab(base_url)
    page.page.goto(base_url + "index.html")
    result = page.page.evaluate(LOAD, ["narrow/model.json", base64.b64encode(images.tobytes()).decode()])
    assert result["ok"], result
    python = net(images).numpy()
    assert python.shape == (3, 3)
    np.testing.assert_allclose(np.array(result["logits"]), python, atol=1e-4)
