"""Sentences pinned to results: every ``<!-- claim: ... -->`` of every chapter.

The claims themselves are evaluated in the chapter's kernel by the site build and by
``test_pages.py`` (``docs_hooks.notebooks.claims``); a false one fails both and names
the sentence. This file checks what makes that work: the claims parse, stand only on
pages that are executed, are the same in both languages (so both share one execution),
and a false claim really fails, with its sentence and the values it read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from docs_hooks.notebooks import chapters, claims, execute, fingerprint, store

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted({p.relative_to(DOCS / lang).as_posix()
                for lang in ("ko", "en") for p in (DOCS / lang).rglob("*.md")})


def _claims(lang: str, page: str) -> list[claims.Claim]:
    path = DOCS / lang / page
    return claims.page_claims(path.read_text(encoding="utf-8")) if path.is_file() else []


def test_claims_are_read_with_their_line_and_sentence():
    text = ("# Title {#top}\n\nThe largest difference is tiny.\nIt is below one in a million.\n"
            "<!-- alt: a figure -->\n<!-- claim: diff < 1e-6 -->\n\n"
            "!!! note \"Box\"\n    Inside a box, 9 windows.\n\n    <!-- claim: windows == 9 -->\n")
    found = claims.page_claims(text)
    assert [(c.expression, c.line) for c in found] == [("diff < 1e-6", 6), ("windows == 9", 11)]
    assert found[0].sentence == "The largest difference is tiny. It is below one in a million."
    assert found[1].sentence == "Inside a box, 9 windows."


def test_a_false_claim_names_its_line_sentence_and_values():
    found = claims.page_claims("Accuracy is 0.99.\n<!-- claim: 0.98 < acc -->\n")
    messages = claims.failures(found, [{"ok": False, "values": {"acc": "0.5"}}], "en/x.md")
    assert messages == ["en/x.md:2: claim `0.98 < acc` is false (acc = 0.5)\n"
                        "    the sentence: 'Accuracy is 0.99.'"]
    assert claims.failures(found, [{"ok": True}], "en/x.md") == []
    assert "re-run" in claims.failures(found, None, "en/x.md")[0]


@pytest.mark.parametrize("page", PAGES)
def test_claims_are_python_expressions(page):
    for lang in ("ko", "en"):
        expressions = [c.expression for c in _claims(lang, page)]
        assert claims.syntax_errors(expressions) == [], f"docs/{lang}/{page}"


@pytest.mark.parametrize("page", PAGES)
def test_both_languages_pin_the_same_claims_in_the_same_order(page):
    ko, en = ([c.expression for c in _claims(lang, page)] for lang in ("ko", "en"))
    assert ko == en, (f"{page}: the claims differ between ko and en (the same sentence in "
                      f"both languages is pinned by the same check)\n  ko: {ko}\n  en: {en}")


@pytest.mark.parametrize("page", PAGES)
def test_claims_stand_only_on_executed_pages(page):
    """A claim on a page that is not a notebook would never be evaluated."""
    for lang in ("ko", "en"):
        path = DOCS / lang / page
        if path.is_file() and _claims(lang, page):
            assert chapters.is_notebook_page(path), \
                f"docs/{lang}/{page} has claims but is not an executed chapter"


def test_the_notebook_and_the_page_text_see_the_same_claims():
    for lang in ("ko", "en"):
        for page in PAGES:
            path = DOCS / lang / page
            if path.is_file() and chapters.is_notebook_page(path):
                notebook = chapters.read_notebook(path)
                assert claims.notebook_claims(notebook) == \
                    [c.expression for c in _claims(lang, page)], f"docs/{lang}/{page}"


# A kernel runs below: marked slow in tests/conftest.py.
PAGE = """---
jupyter:
  kernelspec:
    display_name: Python 3
    language: python
    name: python3
---

# Probe {{#top}}

```python
accuracy = 0.957
```

The convnet scores {words}.
<!-- claim: 0.95 < accuracy < 0.96 -->

It never scores below 0.99.
<!-- claim: accuracy >= 0.99 -->

Nor does an unknown name help.
<!-- claim: missing_name > 0 -->
"""


@pytest.mark.slow
def test_a_false_claim_fails_the_execution_and_a_cached_one_too(tmp_path):
    ko = tmp_path / "docs" / "ko" / "probe.md"
    en = tmp_path / "docs" / "en" / "probe.md"
    for path, words in ((ko, "0.957점"), (en, "0.957")):
        path.parent.mkdir(parents=True)
        path.write_text(PAGE.format(words=words), encoding="utf-8")
    cache = store.ExecutionCache(tmp_path / "cache")
    pair = [execute.load_chapter(p, "pkg", versions={"python": "3"}) for p in (ko, en)]
    assert pair[0].key == pair[1].key and pair[0].claims == [
        "0.95 < accuracy < 0.96", "accuracy >= 0.99", "missing_name > 0"]
    for attempt in ("executed", "cached"):
        with pytest.raises(execute.NotebookExecutionError) as error:
            execute.ensure_executed(pair, cache, jobs=1, cwd=tmp_path)
        message = str(error.value)
        for path in (ko, en):  # each language's sentence is named
            assert f"{path}:19: claim `accuracy >= 0.99` is false (accuracy = 0.957)" in message
        assert "NameError" in message and "'It never scores below 0.99.'" in message
        assert "0.95 < accuracy < 0.96" not in message, attempt
    (entry,) = [cache.get(pair[0].key)]
    assert [r["ok"] for r in entry["claims"]] == [True, False, False]


def test_claims_change_the_key_but_prose_does_not():
    notebook = chapters.notebook_from_text(PAGE.format(words="x"))
    reworded = chapters.notebook_from_text(PAGE.format(words="y"))
    checked = chapters.notebook_from_text(PAGE.format(words="x").replace("0.99", "0.98"))
    keys = [execute.cache_key(execute._key_sources(n), "pkg", {}) for n in
            (notebook, reworded, checked)]
    assert keys[0] == keys[1] != keys[2]
    assert fingerprint.cache_key(chapters.code_cells(notebook), "pkg", {}) != keys[0]
