"""The search worker's query side (docs_hooks/search_worker.js), run in Node.

The worker's functions run in a ``vm`` context with the browser globals it uses
stubbed; the lexicon is a small one written here, or the built site's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "docs_hooks" / "search_worker.js"
NODE = shutil.which("node") or shutil.which("nodejs")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js")

LEXICON = {
    "stems": ["역전", "합성곱", "신경망", "파이썬", "패딩", "특성", "맵", "계산"],
    "suffixes": ["을", "를", "는", "은", "이란", "에서", "의", "이다", "다", "하", "고", "로"],
    "synonyms": [["합성곱", "컨볼루션", "콘볼루션"]],
    "names": {"케라스": "Keras", "텐서플로": "TensorFlow"},
}

HARNESS = r"""
const fs = require("fs"), vm = require("vm")
const [worker, input] = process.argv.slice(1)
const source = fs.readFileSync(worker, "utf8").replace(/importScripts\([^)]*\);?/, "")
const context = { self: { postMessage() {}, location: { href: "http://localhost/" } },
                  addEventListener() {}, MessageEvent: class {}, console, URL }
vm.createContext(context)
vm.runInContext(source, context)
const { lexicon, calls } = JSON.parse(fs.readFileSync(input, "utf8"))
const lex = context.prepare(lexicon)
// Count every lookup in the lexicon: the worker's unit of work.
let lookups = 0
for (const key of ["stems", "suffixes"]) {
  const set = lex[key]
  lex[key] = { has: value => { lookups++; return set.has(value) }, [Symbol.iterator]: () => set[Symbol.iterator]() }
}
const results = calls.map(([name, ...args]) => {
  lookups = 0
  let value
  if (name === "stemsOf") value = context.stemsOf(args[0], lex)
  if (name === "rewrite") {
    const out = context.rewrite(args[0], lex)
    value = typeof out === "string" ? { query: out, extra: {} }
                                    : { query: out.query, extra: Object.fromEntries(out.extra) }
  }
  if (name === "withoutAdded")
    value = context.withoutAdded(args[0], new Map(Object.entries(args[1])))
  return { value, lookups }
})
process.stdout.write(JSON.stringify(results))
"""


def run_worker(calls, tmp_path, lexicon=LEXICON):
    data = tmp_path / "input.json"
    data.write_text(json.dumps({"lexicon": lexicon, "calls": calls}, ensure_ascii=False),
                    encoding="utf-8")
    done = subprocess.run([NODE, "-e", HARNESS, str(WORKER), str(data)], capture_output=True,
                          text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_unknown_words_match_as_wholes_not_by_syllables(tmp_path):
    words = ["역전파", "역전파를", "합성곱신경망", "합성곱이란", "특성맵을", "파이썬", "계산하고"]
    results = run_worker([["stemsOf", word] for word in words], tmp_path)
    assert [r["value"] for r in results] == [
        ["역전파"], ["역전파"], ["합성곱", "신경망"], ["합성곱"], ["특성", "맵"], ["파이썬"], ["계산"]]


def test_added_words_are_never_reported_missing(tmp_path):
    (rewritten, named, untouched) = run_worker(
        [["rewrite", "합성곱이란"], ["rewrite", "케라스로"], ["rewrite", "padding"]], tmp_path)
    assert rewritten["value"] == {"query": "합성곱 컨볼루션 콘볼루션",
                                  "extra": {"컨볼루션": "합성곱", "콘볼루션": "합성곱"}}
    assert named["value"] == {"query": "케라스 Keras", "extra": {"keras": "케라스"}}
    assert untouched["value"] == {"query": "padding", "extra": {}}
    result = {"items": [[{"location": "a/", "terms": {"합성곱": True, "컨볼루션": False, "콘볼루션": False}},
                         {"location": "a/#b", "terms": {"합성곱": False, "컨볼루션": True, "콘볼루션": False}}]]}
    (cleaned,) = run_worker([["withoutAdded", result, rewritten["value"]["extra"]]], tmp_path)
    assert [item["terms"] for item in cleaned["value"]["items"][0]] == [{"합성곱": True}, {"합성곱": True}]


def test_one_query_word_costs_a_bounded_number_of_lookups(tmp_path):
    """issue 19: the cost of a word grew with the cube of its length (1,600 characters:
    2 s). Lookups in the lexicon, counted, for words 4x and 16x as long."""
    unit = "합성곱을"  # a stem and a particle, repeated: the most splits per character
    lexicon = dict(LEXICON, suffixes=LEXICON["suffixes"] + ["곱", "합", "성", "을을"])
    calls = [["stemsOf", unit * (n // len(unit))] for n in (100, 400, 1600)]
    calls.append(["rewrite", (unit * 25 + " ") * 40])  # a 4,000-character query
    calls.append(["rewrite", (unit * 25 + " ") * 2])
    short, longer, longest, query, two_words = (r["lookups"] for r in run_worker(calls, tmp_path, lexicon))
    assert longer <= 2 * short and longest <= 2 * short, (short, longer, longest)
    assert query <= two_words * 2, (query, two_words)
    (word,) = run_worker([["stemsOf", unit * 8]], tmp_path, lexicon)  # 32 characters: analysed
    assert word["lookups"] < 20_000, word["lookups"]
