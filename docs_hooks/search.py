"""Plugin part: Korean search that understands particles, one search index per language.

Material's search runs lunr.js in a web worker. Lunr has no Korean
morphology: "합성곱을" or "합성곱이란" only match that exact word form, and a
noun inside a compound ("신경망" in "합성곱신경망") is never found. Material
also writes one index for both languages and every page loads it. This part
fixes both after the build, without touching Material's code:

* **Index side.** Kiwi (``kiwipiepy``, a Korean morphological analyser) reads
  every Korean section. Nouns that do not start their word (the inner nouns of
  compounds) are added to a hidden ``stems`` field of the section, and the
  lexicon the query side needs is stored in the index's ``config.korean``:
  the content morphemes (stems) Kiwi found, the particles and endings it
  found after them, and the glossary's alternatives (``합성곱, 컨볼루션``).
  Kiwi gets the glossary's terms as user words, so "가중치" stays one noun.
* **Query side.** ``search_worker.js`` (written next to Material's worker and
  named in the page's ``__config`` as the search worker, Material's documented
  way to customise search) rewrites each Korean query word into its stems
  before Material's worker sees it: "합성곱이란" becomes "합성곱", a compound
  becomes its nouns, and a glossary term brings its alternatives. The first
  stem is always a prefix of the word, and Material searches by prefix, so a
  rewritten query finds everything the word itself would have found.
* **One index per language.** Korean pages load ``search/search_index.json``
  (Korean sections only), English pages ``en/search/search_index.json``
  (English sections only): the ``base`` of English pages' ``__config`` points
  at ``en/``. Results are thus always in the reader's language.

Stock Material (its ``ko`` language only adds a trimmer and stop words) and
``search.separator`` tricks were tried first: neither can strip a particle,
since the particle is glued to the noun without a separator.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from functools import lru_cache
from pathlib import Path

from .adapters import (
    MATERIAL_CONFIG,
    MATERIAL_WORKER,
    MATERIAL_WORKERS,
    material_workers,
)
from .notebooks.store import touch

log = logging.getLogger("mkdocs.plugins.cnn_tutorial.search")

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "ko" / "glossary.md"
WORKER_SOURCE = Path(__file__).resolve().parent / "search_worker.js"
#: Languages whose pages live under their own folder (the default, ko, is at /).
FOLDER_LANGUAGES = ("en",)

HANGUL = re.compile(r"[\uac00-\ud7a3]")
_WORD = re.compile(r"[\uac00-\ud7a3A-Za-z0-9]+")
_TAG = re.compile(r"<[^>]+>")
#: Kiwi tags of content morphemes: nouns, numerals, pronouns, roots, foreign words.
CONTENT_TAGS = ("NNG", "NNP", "NR", "NP", "XR", "SL", "SH")
#: Kiwi tags that may follow a stem inside one word: particles, endings, copula,
#: suffixes that make verbs/adjectives of nouns ("계산+하다"), auxiliaries.
TAIL_TAGS = ("J", "E", "VCP", "VCN", "XSV", "XSA", "XSN", "VX")


#: Header of the glossary column that lists other names of a term ("컨볼루션").
ALTERNATIVES_HEADER = "다른 이름"


def _names(cell: str) -> list[str]:
    """The names in one cell: comma-separated, notes in parentheses dropped."""
    names = [re.sub(r"\([^)]*\)", "", name).strip() for name in cell.split(",")]
    return [name for name in names if name and "`" not in name]


def glossary_terms(path: Path = GLOSSARY) -> list[list[str]]:
    """Each Korean term of the glossary's tables with its other names, one list per row.

    The first column holds the term (``팽창, 확장``: both), the column headed
    "다른 이름" its other names (``컨볼루션(강의 노트), 콘볼루션``). A row of
    ``합성곱`` gives ``["합성곱", "컨볼루션", "콘볼루션"]``.
    """
    rows: list[list[str]] = []
    if not path.is_file():
        return rows
    previous: list[str] = []
    appended = False  # whether the line above gave a row
    alternatives = None  # index of the "다른 이름" column in the current table
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("|"):
            previous, appended, alternatives = [], False, None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] and set(cells[0]) <= set("-: "):  # |---|: the row above is the header
            if appended:
                rows.pop()
            alternatives = (previous.index(ALTERNATIVES_HEADER)
                            if ALTERNATIVES_HEADER in previous else None)
            appended = False
            continue
        previous = cells
        names = _names(cells[0])
        if alternatives is not None and alternatives < len(cells):
            names += _names(cells[alternatives])
        appended = bool(names) and bool(HANGUL.search(names[0]))
        if appended:
            rows.append(list(dict.fromkeys(names)))
    return rows


@lru_cache(maxsize=1)
def _kiwi(user_words: tuple[str, ...]):
    from kiwipiepy import Kiwi

    kiwi = Kiwi()
    for word in user_words:
        kiwi.add_user_word(word, "NNP", 0)
    return kiwi


#: Kiwi tags whose dictionary forms may end a query word after its stem.
SUFFIX_TAGS = ("J", "E", "VCP")
_SYLLABLES = re.compile(r"[\uac00-\ud7a3]{1,4}")


def kiwi_suffixes(kiwi) -> frozenset[str]:
    """Every particle and ending in Kiwi's dictionary written as whole syllables (이란, 에서, 다)."""
    forms, index = set(), 0
    while True:
        try:
            morpheme = kiwi.morpheme(index)
        except ValueError:  # past the last morpheme
            break
        index += 1
        if str(morpheme.tag).startswith(SUFFIX_TAGS) and _SYLLABLES.fullmatch(morpheme.form):
            forms.add(morpheme.form)
    return frozenset(forms)


def analyse_words(words: list[str], user_words: tuple[str, ...]) -> dict[str, list]:
    """Kiwi's analysis of each word: ``[(form, tag, start, end), ...]`` by word."""
    kiwi = _kiwi(user_words)
    results = {}
    for word, tokens in zip(words, kiwi.tokenize(words)):
        results[word] = [(t.form, t.tag, t.start, t.start + t.len) for t in tokens]
    return results


def split_word(word: str, morphemes: list) -> tuple[list[str], list[str], str]:
    """``(stems, inner_stems, tail)`` of one word from Kiwi's morphemes.

    ``stems``: the content morphemes as written in the word; ``inner_stems``
    those that do not start the word (prefix search does not reach them);
    ``tail``: what follows the last stem when it is only particles/endings.
    """
    stems, inner = [], []
    last_end, tail_ok = None, True
    for form, tag, start, end in morphemes:
        if tag.startswith(CONTENT_TAGS) and HANGUL.search(form):
            surface = word[start:end]
            # As written (not a contracted or restored form). A one-syllable noun
            # inside a word (파 of 역전파) is no stem: a query would match every
            # word that starts with that syllable (파이썬, 파라미터).
            if surface == form and (start == 0 or len(form) > 1):
                stems.extend(form.split())
                if start > 0 and len(form) > 1:  # one-syllable inner nouns are mostly noise
                    inner.extend(form.split())
            last_end, tail_ok = end, True
        elif last_end is not None and not tag.startswith(TAIL_TAGS):
            tail_ok = False
    tail = word[last_end:] if last_end is not None and tail_ok else ""
    return stems, inner, tail


def korean_lexicon(docs: list[dict], synonyms: list[list[str]]) -> dict:
    """Add ``stems`` to Korean sections in place; return the query-side lexicon."""
    user_words = tuple(sorted({word for row in synonyms for name in row
                               for word in name.split()}))
    section_words = []
    for doc in docs:
        text = _TAG.sub(" ", f"{doc.get('title', '')} {doc.get('text', '')}")
        section_words.append([w for w in _WORD.findall(text) if HANGUL.search(w)])
    unique = sorted({w for words in section_words for w in words})
    analysis = analyse_words(unique, user_words) if unique else {}

    stems: set[str] = set(user_words)
    tails: set[str] = set()
    pieces: set[str] = set()
    inner_of: dict[str, list[str]] = {}
    for word, morphemes in analysis.items():
        word_stems, inner, tail = split_word(word, morphemes)
        stems.update(word_stems)
        inner_of[word] = inner
        if tail:
            tails.add(tail)
            start = len(word) - len(tail)
            for form, tag, a, b in morphemes:  # the tail's morphemes as written
                if a >= start and word[a:b] == form:
                    pieces.add(form)
    for doc, words in zip(docs, section_words):
        inner = sorted({stem for w in words for stem in inner_of.get(w, [])})
        if inner:
            doc["stems"] = " ".join(inner)
    text = " ".join(_TAG.sub(" ", f"{doc.get('title', '')} {doc.get('text', '')}") for doc in docs)
    return {
        "stems": sorted(s for s in stems if HANGUL.search(s)),
        "suffixes": sorted(tails | pieces | kiwi_suffixes(_kiwi(user_words))),
        "synonyms": [[w for w in row if " " not in w] for row in synonyms
                     if sum(" " not in w for w in row) > 1],
        "names": site_names(text),
    }


#: Hangul spellings readers type for names the pages write in Latin letters
#: (케라스 for Keras). Only the names a page of the index contains are kept.
TRANSLITERATIONS = {
    "Keras": ("케라스",),
    "TensorFlow": ("텐서플로", "텐서플로우"),
    "TensorBoard": ("텐서보드",),
    "NumPy": ("넘파이",),
    "Python": ("파이썬",),
    "Colab": ("코랩",),
    "Jupyter": ("주피터",),
    "MNIST": ("엠니스트",),
    "matplotlib": ("맷플롯립",),
    "Adam": ("아담",),
    "ReLU": ("렐루",),
    "CUDA": ("쿠다",),
    "Stanford": ("스탠퍼드", "스탠포드"),
    "PyTorch": ("파이토치",),
}


def site_names(text: str, table: dict[str, tuple[str, ...]] = TRANSLITERATIONS) -> dict[str, str]:
    """Hangul spelling -> the name as the pages write it, for names in ``text``."""
    words = {word.lower() for word in _WORD.findall(text)}
    return {hangul: name for name, spellings in table.items() if name.lower() in words
            for hangul in spellings}


# Notebook cells as Material's search plugin reads them: their prompts, the copy
# button's notice and a hidden copy of the code (what the button copies) after
# the highlighted <pre>. None of it is what a reader searches for.
_PROMPT = re.compile(r"(?<![\w\[])(?:In|Out)\s?\[\s*\d*\s*\]:\s*")
_COPIED = re.compile(r"(?<!\w)Copied!\s*")
_PRE = re.compile(r"<pre\b[^>]*>(.*?)</pre>", re.DOTALL)


def _skip_copy(text: str, start: int, code: str) -> int:
    """The end of a whitespace-insensitive copy of ``code`` at ``text[start:]``, else ``start``."""
    from html import unescape

    code = _TAG.sub("", code)
    for form in (code, unescape(code)):  # the copy may be escaped like the <pre> or not
        wanted = [c for c in form if not c.isspace()]
        if not wanted:
            return start
        index = start
        for char in wanted:
            while index < len(text) and text[index].isspace():
                index += 1
            if index >= len(text) or text[index] != char:
                break
            index += 1
        else:
            return index
    return start


def clean_section_text(text: str) -> str:
    """A section's indexed text without notebook prompts, "Copied!" or the second
    copy of each code cell."""
    text = _COPIED.sub("", _PROMPT.sub("", text))
    out, position = [], 0
    for match in _PRE.finditer(text):
        if match.start() < position:
            continue
        out.append(text[position:match.end()])
        position = _skip_copy(text, match.end(), match[1])
    out.append(text[position:])
    return "".join(out).strip()


#: Kiwi's analysis of the Korean sections is kept here between builds (mkdocs
#: serve rebuilds in a second instead of loading Kiwi's model each time); the
#: plugin passes ``search/`` under its cache root.
CACHE_DIR = ROOT / ".cache" / "search"


def cached_korean_lexicon(docs: list[dict], synonyms: list[list[str]],
                          cache_dir: Path = CACHE_DIR) -> dict:
    """:func:`korean_lexicon`, reusing the result of an identical earlier call."""
    from importlib import metadata

    digest = hashlib.sha256()
    for part in (json.dumps([docs, synonyms], ensure_ascii=False, sort_keys=True),
                 Path(__file__).read_text(encoding="utf-8"),
                 metadata.version("kiwipiepy"), metadata.version("kiwipiepy_model")):
        digest.update(part.encode())
    entry = cache_dir / f"{digest.hexdigest()[:32]}.json"
    try:
        cached = json.loads(entry.read_text(encoding="utf-8"))
        for doc, stems in zip(docs, cached["stems"]):
            if stems:
                doc["stems"] = stems
        touch(entry)  # in use: kept by the cache's retention rule
        return cached["lexicon"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no entry yet, or an unreadable one: analyse again
    lexicon = korean_lexicon(docs, synonyms)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        entry.write_text(json.dumps({"lexicon": lexicon,
                                     "stems": [doc.get("stems") for doc in docs]},
                                    ensure_ascii=False), encoding="utf-8")
    except OSError as error:
        log.info("search analysis not cached: %s", error)
    return lexicon


def split_index(data: dict, prefixes: tuple[str, ...] = FOLDER_LANGUAGES) -> dict[str, dict]:
    """One index per language: ``{"": ko_index, "en/": en_index}``.

    Locations of a folder language lose their ``en/`` prefix: they are read
    relative to that language's base (``en/``).
    """
    by_folder: dict[str, list[dict]] = {"": []}
    for prefix in prefixes:
        by_folder[prefix + "/"] = []
    for doc in data["docs"]:
        folder = next((f for f in by_folder if f and doc["location"].startswith(f)), "")
        doc = dict(doc, location=doc["location"][len(folder):])
        by_folder[folder].append(doc)
    return {folder: {"config": dict(data["config"]), "docs": docs}
            for folder, docs in by_folder.items()}



def worker_script(material_name: str) -> tuple[str, str]:
    """``(file name, source)`` of our worker that wraps Material's ``material_name``."""
    source = WORKER_SOURCE.read_text(encoding="utf-8").replace(
        "__MATERIAL_WORKER__", material_name)
    return f"cnn-search.{hashlib.sha256(source.encode()).hexdigest()[:8]}.js", source


def rewrite_config(output: str, url: str, folder_languages: tuple[str, ...] = FOLDER_LANGUAGES,
                   ) -> str:
    """The page with its ``__config`` naming our worker (and ``en/`` as base on English pages)."""
    match = MATERIAL_CONFIG.search(output)
    if match is None:
        return output
    app = json.loads(match.group(2))
    material = MATERIAL_WORKER.search(app.get("search") or "")
    if material:
        name, _ = worker_script(material.group(0))
        app["search"] = app["search"][:material.start()] + name
    folder = next((f for f in folder_languages if url.startswith(f + "/")), None)
    if folder and app.get("base") is not None:
        app["base"] = app["base"].rstrip("/") + f"/{folder}/"
    text = json.dumps(app, ensure_ascii=False, separators=(",", ":"))
    return output[:match.start(2)] + text + output[match.end(2):]


def write_worker(site_dir: Path) -> None:
    """Write our worker next to Material's in the built site."""
    found = material_workers(site_dir)
    if not found:
        log.warning("Material's search worker not found; Korean queries stay as typed")
        return
    name, source = worker_script(found[0].name)
    (found[0].parent / name).write_text(source, encoding="utf-8")


#: The sections of a language's index, fetched by the worker at the first query.
FULL_INDEX = "search/search_index.full.json"


def split_site_index(site_dir: Path, synonyms: list[list[str]], cache_dir: Path = CACHE_DIR,
                     folder_languages: tuple[str, ...] = FOLDER_LANGUAGES) -> None:
    """Replace the merged index by one per language, loaded at the first search.

    ``search/search_index.json`` (what Material fetches on every page) becomes a
    stub with the config only; the sections go to ``search/search_index.full.json``,
    which our worker fetches when the reader first types a query.
    """
    index_path = site_dir / "search" / "search_index.json"
    if not index_path.is_file():
        return
    data = json.loads(index_path.read_text(encoding="utf-8"))
    for doc in data["docs"]:
        doc["text"] = clean_section_text(doc.get("text", ""))
    for folder, index in split_index(data, folder_languages).items():
        if not folder:
            index["config"]["korean"] = cached_korean_lexicon(index["docs"], synonyms, cache_dir)
            index["config"]["fields"] = {**index["config"]["fields"], "stems": {"boost": 1}}
        full = site_dir / folder / FULL_INDEX
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")),
                        encoding="utf-8")
        to_root = "../" * MATERIAL_WORKERS.count("/")  # from our worker, beside Material's
        config = {key: value for key, value in index["config"].items() if key != "korean"}
        stub = {"config": {**config, "cnn_full_index": f"{to_root}{folder}{FULL_INDEX}"},
                "docs": []}
        (site_dir / folder / "search" / "search_index.json").write_text(
            json.dumps(stub, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        log.info("search index %s: %d sections", full.relative_to(site_dir).as_posix(),
                 len(index["docs"]))


def finish(site_dir: Path, cache_dir: Path = CACHE_DIR,
           folder_languages: tuple[str, ...] = FOLDER_LANGUAGES) -> None:
    """After the whole site (every language) is built: split the index, write the worker."""
    split_site_index(Path(site_dir), glossary_terms(), cache_dir, folder_languages)
    write_worker(Path(site_dir))
