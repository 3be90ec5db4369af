"""Running a chapter's code cells in a Jupyter kernel, and checking the outputs.

Code cells run in a fresh kernel (nbclient, ``allow_errors=False``, cwd =
repository root, ``CNN_TUTORIAL_*`` passed through, matplotlib inline). A cell
that raises or times out fails the build with the cell and the traceback; so
does an output holding a traceback or a warning, whether it was just executed
or read from the cache.

The kernel's own standard error (C++ lines from TensorFlow, which Python's
``sys.stderr`` never sees) is read back after the run: TensorFlow's known
start-up notices are dropped, anything else is shown in the build's output.
"""

from __future__ import annotations

import concurrent.futures
import copy
import json
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from mkdocs.exceptions import PluginError

from . import claims as page_claims
from . import solutions as page_solutions
from .chapters import code_cells, read_notebook
from .fingerprint import cache_key, environment_versions
from .store import ExecutionCache

log = logging.getLogger("mkdocs.hooks.notebooks")

ROOT = Path(__file__).resolve().parents[2]
#: Environment variable: seconds a cell may run before the build fails.
TIMEOUT_VARIABLE = "CNN_TUTORIAL_CELL_TIMEOUT"
DEFAULT_CELL_TIMEOUT_S = 900
#: Set in the kernel's environment (the site refuses to build from inside a chapter).
IN_KERNEL_VARIABLE = "CNN_TUTORIAL_DOCS_KERNEL"

# Run in the kernel after the chapter's own cells; its output is stored with the
# cache entry and never shown. TensorFlow's version comes from the module the
# chapter actually used when it imported one.
VERSION_PROBE = """\
import importlib.metadata as _m, json as _json, platform as _p, sys as _s
_tf = _s.modules.get("tensorflow")
try:
    _tf_version = _tf.__version__ if _tf is not None else _m.version("tensorflow")
except Exception:
    _tf_version = None
print(_json.dumps({"tensorflow": _tf_version, "python": _p.python_version()}))
"""

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class NotebookExecutionError(PluginError):
    """A chapter's cell raised, timed out or printed a traceback or warning."""


def cell_timeout(environ: dict[str, str] | None = None) -> int:
    """Seconds a cell may run: ``CNN_TUTORIAL_CELL_TIMEOUT`` or 900.

    Raises:
        PluginError: the variable is not a positive whole number of seconds.
    """
    environ = os.environ if environ is None else environ
    raw = environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_CELL_TIMEOUT_S
    try:
        seconds = int(raw)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise PluginError(f"{TIMEOUT_VARIABLE} must be a positive whole number of seconds "
                          f"(e.g. 900), got {raw!r}")
    return seconds


# ipykernel 7's notice for a kernel on localhost TCP, which is how nbclient starts it.
_KERNEL_NOTICE = re.compile(r"\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption\..*")


def _is_start_up_notice(line: str) -> bool:
    """TensorFlow's C++ start-up notices (the rule the CLI uses) and the kernel's own."""
    from cnn_tutorial._quiet import is_noise

    return is_noise(line) or _KERNEL_NOTICE.fullmatch(line) is not None


def kernel_env() -> dict[str, str]:
    """Environment of the kernel: ours (CNN_TUTORIAL_* included) plus inline plots."""
    env = dict(os.environ)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # TensorFlow's C++ INFO lines (oneDNN notices) are not warnings; keep W and E.
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.pop("JPY_PARENT_PID", None)
    env[IN_KERNEL_VARIABLE] = "1"
    return env


def _show_kernel_stderr(name: str, text: str) -> str:
    """Write the kernel's stderr lines that are not TensorFlow notices to ours; return them."""
    kept = "".join(line for line in text.splitlines(keepends=True)
                   if line.strip() and not _is_start_up_notice(line.rstrip("\r\n")))
    if kept:
        sys.stderr.write(f"{name}: the kernel wrote to its standard error:\n{kept}")
        sys.stderr.flush()
    return kept


def execute_cells(sources: Sequence[str], *, name: str, cwd: str | os.PathLike = ROOT,
                  timeout: int | None = None, kernel_name: str = "python3",
                  claims: Sequence[str] = (), solutions: Sequence[str] = ()) -> dict[str, Any]:
    """Run ``sources`` in a fresh kernel; return outputs per cell and the run's versions.

    ``claims`` (expressions, see ``claims.py``) are evaluated after the cells; their
    results are the entry's ``"claims"`` (``None`` when there are none). Then the
    ``solutions`` (code blocks, see ``solutions.py``) run; their results are the
    entry's ``"solutions"`` (``None`` when there are none).

    Raises:
        NotebookExecutionError: a cell raised or timed out, or the kernel died; the
            message shows the chapter, the cell and the traceback.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import (
        CellExecutionError,
        CellTimeoutError,
        DeadKernelError,
    )

    notebook = nbformat.v4.new_notebook()
    probes = [*([page_claims.probe_source(claims)] if claims else []),
              *([page_solutions.probe_source(solutions)] if solutions else [])]
    notebook.cells = [nbformat.v4.new_code_cell(src)
                      for src in [*sources, *probes, VERSION_PROBE]]
    client = NotebookClient(
        notebook, timeout=cell_timeout() if timeout is None else timeout,
        kernel_name=kernel_name, allow_errors=False,
        resources={"metadata": {"path": str(cwd)}}, record_timing=False,
        # C-level stderr (TensorFlow's C++ lines) goes to the kernel process's
        # stderr, read back below; Python warnings still reach the outputs.
        extra_arguments=["--IPKernelApp.capture_fd_output=False"])
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+b") as kernel_stderr:
        try:
            # Keyword arguments reach the kernel's Popen (jupyter_client's launch_kernel).
            client.execute(env=kernel_env(), stderr=kernel_stderr)
        except CellExecutionError as error:
            message = _ANSI.sub("", str(error))
            raise NotebookExecutionError(f"{name}: a cell raised an error\n{message}") from None
        except (CellTimeoutError, DeadKernelError) as error:
            kernel_stderr.seek(0)
            tail = kernel_stderr.read().decode("utf-8", "replace")[-2000:]
            raise NotebookExecutionError(
                f"{name}: {type(error).__name__}: {error}\n{tail}".rstrip()) from None
        finally:
            kernel_stderr.seek(0)
            _show_kernel_stderr(name, kernel_stderr.read().decode("utf-8", "replace"))
    run_info = _probe_result(notebook.cells.pop())
    solution_results = page_solutions.probe_results(notebook.cells.pop().get("outputs", [])) \
        if solutions else None
    claim_results = page_claims.probe_results(notebook.cells.pop().get("outputs", [])) \
        if claims else None
    return {
        "claims": claim_results,
        "solutions": solution_results,
        "cells": [{"outputs": cell.get("outputs", []),
                   "execution_count": cell.get("execution_count")}
                  for cell in notebook.cells],
        "tensorflow": run_info.get("tensorflow"),
        "python": run_info.get("python"),
        "executed_at": time.strftime("%Y-%m-%d", time.gmtime()),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _probe_result(probe: nbformat.NotebookNode) -> dict[str, Any]:
    """What :data:`VERSION_PROBE` printed (its last JSON line)."""
    printed = "".join(o.get("text", "") for o in probe.get("outputs", [])
                      if o.get("output_type") == "stream" and o.get("name") == "stdout")
    lines = [ln for ln in printed.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def output_problems(entry: dict[str, Any], sources: Sequence[str] | None = None) -> list[str]:
    """Tracebacks, errors and warnings in the outputs of an execution entry."""
    problems = []
    cells = entry.get("cells")
    if not isinstance(cells, list):
        return ["the entry has no list of cells"]
    for index, cell in enumerate(cells):
        where = f"code cell {index + 1}"
        if sources is not None and index < len(sources):
            first = sources[index].strip().splitlines()[:1]
            where += f" ({first[0][:60]!r})" if first else ""
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                problems.append(f"{where}: error output {output.get('ename')}: {output.get('evalue')}")
                continue
            if kind == "stream":
                text = str(output.get("text", ""))
            else:
                text = str(output.get("data", {}).get("text/plain", ""))
            if "Traceback (most recent call last)" in text:
                problems.append(f"{where}: output contains a traceback:\n{text[-800:]}")
            elif kind == "stream" and output.get("name") == "stderr" and re.search(
                    r"warn", text, re.IGNORECASE):
                problems.append(f"{where}: a warning on stderr:\n{text[-800:]}")
    return problems


@dataclass
class Chapter:
    """One notebook page: its file, its notebook and its cache key."""

    path: Path
    notebook: nbformat.NotebookNode = field(repr=False)
    key: str

    @property
    def sources(self) -> list[str]:
        return code_cells(self.notebook)

    @property
    def claims(self) -> list[str]:
        """The expressions of the page's ``<!-- claim: ... -->`` lines, in order."""
        return page_claims.notebook_claims(self.notebook)

    @property
    def solutions(self) -> list[str]:
        """The code blocks of the page's worked solutions, in order."""
        return page_solutions.notebook_solutions(self.notebook)


def _key_sources(notebook: nbformat.NotebookNode) -> list[str]:
    """What the key covers of the page: its code cells and, when it has any, its claims
    and its solutions."""
    expressions = page_claims.notebook_claims(notebook)
    blocks = page_solutions.notebook_solutions(notebook)
    return [*code_cells(notebook),
            *([page_claims.probe_source(expressions)] if expressions else []),
            *([page_solutions.probe_source(blocks)] if blocks else [])]


def load_chapter(path: str | os.PathLike, package_hash: str,
                 notebook: nbformat.NotebookNode | None = None,
                 versions: dict[str, str] | None = None) -> Chapter:
    """The chapter at ``path``.

    Args:
        path: The chapter's ``.md`` file.
        package_hash: Digest of the package files (see :mod:`.fingerprint`).
        notebook: Its :func:`~.chapters.read_notebook`, if already read.
        versions: :func:`~.fingerprint.environment_versions`, if already known.
    """
    notebook = read_notebook(path) if notebook is None else notebook
    versions = environment_versions() if versions is None else versions
    return Chapter(Path(path), notebook, cache_key(_key_sources(notebook), package_hash, versions))


def display_path(path: Path | str) -> str:
    """``path`` relative to the repository when inside it (for messages)."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _check(chapter: Chapter, entry: dict[str, Any], where: str) -> None:
    problems = output_problems(entry, chapter.sources)
    if problems:
        raise NotebookExecutionError(
            f"{display_path(chapter.path)}: {where} must not contain tracebacks or warnings "
            "(fix the cause):\n" + "\n".join(problems))


def ensure_executed(chapters: Sequence[Chapter], cache: ExecutionCache, *,
                    jobs: int | None = None, cwd: str | os.PathLike = ROOT,
                    timeout: int | None = None, kernel_name: str = "python3",
                    ) -> dict[str, dict[str, Any]]:
    """Execution entries for ``chapters``, running each distinct cache miss once.

    Chapters with the same key (a chapter's Korean and English pages) share one
    execution. Cached and fresh outputs are checked alike. ``jobs`` chapters run
    at once (default: min(2, CPU count)), each cell for at most ``timeout`` seconds
    (default: :func:`cell_timeout`), in the kernel ``kernel_name``. Returns
    ``{key: entry}``; logs "cache hit" or "executed" per key.
    """
    entries: dict[str, dict[str, Any]] = {}
    missing: dict[str, Chapter] = {}
    for chapter in chapters:
        if chapter.key in entries or chapter.key in missing:
            continue
        entry = cache.get(chapter.key)
        if entry is None:
            missing[chapter.key] = chapter
        else:
            _check(chapter, entry, "cached outputs")
            entries[chapter.key] = entry
            log.info("notebook cache hit: %s", display_path(chapter.path))

    if missing:
        entries.update(_execute_missing(list(missing.values()), cache, jobs=jobs, cwd=cwd,
                                        timeout=timeout, kernel_name=kernel_name))
    _check_probes(chapters, entries)
    return entries


def _check_probes(chapters: Sequence[Chapter], entries: dict[str, dict[str, Any]]) -> None:
    """Fail on any false claim (naming the page's sentence) and on any worked solution
    that raised, warned or printed other than its page says (both languages of a key)."""
    found = {"sentences that their chapter's results no longer support (fix the prose or "
             "the claim):": [],
             "worked solutions that no longer run as their page shows (fix the solution):": []}
    claim_lines, solution_lines = found.values()
    for chapter in chapters:
        entry, page = entries[chapter.key], display_path(chapter.path)
        claims = page_claims.page_claims(chapter.path.read_text(encoding="utf-8"))
        if claims:
            claim_lines += page_claims.failures(claims, entry.get("claims"), page)
        blocks = chapter.solutions
        if blocks:
            solution_lines += page_solutions.failures(blocks, entry.get("solutions"), page)
    if claim_lines or solution_lines:
        raise NotebookExecutionError("\n\n".join(
            "\n".join([heading, *lines]) for heading, lines in found.items() if lines))


def _execute_missing(chapters: list[Chapter], cache: ExecutionCache, *, jobs: int | None,
                     cwd: str | os.PathLike, timeout: int | None = None,
                     kernel_name: str = "python3") -> dict[str, dict[str, Any]]:
    """Execute ``chapters`` (distinct keys) in parallel, check and store each result."""

    def run(chapter: Chapter) -> tuple[str, dict[str, Any]]:
        with cache.lock(chapter.key):
            # Another process (a test worker, a second build) may have run it meanwhile.
            entry = cache.get(chapter.key, warn=False)
            if entry is not None:
                _check(chapter, entry, "cached outputs")
                log.info("notebook cache hit: %s (executed meanwhile by another process)",
                         display_path(chapter.path))
                return chapter.key, entry
            entry = execute_cells(chapter.sources, name=display_path(chapter.path), cwd=cwd,
                                  claims=chapter.claims, solutions=chapter.solutions,
                                  timeout=timeout, kernel_name=kernel_name)
            _check(chapter, entry, "outputs")
            cache.put(chapter.key, entry)
        log.info("notebook executed: %s (%.1f s)", display_path(chapter.path), entry["seconds"])
        return chapter.key, entry

    jobs = jobs or min(2, os.cpu_count() or 1)
    # Longest chapters first would be ideal; code size is a fair proxy.
    order = sorted(chapters, key=lambda c: -sum(map(len, c.sources)))
    entries, errors = {}, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in [pool.submit(run, chapter) for chapter in order]:
            try:
                key, entry = future.result()
                entries[key] = entry
            except NotebookExecutionError as error:
                errors.append(str(error))
    if errors:
        raise NotebookExecutionError("\n\n".join(errors))
    return entries


def merge_outputs(notebook: nbformat.NotebookNode, entry: dict[str, Any]) -> nbformat.NotebookNode:
    """A copy of ``notebook`` whose code cells carry the cached outputs (matched by position)."""
    merged = copy.deepcopy(notebook)
    cells = [cell for cell in merged.cells if cell.cell_type == "code"]
    if len(cells) != len(entry["cells"]):
        raise NotebookExecutionError(
            f"cache entry has {len(entry['cells'])} code cells, the notebook {len(cells)}")
    for cell, result in zip(cells, entry["cells"]):
        cell.outputs = [nbformat.from_dict(o) for o in result["outputs"]]
        cell.execution_count = result["execution_count"]
    return merged
