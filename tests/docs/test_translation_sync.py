"""No silent drift between languages: every section's prose is confirmed against its twin.

``translations.json`` holds, per page and section, the digests of the Korean and the
English prose as last confirmed (``docs_hooks/translations.py``). A section whose prose
changed on one side fails here with the section, the side and the command that
re-confirms it once the other side matches.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from docs_hooks import translations

ROOT = Path(__file__).resolve().parents[2]
RECORD = translations.load_record()


@pytest.mark.parametrize("page", translations.pages())
def test_each_sections_languages_were_confirmed_as_they_are(page):
    problems = translations.drift(page, RECORD)
    assert not problems, "translation drift:\n" + "\n".join(problems)


def test_the_record_lists_only_pages_that_exist():
    assert RECORD, "translations.json is missing: run `python3 dev.py confirm-translation --all`"
    assert set(RECORD) <= set(translations.pages())


def test_sections_ignore_code_claims_and_wrapping():
    page = ("---\njupyter: {}\n---\n# Title {#top}\n\nOne  line\nwrapped.\n\n```python\nx = 1\n```\n"
            "<!-- claim: x == 1 -->\n\n## Next {#next}\n\n    ```console\n    $ ls\n    ```\nEnd.\n")
    found = translations.sections(page)
    assert found == {"top": "# Title {#top} One line wrapped.", "next": "## Next {#next} End."}
    assert translations.sections(page.replace("x = 1", "x = 2").replace("wrapped.", "\nwrapped.")) \
        == found


def _docs(tmp_path: Path, ko: str, en: str) -> Path:
    docs = tmp_path / "docs"
    for lang, text in (("ko", ko), ("en", en)):
        (docs / lang).mkdir(parents=True)
        (docs / lang / "page.md").write_text(text, encoding="utf-8")
    return docs


KO = "# 제목 {#top}\n\n처음.\n\n## 패딩 {#padding}\n\n패딩은 0을 덧댑니다.\n"
EN = "# Title {#top}\n\nFirst.\n\n## Padding {#padding}\n\nPadding adds zeros.\n"


def test_a_change_on_one_side_fails_until_the_other_is_updated_and_confirmed(tmp_path):
    docs = _docs(tmp_path, KO, EN)
    record_path = tmp_path / "translations.json"
    translations.confirm(["--all"], record_path, docs)
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert translations.drift("page.md", record, docs) == []

    (docs / "en" / "page.md").write_text(EN.replace("adds zeros", "adds zeros at the border"), encoding="utf-8")
    (problem,) = translations.drift("page.md", record, docs)
    assert problem.startswith("page.md#padding: the English prose changed since it was last "
                              "confirmed against the Korean; update docs/ko/page.md")
    assert problem.endswith("`python3 dev.py confirm-translation page.md#padding`")

    (docs / "ko" / "page.md").write_text(KO.replace("덧댑니다", "가장자리에 덧댑니다"), encoding="utf-8")
    (problem,) = translations.drift("page.md", record, docs)
    assert "both languages changed" in problem

    translations.confirm(["page.md#padding"], record_path, docs)
    assert translations.drift("page.md", translations.load_record(record_path), docs) == []


def test_new_missing_and_removed_sections_are_named(tmp_path):
    docs = _docs(tmp_path, KO, EN)
    record_path = tmp_path / "translations.json"
    translations.confirm(["page.md"], record_path, docs)
    (docs / "en" / "page.md").write_text(EN + "\n## Stride {#stride}\n\nSteps.\n", encoding="utf-8")
    (docs / "ko" / "page.md").write_text(KO.split("## 패딩")[0], encoding="utf-8")
    problems = translations.drift("page.md", translations.load_record(record_path), docs)
    assert problems == [
        "page.md#padding: the section exists only in English; write its Korean twin (same "
        "anchor), then run `python3 dev.py confirm-translation page.md#padding`",
        "page.md#stride: the section exists only in English; write its Korean twin (same "
        "anchor), then run `python3 dev.py confirm-translation page.md#stride`"]
    with pytest.raises(ValueError, match="has no section"):
        translations.confirm(["page.md#nowhere"], record_path, docs)
    with pytest.raises(ValueError, match="page must be a file of both"):
        translations.confirm(["nowhere.md"], record_path, docs)


def test_the_command_confirms_and_refuses_in_one_line():
    result = subprocess.run([sys.executable, str(ROOT / "dev.py"), "confirm-translation",
                             "nowhere.md"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "confirm-translation: page must be a file of both docs/ko and docs/en, got 'nowhere.md'"]
