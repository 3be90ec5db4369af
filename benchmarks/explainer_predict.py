"""Time of one prediction: the "Draw a digit" widget in headless Chromium next to Python.

Both sides classify the same MNIST test images one at a time with the same
weights (the site's export, ``assets/model/``): the browser with
``window.cnnTutorial.loadConvNet()``'s ``predict`` (plain JavaScript, typed
arrays), Python with ``cnn_tutorial.web.load_exported`` (TensorFlow eager
call of ``ConvNet`` on a batch of one, and the same call inside
``tf.function``). Reported: the median of ``--repeats`` single-image calls,
measured side by side in one run, and their ratio. Not a test: nothing is
bounded.

Usage (a built site is needed: ``mkdocs build -d /tmp/site``)::

    python benchmarks/explainer_predict.py --site /tmp/site [--images 50] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

# The tests' browser helpers: one way to start Chromium and serve a folder.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

BROWSER_TIMING = """async ([images, repeats]) => {
  const net = await window.cnnTutorial.loadConvNet();
  const inv = Math.fround(1 / 255);
  const inputs = images.map((img) => Float32Array.from(img, (v) => Math.fround(v * inv)));
  for (const x of inputs.slice(0, 5)) net.predict(x);  // warm-up (JIT)
  const times = [];
  for (let r = 0; r < repeats; r++) {
    const x = inputs[r % inputs.length];
    const start = performance.now();
    net.predict(x);
    times.push(performance.now() - start);
  }
  return times;
}"""


def browser_times(site: Path, images, repeats: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    with serve(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url + "en/draw-a-digit/")
            return page.evaluate(BROWSER_TIMING, [[img.ravel().tolist() for img in images],
                                                  repeats])
        finally:
            browser.close()


def python_times(site: Path, images, repeats: int) -> dict[str, list[float]]:
    import tensorflow as tf

    from cnn_tutorial.web import load_exported

    model = load_exported(site / "assets" / "model")
    batches = [tf.constant(img[None, :, :, None], tf.float32) / 255.0 for img in images]
    compiled = tf.function(lambda x: model(x))
    out = {}
    for name, call in (("eager", model), ("tf.function", compiled)):
        for x in batches[:5]:
            call(x).numpy()  # warm-up (tracing)
        times = []
        for r in range(repeats):
            x = batches[r % len(batches)]
            start = time.perf_counter()
            call(x).numpy()
            times.append((time.perf_counter() - start) * 1000)
        out[name] = times
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, required=True, help="a built site folder")
    parser.add_argument("--images", type=int, default=50, help="distinct test images")
    parser.add_argument("--repeats", type=int, default=200, help="timed calls per side")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    if not (args.site / "assets" / "model" / "model.json").is_file():
        print(f"--site {args.site} has no assets/model/model.json (build the site first)",
              file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from cnn_tutorial.data import load_mnist

    images = load_mnist()[1][0][:args.images]
    browser = browser_times(args.site, images, args.repeats)
    python = python_times(args.site, images, args.repeats)
    result = {
        "images": args.images, "repeats": args.repeats,
        "browser_ms": statistics.median(browser),
        "python_eager_ms": statistics.median(python["eager"]),
        "python_tf_function_ms": statistics.median(python["tf.function"]),
    }
    result["browser_over_python_eager"] = result["browser_ms"] / result["python_eager_ms"]
    result["browser_over_python_tf_function"] = (result["browser_ms"]
                                                 / result["python_tf_function_ms"])
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"median time of one prediction ({args.repeats} calls, {args.images} images):")
        print(f"  browser (predict, headless Chromium) {result['browser_ms']:8.2f} ms")
        print(f"  Python, ConvNet eager                {result['python_eager_ms']:8.2f} ms")
        print(f"  Python, ConvNet in tf.function       {result['python_tf_function_ms']:8.2f} ms")
        print(f"  browser / Python eager: {result['browser_over_python_eager']:.2f}, "
              f"browser / tf.function: {result['browser_over_python_tf_function']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
