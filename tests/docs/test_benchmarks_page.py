"""The benchmarks page's tables say what the records in benchmarks/results/ hold.

The page (docs/ko/benchmarks.md, docs/en/benchmarks.md) is not executed: its figures
come from long runs recorded as JSON. Each table that reports a record is checked here,
cell by cell, in both languages, so that a new record or an edited number that no
longer matches fails and names the table, the row and the column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cnn_tutorial.records import LECTURE_TEST_ACCURACY

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
LANGUAGES = ("ko", "en")


def record(name: str) -> dict:
    return json.loads((RESULTS / name).read_text(encoding="utf-8"))


def tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table of ``text`` as rows of cells (header first, rule dropped)."""
    found, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().removeprefix("|").removesuffix("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


def number(cell: str) -> float:
    """The number of a cell such as ``**864**``, ``1,024``, ``25 %`` or ``0.9880``."""
    match = re.search(r"-?\d[\d,]*(?:\.\d+)?", cell.replace("**", ""))
    if match is None:
        raise ValueError(f"no number in {cell!r}")
    return float(match.group().replace(",", ""))


def row_name(cell: str) -> str:
    return re.search(r"`(\w+)`", cell).group(1)


def table_with(page: str, text: str, columns: int) -> list[list[str]]:
    """The rows of the ``columns``-wide table that has a cell holding ``text``."""
    for table in tables(page):
        if len(table[0]) == columns and any(text in cell for row in table[1:] for cell in row):
            return table[1:]
    raise AssertionError(f"no {columns}-column table with a cell {text!r}")


def page(lang: str) -> str:
    return (ROOT / "docs" / lang / "benchmarks.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_speed_table_is_training_speed_4(lang):
    speed = record("training_speed_4.json")
    rows = {row["name"]: row for row in speed["rows"]}
    peak = speed["machine"]["peak_gflops"]
    table = table_with(page(lang), "`keras_fit_defaults_b32`: ", 7)
    assert {row_name(r[0]) for r in table} == set(rows)
    for cells in table:
        want = rows[row_name(cells[0])]
        where = f"{lang}, #speed, {row_name(cells[0])}"
        assert number(cells[1]) == round(want["median_images_per_second"]), where
        assert [number(c) for c in cells[2].split(",")] == [round(r) for r in want["runs"]], where
        assert number(cells[3]) == round(want["ratio_to_keras_defaults"], 2), where
        assert number(cells[4]) == round(want["ratio_to_keras_b128"], 2), where
        assert number(cells[5]) == round(want["gflops"], 1), where
        assert number(cells[6]) == round(100 * want["gflops"] / peak), where


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_gradient_switch_table_is_training_speed_5(lang):
    speed = record("training_speed_5.json")
    rows = {row["name"]: row for row in speed["rows"]}
    table = table_with(page(lang), "`package_forward_gradients`", 4)
    assert {row_name(r[0]) for r in table} == set(rows)
    assert f'`"{speed["auto_gradients"]}"`' in table[2][0]  # what "auto" chose
    for cells in table:
        want = rows[row_name(cells[0])]
        where = f"{lang}, #gradient-switch, {row_name(cells[0])}"
        assert number(cells[1]) == round(want["median_images_per_second"]), where
        assert number(cells[2]) == round(want["ratio_to_keras_defaults"], 2), where
        assert number(cells[3]) == round(want["ratio_to_keras_b128"], 2), where


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_accuracy_table_is_the_five_epoch_record(lang):
    runs = record("mnist_5_epochs.json")["runs"]
    cosine, constant = ({e["epoch"]: e for e in runs[name]["summary"]["epochs"]}
                        for name in ("cosine", "constant"))
    table = next(t[1:] for t in tables(page(lang)) if len(t[0]) == 5 and t[1][0] == "1")
    *per_epoch, test_once = table
    assert [int(number(r[0])) for r in per_epoch] == sorted(cosine) == sorted(constant)
    for cells in per_epoch:
        n = int(number(cells[0]))
        where = f"{lang}, #accuracy, epoch {n}"
        assert number(cells[1]) == cosine[n]["eval_accuracy"], where
        assert number(cells[2]) == round(cosine[n]["seconds"]), where
        assert number(cells[3]) == constant[n]["eval_accuracy"], where
        lecture = LECTURE_TEST_ACCURACY.get(n)
        assert (number(cells[4]) if lecture else cells[4]) == (lecture or "—"), where
    assert number(test_once[1]) == runs["cosine"]["summary"]["test_accuracy"], f"{lang}, test"
    assert number(test_once[3]) == runs["constant"]["summary"]["test_accuracy"], f"{lang}, test"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_seed_table_is_the_one_epoch_record(lang):
    runs = record("one_epoch_accuracy.json")["one_epoch_test_accuracy"]
    table = table_with(page(lang), "0.001", 5)
    for cells, key in zip(table, ("constant, batch 128", "cosine, batch 128")):
        want = runs[key]
        values = [want[f"seed {s}"] for s in range(3)]
        flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
        assert [number(c) for c in cells[1].split(",")] == (
            values[0] if isinstance(values[0], list) else [values[0]]), f"{lang}, {key}"
        assert [number(cells[2]), number(cells[3])] == values[1:], f"{lang}, {key}"
        assert number(cells[4]) == min(flat), f"{lang}, {key}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_history_table_is_its_records(lang):
    table = table_with(page(lang), "`training_speed_4.json`", 7)
    for cells in table:
        name = re.search(r"`([\w.]+)`", cells[1]).group(1)
        speed = record(name.replace(".txt", ".json"))
        rows = {row["name"]: row["median_images_per_second"] for row in speed["rows"]}
        package, b32, b128 = rows["package_default"], rows["keras_fit_defaults_b32"], \
            rows["keras_fit_b128"]
        assert [number(c) for c in cells[2:]] == [
            round(package), round(b32), round(package / b32, 2), round(b128),
            round(package / b128, 2)], f"{lang}, #history, {name}"


def test_the_tables_are_read_as_numbers():
    text = "| a | b |\n| --- | ---: |\n| `x_y`: z | **1,024** |\n\n| c |\n| --- |\n| 25 % |\n"
    assert tables(text) == [[["a", "b"], ["`x_y`: z", "**1,024**"]], [["c"], ["25 %"]]]
    assert number("**1,024**") == 1024 and number("25 %") == 25 and row_name("`x_y`: z") == "x_y"


def _speed4() -> dict[str, dict]:
    return {row["name"]: row for row in record("training_speed_4.json")["rows"]}


#: How each language writes a ratio, a range and a percentage.
STYLE = {"en": {"times": "×", "to": "–", "percent": " %"},
         "ko": {"times": "배", "to": "~", "percent": "%"}}


def _prose_numbers(lang: str) -> dict[str, list[str]]:
    """Numbers the prose of each section restates from the records, as ``lang`` prints them."""
    style = STYLE[lang]
    rows = _speed4()
    med = {name: round(row["median_images_per_second"]) for name, row in rows.items()}
    exact = {name: row["median_images_per_second"] for name, row in rows.items()}
    default = exact["package_default"]
    seeds = record("one_epoch_accuracy.json")["one_epoch_test_accuracy"]
    cosine = min(seeds["cosine, batch 128"].values())
    constant = min(v for value in seeds["constant, batch 128"].values()
                   for v in (value if isinstance(value, list) else [value]))

    def times(a: str, b: str = "package_default") -> str:
        return f"{exact[a] / exact[b]:.2f}{style['times']}"

    def span(name: str) -> str:
        runs = rows[name]["runs"]
        return f"{round(min(runs))}{style['to']}{round(max(runs))}"

    peak = record("training_speed_4.json")["machine"]["peak_gflops"]
    gflops = rows["package_default"]["gflops"]
    full = record("mnist_5_epochs.json")["runs"]
    cosine_epochs = full["cosine"]["summary"]["epochs"]
    constant_epochs = full["constant"]["summary"]["epochs"]
    seconds = [e["seconds"] for e in cosine_epochs + constant_epochs]
    minutes, rest = full["cosine"]["wall_clock"].split(":")
    wall = (f"{int(minutes)} min {round(float(rest))} s" if lang == "en"
            else f"{int(minutes)}분 {round(float(rest))}초")
    kib = full["cosine"]["peak_rss_kib"]
    gap = 100 * (cosine_epochs[-1]["eval_accuracy"] - constant_epochs[-1]["eval_accuracy"])
    return {
        "accuracy": [f"{gap:.2f}", f"{full['cosine']['summary']['test_accuracy']:.4f}",
                     f"{full['constant']['summary']['test_accuracy']:.4f}",
                     f"{round(min(seconds))}{style['to'] if lang == 'ko' else ' to '}"
                     f"{round(max(seconds))}", wall, f"{kib / 2 ** 20:.2f} GiB", f"{kib:,} KiB"],
        "speed": [str(med["package_default"]), str(med["package_before_backprop_and_fused_adam"])],
        "backprop": [str(med["package_tf_gradients"]), str(med["package_default"]),
                     times("package_default", "package_tf_gradients")],
        "fused-adam": [str(med["package_keras_adam"]), times("package_default", "package_keras_adam"),
                       span("package_keras_adam"), span("package_default")],
        "levers": [str(med["package_float16"]), times("package_float16"),
                   str(med["package_xla"]), times("package_xla"),
                   str(med["package_b256"]), times("package_b256"),
                   f"{round(min(rows['package_b256']['runs']))}",
                   f"{round(max(rows['package_b256']['runs']))}",
                   *(f"{v:.4f}" for v in seeds["constant, batch 256"].values())],
        "targets": [f"{cosine:.4f}", f"{constant:.4f}",
                    times("package_default", "keras_fit_defaults_b32"),
                    str(med["keras_fit_defaults_b32"]),
                    times("package_default", "keras_fit_b128"), str(med["keras_fit_b128"]),
                    times("package_default", "package_tf_gradients"),
                    f"{100 * gflops / peak:.0f}{style['percent']}", f"{gflops:.1f} GFLOP/s"],
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_prose_restates_the_records(lang):
    from docs_hooks.translations import sections

    found = sections(page(lang))
    missing = [f"#{anchor}: {value}" for anchor, values in _prose_numbers(lang).items()
               for value in values if value not in found[anchor]]
    assert not missing, f"docs/{lang}/benchmarks.md no longer says what the records hold: {missing}"
