"""Translation drift: each section's prose in one language is confirmed against the other's.

Every page exists in ``docs/ko`` and ``docs/en`` with the same section anchors
(``## 패딩 {#padding}`` / ``## Padding {#padding}``). ``translations.json`` at the
repository root records, for each page and section, a digest of the Korean prose
and of the English prose as they were when someone last confirmed that the two say
the same thing. ``tests/docs/test_translation_sync.py`` fails when either side has
changed since, naming the section, which side changed and the one command that
re-confirms it after the other side is updated::

    python3 dev.py confirm-translation conv2d.md#data-format

Prose means the section's text without code blocks (code is compared byte for byte
by ``test_translations.py``) and without claim comments (``test_claims.py``);
white space is folded, so re-wrapping a paragraph is not a change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RECORD = ROOT / "translations.json"
LANGUAGES = ("ko", "en")
COMMAND = "python3 dev.py confirm-translation"
#: The text before a page's first anchored heading.
INTRO = "(intro)"

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---[ \t]*\n", re.S)
_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})[^\n]*\n.*?^\1\2[ \t]*$", re.M | re.S)
_CLAIM = re.compile(r"^[ \t]*<!--[ \t]*claim:.*?-->[ \t]*$", re.M)
_HEADING = re.compile(r"^#{1,6} .*\{#([-\w]+)\}[ \t]*$", re.M)


def sections(text: str) -> dict[str, str]:
    """``{anchor: prose}`` for each anchored section of a page, in order.

    Examples:
        >>> page = "# T {#top}\\nWords  here.\\n```python\\nx = 1\\n```\\n## B {#b}\\nMore.\\n"
        >>> sections(page)
        {'top': '# T {#top} Words here.', 'b': '## B {#b} More.'}
    """
    text = _CLAIM.sub("", _FENCE.sub("", _FRONT_MATTER.sub("", text)))
    found: dict[str, str] = {}
    starts = [(m.start(), m.group(1)) for m in _HEADING.finditer(text)]
    if not starts or text[:starts[0][0]].strip():
        found[INTRO] = text[:starts[0][0] if starts else len(text)]
    for (start, anchor), (end, _) in zip(starts, [*starts[1:], (len(text), "")]):
        found[anchor] = text[start:end]
    return {anchor: " ".join(prose.split()) for anchor, prose in found.items()}


def digest(prose: str) -> str:
    return hashlib.sha256(prose.encode("utf-8")).hexdigest()[:16]


def pages(docs: Path = DOCS) -> list[str]:
    """Pages that exist in both languages, relative to a language folder."""
    both = [{p.relative_to(docs / lang).as_posix() for p in (docs / lang).rglob("*.md")}
            for lang in LANGUAGES]
    return sorted(both[0] & both[1])


def current(page: str, docs: Path = DOCS) -> dict[str, dict[str, str]]:
    """``{anchor: {"ko": digest, "en": digest}}`` of a page as it is now.

    An anchor found in one language only gets no digest for the other.
    """
    per_language = {lang: sections((docs / lang / page).read_text(encoding="utf-8"))
                    for lang in LANGUAGES}
    anchors = list(dict.fromkeys([*per_language["ko"], *per_language["en"]]))
    return {anchor: {lang: digest(per_language[lang][anchor]) for lang in LANGUAGES
                     if anchor in per_language[lang]} for anchor in anchors}


def load_record(path: Path = RECORD) -> dict[str, dict[str, dict[str, str]]]:
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def drift(page: str, record: dict, docs: Path = DOCS) -> list[str]:
    """One line per section of ``page`` whose prose is not confirmed as it is now."""
    names = {"ko": "Korean", "en": "English"}
    recorded = record.get(page, {})
    problems = []
    now = current(page, docs)
    for anchor, digests in now.items():
        where = f"{page}#{anchor}"
        missing = [lang for lang in LANGUAGES if lang not in digests]
        if missing:
            problems.append(f"{where}: the section exists only in "
                            f"{names[LANGUAGES[1 - LANGUAGES.index(missing[0])]]}; write its "
                            f"{names[missing[0]]} twin (same anchor), then run "
                            f"`{COMMAND} {where}`")
            continue
        confirmed = recorded.get(anchor)
        if confirmed is None:
            problems.append(f"{where}: a new section, never confirmed; check that both "
                            f"languages say the same, then run `{COMMAND} {where}`")
            continue
        changed = [lang for lang in LANGUAGES if confirmed.get(lang) != digests[lang]]
        if len(changed) == 2:
            problems.append(f"{where}: both languages changed since they were last confirmed; "
                            f"check that they say the same, then run `{COMMAND} {where}`")
        elif changed:
            other = LANGUAGES[1 - LANGUAGES.index(changed[0])]
            problems.append(f"{where}: the {names[changed[0]]} prose changed since it was last "
                            f"confirmed against the {names[other]}; update docs/{other}/{page} "
                            f"to match, then run `{COMMAND} {where}`")
    for anchor in recorded:
        if anchor not in now:
            problems.append(f"{page}#{anchor}: recorded but no longer on the page; run "
                            f"`{COMMAND} {page}`")
    return problems


def confirm(targets: list[str], record_path: Path = RECORD, docs: Path = DOCS) -> list[str]:
    """Record the current digests of ``targets`` (``page``, ``page#anchor`` or ``--all``).

    A whole page (or ``--all``) also drops the sections it no longer has. Returns what
    was confirmed; raises ``ValueError`` for a page or section that does not exist.
    """
    record = load_record(record_path)
    available = pages(docs)
    done = []
    for target in targets:
        if target == "--all":
            record = {page: current(page, docs) for page in available}
            done.append("every section of every page")
            continue
        page, _, anchor = target.partition("#")
        if page not in available:
            raise ValueError(f"page must be a file of both docs/ko and docs/en, got {page!r}")
        now = current(page, docs)
        if not anchor:
            record[page] = now
        elif anchor in now:
            record.setdefault(page, {})[anchor] = now[anchor]
        else:
            raise ValueError(f"{page} has no section {{#{anchor}}}; its sections: "
                             + ", ".join(now))
        done.append(target)
    ordered = {page: record[page] for page in sorted(record) if page in available}
    record_path.write_text(json.dumps(ordered, ensure_ascii=False, indent=1, sort_keys=False)
                           + "\n", encoding="utf-8")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=COMMAND, description="Record that both languages of a section say the same.")
    parser.add_argument("targets", nargs="*", metavar="PAGE[#SECTION]",
                        help="e.g. conv2d.md#data-format, or conv2d.md for every section")
    parser.add_argument("--all", action="store_true", help="every section of every page")
    args = parser.parse_args(argv)
    if not args.targets and not args.all:
        parser.error("name a PAGE[#SECTION] or give --all")
    try:
        for line in confirm([*args.targets, *(["--all"] if args.all else [])]):
            print(f"confirmed: {line}")
    except ValueError as error:
        print(f"confirm-translation: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
