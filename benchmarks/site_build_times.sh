#!/usr/bin/env bash
# Site build times (issue 4, "The site's build"): a cold build (empty caches), three
# rebuilds with nothing changed, three after a prose edit of one chapter (both
# languages), one after editing one code cell (both languages), and one after
# undoing the edits. Prints seconds and how many chapters were executed.
#
# Run from the repository root:  bash benchmarks/site_build_times.sh
# (MNIST from $CNN_TUTORIAL_DATA_DIR or the cache; the chapters' files are
# restored at the end, also on Ctrl+C.)
set -euo pipefail
MKDOCS=${MKDOCS:-.venv/bin/mkdocs}
CHAPTER=${CHAPTER:-pooling.md}
work=$(mktemp -d)
export CNN_TUTORIAL_NOTEBOOK_CACHE="$work/notebooks"
cp "docs/ko/$CHAPTER" "$work/ko.md"
cp "docs/en/$CHAPTER" "$work/en.md"
restore() { cp "$work/ko.md" "docs/ko/$CHAPTER"; cp "$work/en.md" "docs/en/$CHAPTER"; }
trap 'restore; rm -rf "$work"' EXIT
rm -rf .cache/jinja  # cold means no compiled templates either

build() {
    local start end
    start=$(date +%s.%N)
    "$MKDOCS" build --strict -d "$work/site" > "$work/$1.log" 2>&1
    end=$(date +%s.%N)
    printf "%-9s %6.1f s  chapters executed: %s\n" "$1" "$(echo "$end - $start" | bc)" \
        "$(grep -c 'notebook executed' "$work/$1.log" || true)"
}

build cold
for i in 1 2 3; do build "warm$i"; done
python3 - "$CHAPTER" <<'PY'
import sys
for lang, sentence in (("ko", "측정용으로 덧붙인 문장입니다."), ("en", "A sentence added for a measurement.")):
    path = f"docs/{lang}/{sys.argv[1]}"
    text = open(path, encoding="utf-8").read()
    start = text.index("\n\n", text.index("\n# ")) + 2  # first paragraph after the title
    end = text.index("\n\n", start)
    open(path, "w", encoding="utf-8").write(text[:end] + " " + sentence + text[end:])
PY
for i in 1 2 3; do build "prose$i"; done
python3 - "$CHAPTER" <<'PY'
import sys
for lang in ("ko", "en"):
    path = f"docs/{lang}/{sys.argv[1]}"
    text = open(path, encoding="utf-8").read()
    start = text.index("```python\n") + len("```python\n")
    open(path, "w", encoding="utf-8").write(text[:start] + "print('edited cell')\n" + text[start:])
PY
build code
restore
build restored
