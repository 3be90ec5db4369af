"""The search hook's index side (docs_hooks/search.py), without a build or a browser."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("kiwipiepy")

from docs_hooks import search  # noqa: E402

# One glossary for every test here: Kiwi is built once per set of user words (seconds).
SYNONYMS = [["합성곱", "컨볼루션"], ["신경망"], ["패딩"], ["특성 맵"]]


def test_glossary_terms_and_their_other_names_are_read_from_the_tables(tmp_path):
    glossary = tmp_path / "glossary.md"
    glossary.write_text(
        "| 한국어 | English | 다른 이름 | 다루는 곳 |\n| --- | --- | --- | --- |\n"
        "| 합성곱 | convolution | 컨볼루션(강의 노트), 콘볼루션 | [x](x.md) |\n"
        "| 팽창, 확장 | dilation | | |\n\n"
        "| 이름 | 뜻 |\n| --- | --- |\n| `NHWC` | 배치 |\n", encoding="utf-8")
    assert search.glossary_terms(glossary) == [["합성곱", "컨볼루션", "콘볼루션"], ["팽창", "확장"]]
    assert any(row[0] == "합성곱" and "컨볼루션" in row  # the site's own glossary
               for row in search.glossary_terms())


def test_lexicon_has_stems_particles_and_inner_nouns():
    docs = [{"location": "a/", "title": "합성곱이란", "text": "<p>합성곱신경망에서 패딩을 씁니다.</p>"}]
    lexicon = search.korean_lexicon(docs, SYNONYMS)
    assert {"합성곱", "신경망", "패딩"} <= set(lexicon["stems"])
    # Particles and endings of the text, and Kiwi's own inventory.
    assert {"이란", "을", "에서", "은", "는", "이", "다", "으로"} <= set(lexicon["suffixes"])
    assert lexicon["synonyms"] == [["합성곱", "컨볼루션"]]
    assert docs[0]["stems"] == "신경망"  # the noun inside the compound, for prefix search


def test_index_split_per_language_with_locations_relative_to_each_language():
    data = {"config": {"lang": ["ko", "en"]}, "docs": [
        {"location": "", "title": "홈", "text": ""},
        {"location": "conv2d/#shapes", "title": "모양", "text": ""},
        {"location": "en/", "title": "Home", "text": ""},
        {"location": "en/conv2d/#shapes", "title": "Shapes", "text": ""}]}
    split = search.split_index(data)
    assert [d["location"] for d in split[""]["docs"]] == ["", "conv2d/#shapes"]
    assert [d["location"] for d in split["en/"]["docs"]] == ["", "conv2d/#shapes"]


def test_pages_name_our_worker_and_english_pages_their_own_base():
    config = {"base": "../..", "search": "../../assets/javascripts/workers/search.a7633da7.min.js"}
    html = ('<html><script id="__config" type="application/json">'
            + json.dumps(config) + "</script></html>")
    name, source = search.worker_script("search.a7633da7.min.js")
    assert 'importScripts("search.a7633da7.min.js")' in source

    def config_of(page_html):
        return json.loads(page_html.split('application/json">')[1].split("</script>")[0])

    english = config_of(search.rewrite_config(html, "en/conv2d/"))
    assert english["base"] == "../../en/"
    assert english["search"] == f"../../assets/javascripts/workers/{name}"
    korean = config_of(search.rewrite_config(html, "conv2d/"))
    assert korean["base"] == "../.." and korean["search"] == english["search"]


def test_lexicon_is_reused_from_the_cache(tmp_path, monkeypatch):
    docs = [{"location": "a/", "title": "합성곱이란", "text": "합성곱신경망"}]
    first = search.cached_korean_lexicon([dict(d) for d in docs], SYNONYMS, tmp_path)
    monkeypatch.setattr(search, "korean_lexicon", lambda *args: pytest.fail("analysed again"))
    again = [dict(d) for d in docs]
    assert search.cached_korean_lexicon(again, SYNONYMS, tmp_path) == first
    assert again[0]["stems"] == "신경망"
    (next(tmp_path.glob("*.json"))).write_text("{not json", encoding="utf-8")
    monkeypatch.undo()
    assert search.cached_korean_lexicon([dict(d) for d in docs], SYNONYMS, tmp_path) == first


def test_notebook_cells_are_indexed_once_without_prompts_or_button_text():
    text = ('<p>Setup.</p> In [8]: Copied! <pre>x = 1\n\nprint(x)  # one\n</pre> x = 1  print(x)  # one '
            'Out[8]: <pre>1\n</pre> 1 <p>After In [3]: no more.</p>')
    assert search.clean_section_text(text) == (
        "<p>Setup.</p> <pre>x = 1\n\nprint(x)  # one\n</pre> <pre>1\n</pre> <p>After no more.</p>")
    # Prose that repeats a code cell's text elsewhere keeps it; arrays stay.
    assert search.clean_section_text("<pre>a</pre> b a") == "<pre>a</pre> b a"
    assert search.clean_section_text("x[0] = [1]: y") == "x[0] = [1]: y"


def test_one_syllable_nouns_inside_words_are_no_stems():
    docs = [{"location": "a/", "title": "역전파", "text": "<p>역전파를 계산합니다. 특성 맵은 파이썬으로.</p>"}]
    lexicon = search.korean_lexicon(docs, SYNONYMS)
    assert "파" not in lexicon["stems"]  # 역전 + 파: a query 파 would find 파이썬
    assert {"역전", "맵", "파이썬"} <= set(lexicon["stems"])


def test_hangul_spellings_of_the_names_on_the_site():
    names = search.site_names("Keras 3 and TensorFlow 2 with tf.keras")
    assert names["케라스"] == "Keras" and names["텐서플로"] == names["텐서플로우"] == "TensorFlow"
    assert "파이토치" not in names  # PyTorch is on no page of this text


@pytest.mark.site
def test_built_index_has_no_prompts_copy_notices_or_second_copies(built_site):
    import re

    for folder in ("", "en/"):
        index = json.loads((built_site / folder / search.FULL_INDEX).read_text(encoding="utf-8"))
        texts = [doc["text"] for doc in index["docs"]]
        assert not [t for t in texts if "Copied!" in t]
        assert not [t for t in texts if re.search(r"(?:In|Out) ?\[\d*\]:", t)]
        for text in texts:
            for code in re.findall(r"<pre>(.*?)</pre>", text, flags=re.S):
                flat = " ".join(code.split())
                if len(flat) > 40:
                    assert " ".join(text.split()).count(flat) == 1, flat[:80]
    korean = json.loads((built_site / search.FULL_INDEX).read_text(encoding="utf-8"))["config"]["korean"]
    assert korean["names"]["케라스"] == "Keras" and korean["names"]["텐서플로"] == "TensorFlow"
