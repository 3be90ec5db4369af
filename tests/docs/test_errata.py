"""The lecture note's errors are called out where the chapters meet them, and the
corrections of issue 9 stay corrected (a prose regression would not fail any cell)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
TITLE = {"ko": "강의 노트와 다른 점", "en": "Where the lecture note is wrong"}

#: Per chapter, what its errata box must mention (in both languages unless a dict).
ERRATA = {
    "convolution.md": ["feature map"],
    "conv2d.md": ["`tf.layers.conv2d`", "`keras.layers.Conv2D`", "locally connected",
                  "`tf.nn.conv1d`"],
    "padding-stride.md": ["width/depth", {"ko": "width/height", "en": "width and height"}],
    "pooling.md": [{"ko": "실행 속도", "en": "execution speed"}, "width/depth"],
}


def errata_boxes(text: str, lang: str) -> list[str]:
    """The bodies of the page's errata admonitions."""
    pattern = rf'^!!! \w+ "{re.escape(TITLE[lang])}"\n((?:[ \t]+.*\n|\n)+)'
    return re.findall(pattern, text, re.M)


@pytest.mark.parametrize("lang", TITLE)
@pytest.mark.parametrize("chapter", ERRATA)
def test_errata_box_names_what_the_note_gets_wrong(chapter, lang):
    boxes = errata_boxes((DOCS / lang / chapter).read_text(encoding="utf-8"), lang)
    assert boxes, f"{lang}/{chapter}: no '{TITLE[lang]}' box"
    body = " ".join(" ".join(boxes).split())  # one space between words
    for needle in ERRATA[chapter]:
        needle = needle[lang] if isinstance(needle, dict) else needle
        assert needle in body, f"{lang}/{chapter}: the errata box does not mention {needle!r}"


def test_corrections_stay_corrected():
    ko = {name: (DOCS / "ko" / name).read_text(encoding="utf-8") for name in ERRATA}
    en = {name: (DOCS / "en" / name).read_text(encoding="utf-8") for name in ERRATA}
    # The never-read cells of the stride example have odd indices, not odd ordinals.
    assert "홀수 번째" not in ko["padding-stride.md"]
    assert "인덱스가 홀수인 칸(1, 3, 5, 7번 칸)" in ko["padding-stride.md"]
    assert "odd index (cells 1, 3, 5\nand 7)" in en["padding-stride.md"]
    # 'SAME' keeps the size only at stride 1.
    assert ko["pooling.md"].split("\n## ")[0].count("스트라이드가 1이고 `'SAME'`") == 1
    assert "stride 1 and `'SAME'` padding" in en["pooling.md"].split("\n## ")[0]
    # Padding reduces the border/interior imbalance but does not remove it.
    assert "다른 픽셀만큼 반영" not in ko["padding-stride.md"]
    assert "count as much as the\nothers" not in en["padding-stride.md"]
