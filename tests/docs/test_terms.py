"""One Korean term per concept: Korean pages and widgets avoid the words the glossary rules out.

The Korean glossary (docs/ko/glossary.md) is the machine-readable source: its
table has a column "쓰지 않는 말" with the variants the site does not use, each
in backticks (`묶음`, `펼치기`, `층`, ...). This test reads that column and fails
when a Korean page (docs/ko/*.md, the glossary itself excepted) or the Korean
strings of the in-page widgets (docs/assets/playground/*.js) use one of them.
A variant inside a longer glossary term is not counted (`층` inside `계층`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "ko" / "glossary.md"
AVOID_COLUMN = "쓰지 않는 말"
TERM_COLUMN = "한국어"


def glossary_table(text: str) -> list[dict[str, str]]:
    """The rows of the glossary's first table that has a column named AVOID_COLUMN."""
    rows, header = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            if header is not None and rows:
                break
            header = None if header is None or not rows else header
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells if AVOID_COLUMN in cells else None
        elif set("".join(cells)) <= set("-: "):
            continue
        else:
            rows.append(dict(zip(header, cells)))
    return rows


def avoided_words(rows: list[dict[str, str]]) -> dict[str, str]:
    """``{variant: the glossary term to use instead}``."""
    return {word: row[TERM_COLUMN] for row in rows
            for word in re.findall(r"`([^`]+)`", row.get(AVOID_COLUMN, ""))}


def korean_terms(rows: list[dict[str, str]]) -> list[str]:
    return [term.strip() for row in rows for term in row[TERM_COLUMN].split(",")]


def find_variants(text: str, avoid: dict[str, str], terms: list[str]) -> list[str]:
    """``"variant (use TERM): ...context..."`` for each avoided word in ``text``."""
    found = []
    for word, use in avoid.items():
        shielded = text
        for term in terms:
            if word in term and term != word:
                shielded = shielded.replace(term, "\0" * len(term))
        for match in re.finditer(re.escape(word), shielded):
            context = text[max(0, match.start() - 20):match.end() + 20].replace("\n", " ")
            found.append(f"{word!r} (use {use!r}): ...{context}...")
    return found


ROWS = glossary_table(GLOSSARY.read_text(encoding="utf-8"))
AVOID = avoided_words(ROWS)
TERMS = korean_terms(ROWS)
KOREAN_PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs" / "ko").glob("*.md")
                      if p != GLOSSARY)
WIDGET_SCRIPTS = sorted(p.relative_to(ROOT).as_posix()
                        for p in (ROOT / "docs" / "assets" / "playground").glob("*.js"))


def test_the_glossary_lists_the_avoided_words():
    assert {"묶음", "펼치기", "층"} <= set(AVOID), sorted(AVOID)
    assert AVOID["묶음"] == "배치" and AVOID["층"] == "계층"
    assert "계층" in TERMS and "합성곱" in TERMS


def test_the_check_finds_a_variant_but_not_inside_a_term():
    text = "합성곱 계층은 이미지 묶음을 받습니다. 이 층은 ..."
    found = find_variants(text, AVOID, TERMS)
    assert sorted(f.split(" ")[0] for f in found) == ["'묶음'", "'층'"], found
    assert find_variants("합성곱 계층과 풀링 계층", AVOID, TERMS) == []


@pytest.mark.parametrize("path", KOREAN_PAGES + WIDGET_SCRIPTS)
def test_korean_text_uses_the_glossary_terms(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    found = find_variants(text, AVOID, TERMS)
    assert not found, f"{path} uses words the glossary rules out:\n" + "\n".join(found)
