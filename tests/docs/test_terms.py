"""One Korean term per concept: Korean pages and widgets avoid the words the glossary rules out.

Three more checks catch what the glossary does not list yet: an English term glossed
in parentheses (`창(window)`) must follow the glossary's Korean term for it; an English
term glossed on two or more Korean pages must have a glossary row; and the Korean
variants of ``WATCHED`` (synonyms seen in Korean technical writing) may appear on a
page only once the glossary rules on them. Every glossary row has all its cells.

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
                        for p in (ROOT / "docs" / "assets").rglob("*.js")
                        if re.search(r"[가-힣]", p.read_text(encoding="utf-8")))
ENGLISH_GLOSSARY = ROOT / "docs" / "en" / "glossary.md"

#: Variants seen in Korean technical writing, by the concept's English name. Where one
#: appears on a Korean page, the glossary must rule on it: list it under "쓰지 않는 말"
#: (or "다른 이름", for a deliberate mention such as the lecture note's own word).
WATCHED = {
    "window": ["윈도"],
    "multiply-add": ["곱셈-누적", "곱셈 누적", "곱-합"],
    "convolution": ["컨볼루션", "콘볼루션", "컨벌루션"],
    "feature map": ["특징 맵", "특징맵", "피처 맵", "피쳐 맵"],
    "receptive field": ["수용장", "리셉티브 필드"],
    "gradient": ["그래디언트", "그레이디언트"],
    "parameter": ["매개변수"],
    "epoch": ["에포크"],
    "dropout": ["드랍아웃"],
    "optimizer": ["최적화기"],
    "validation set": ["검증 집합", "검증셋"],
    "bias": ["바이어스"],
    "weight": ["웨이트"],
    "stride": ["보폭"],
    "flatten": ["펼치기", "플래튼"],
    "loss": ["로스"],
    "layer": ["레이어"],
    "translation equivariance": ["이동 등가성"],
    "transposed convolution": ["역합성곱", "디컨볼루션"],
}


def table_rows(text: str, first_header: str) -> tuple[list[str], list[list[str]]]:
    """The header and the raw rows (cell lists) of the first table whose first column is
    ``first_header``."""
    header, rows = None, []
    for line in text.splitlines():
        if not line.startswith("|"):
            if header is not None:
                break
            continue
        cells = [cell.strip() for cell in line.strip().removeprefix("|").removesuffix("|")
                 .split("|")]
        if header is None:
            header = cells if cells[0] == first_header else None
        elif not set("".join(cells)) <= set("-: "):
            rows.append(cells)
    return header or [], rows


def english_names(rows: list[dict[str, str]]) -> dict[str, str]:
    """``{english name, lower case: Korean term}`` from the glossary rows."""
    names = {}
    for row in rows:
        for name in row.get("English", "").split(","):
            name = re.sub(r"\s*\(.*?\)", "", name).strip().lower()
            if name:
                names[name] = row[TERM_COLUMN]
    return names


_GLOSS = re.compile(r"(?<=[가-힣])\(([A-Za-z][A-Za-z0-9 '\-]*[A-Za-z0-9])\)")


def prose_of(text: str) -> str:
    """A page's prose: code blocks and inline code removed, lines joined."""
    text = re.sub(r"^([ \t]*)(`{3,}|~{3,}).*?^\1\2", "", text, flags=re.M | re.S)
    return re.sub(r"\s*\n\s*", " ", re.sub(r"`[^`\n]*`", "", text))


def glosses(text: str) -> list[tuple[str, str]]:
    """``(english, the prose just before it)`` for each ``한국어(english)`` of a page."""
    prose = prose_of(text)
    return [(m.group(1).lower(), prose[max(0, m.start() - 30):m.start()])
            for m in _GLOSS.finditer(prose)]


def gloss_mismatches(text: str, names: dict[str, str]) -> list[str]:
    """Glosses of a glossary term that do not follow its Korean term."""
    found = []
    for english, before in glosses(text):
        term = names.get(english)
        if term and not any(before.endswith(t.strip()) for t in term.split(",")):
            found.append(f"'...{before}({english})': the glossary's term is {term!r}")
    return found


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


@pytest.mark.parametrize("glossary, first", [(GLOSSARY, TERM_COLUMN), (ENGLISH_GLOSSARY, "English")])
def test_every_glossary_row_has_every_cell(glossary, first):
    header, rows = table_rows(glossary.read_text(encoding="utf-8"), first)
    assert len(header) >= 5, header
    wrong = [f"{row[0]!r}: {len(row)} cells" for row in rows if len(row) != len(header)]
    assert not wrong, f"{glossary.name}: rows need {len(header)} cells ({header}):\n" + \
        "\n".join(wrong)


def test_the_row_check_catches_a_missing_cell():
    text = "| 한국어 | English | 뜻 |\n| --- | --- | --- |\n| 창 | window |\n| 풀링 | pooling | x |\n"
    header, rows = table_rows(text, TERM_COLUMN)
    assert [len(row) for row in rows] == [2, 3] and len(header) == 3


NAMES = english_names(ROWS)


def test_a_gloss_that_does_not_follow_the_glossary_is_caught():
    assert NAMES["window"] == "창" and NAMES["fully connected layer"] == "완전 연결 계층"
    text = "입력의 윈도(window)마다 합을 구합니다. 창(window)은 작습니다. `x(window)`"
    assert gloss_mismatches(text, NAMES) == [
        "'...입력의 윈도(window)': the glossary's term is '창'"]


@pytest.mark.parametrize("path", KOREAN_PAGES)
def test_english_glosses_follow_the_glossary_term(path):
    found = gloss_mismatches((ROOT / path).read_text(encoding="utf-8"), NAMES)
    assert not found, f"{path}: " + "\n".join(found)


def test_a_concept_glossed_on_two_pages_has_a_glossary_row():
    pages: dict[str, set[str]] = {}
    for path in KOREAN_PAGES:
        for english, _ in glosses((ROOT / path).read_text(encoding="utf-8")):
            pages.setdefault(english, set()).add(path)
    missing = {english: sorted(where) for english, where in pages.items()
               if len(where) >= 2 and english not in NAMES}
    assert not missing, ("concepts glossed on two or more Korean pages need a glossary row "
                         f"(docs/ko/glossary.md and docs/en/glossary.md): {missing}")


def ruled_words(rows: list[dict[str, str]]) -> set[str]:
    """Every word the glossary names: its terms, their other names and the avoided words."""
    words = set(TERMS) | set(AVOID)
    for row in rows:
        words |= {w.strip() for w in re.sub(r"\(.*?\)", "", row.get("다른 이름", "")).split(",")}
    return {w for w in words if w}


def unruled_variants(text: str, ruled: set[str]) -> list[str]:
    return [f"{variant!r} ({english})" for english, variants in WATCHED.items()
            for variant in variants if variant in text
            and not any(variant in word for word in ruled)]


def test_an_unruled_synonym_is_caught():
    ruled = ruled_words(ROWS)
    assert {"윈도", "곱셈-누적", "컨볼루션"} <= ruled
    assert unruled_variants("출력 하나의 리셉티브 필드와 창", ruled) == [
        "'리셉티브 필드' (receptive field)"]


@pytest.mark.parametrize("path", KOREAN_PAGES + WIDGET_SCRIPTS)
def test_watched_synonyms_appear_only_once_the_glossary_rules_on_them(path):
    unruled = unruled_variants((ROOT / path).read_text(encoding="utf-8"), ruled_words(ROWS))
    assert not unruled, (f"{path} uses variants the glossary does not rule on yet: "
                         f"{', '.join(unruled)}; use the glossary's term, or add the variant "
                         "to its row's 쓰지 않는 말 (or 다른 이름) column")
