"""Everything the build takes from other packages' internals, in one place.

These are not public APIs: an upgrade of mkdocs-jupyter or mkdocs-static-i18n
may move or rename them. :func:`check` names whatever is missing, and
``tests/docs/test_adapters.py`` runs it in a second, so an upgrade fails one
fast test with one clear message instead of a site build half-way through.

* mkdocs-jupyter: ``nbconvert2.get_nbconvert_app`` (the nbconvert settings its
  own pages use), ``config.settings.templates_dir`` (its Jinja templates, which
  ``cnn_notebook.html.j2`` extends) and ``mkdocs_html/assets/clipboard.umd.js``
  there (the copy buttons' element).
* mkdocs-static-i18n: the plugin's ``building`` (true during the inner builds
  of the other languages), ``current_language``, ``default_language`` and
  ``config.languages``.
* Material for MkDocs (the search part, ``docs_hooks/search.py``): its search
  worker ``assets/javascripts/workers/search.<hash>.min.js``, the page's
  ``<script id="__config">`` that names the worker (``search``) and the site's
  root (``base``), and the worker's messages (``SETUP`` 0 answered by ``READY``
  1, ``QUERY`` 2 by ``RESULT`` 3), which ``docs_hooks/search_worker.js`` wraps.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

#: The copy buttons' element, relative to mkdocs-jupyter's templates folder.
CLIPBOARD_SCRIPT = Path("mkdocs_html", "assets", "clipboard.umd.js")
#: Attributes of mkdocs-static-i18n's plugin object that the build reads.
I18N_ATTRIBUTES = ("building", "current_language", "default_language")
#: Where Material's search worker lives, relative to the site root (and its templates).
MATERIAL_WORKERS = "assets/javascripts/workers/"
#: The file name of Material's search worker.
MATERIAL_WORKER = re.compile(r"search\.[0-9a-f]+\.min\.js$")
#: The element of the page's configuration, which Material's bundle reads (``base.html``).
MATERIAL_CONFIG_TAG = '<script id="__config" type="application/json">'
#: That element in a built page: (opening tag)(JSON)(closing tag).
MATERIAL_CONFIG = re.compile(f"({re.escape(MATERIAL_CONFIG_TAG)})(.*?)(</script>)", re.DOTALL)
#: In the worker: SETUP (0) returns READY (1), QUERY (2) returns RESULT (3) with the data.
_MATERIAL_MESSAGES = re.compile(r"case 0:return .{0,160}?\{type:1\};case 2:.{0,120}?"
                                r"\{type:3,data:", re.DOTALL)


class LibraryChanged(PluginError):
    """Another package no longer has what the build uses of its internals."""


def nbconvert_app(**options: Any):
    """mkdocs-jupyter's nbconvert application (its config), for ``options``."""
    from mkdocs_jupyter import nbconvert2

    return nbconvert2.get_nbconvert_app(**options)


def templates_dir() -> str:
    """mkdocs-jupyter's templates folder."""
    from mkdocs_jupyter.config import settings

    return settings.templates_dir


def clipboard_script() -> Path:
    """The file of mkdocs-jupyter's ``<clipboard-copy>`` element."""
    return Path(templates_dir()) / CLIPBOARD_SCRIPT


def material_templates() -> Path:
    """Material for MkDocs' templates folder (the theme's ``base.html`` and assets)."""
    import material

    return Path(material.__file__).parent / "templates"


def material_workers(folder: Path) -> list[Path]:
    """Material's search workers in ``folder`` (a built site or Material's templates)."""
    workers = Path(folder) / MATERIAL_WORKERS
    return sorted(p for p in workers.glob("search.*.min.js") if MATERIAL_WORKER.search(p.name))


def _check_material() -> list[str]:
    problems = []
    templates = material_templates()
    workers = material_workers(templates)
    if len(workers) != 1:
        problems.append(f"Material ships {len(workers)} search workers matching "
                        f"{MATERIAL_WORKERS}search.<hash>.min.js, expected 1")
    elif not _MATERIAL_MESSAGES.search(workers[0].read_text(encoding="utf-8")):
        problems.append(f"Material's worker {workers[0].name} no longer answers SETUP (0) with "
                        "READY (1) and QUERY (2) with RESULT (3) (docs_hooks/search_worker.js)")
    base = (templates / "base.html").read_text(encoding="utf-8")
    if MATERIAL_CONFIG_TAG not in base:
        problems.append(f"Material's base.html has no {MATERIAL_CONFIG_TAG}")
    for key in ('"base": base_url', f'"search": "{MATERIAL_WORKERS}search.'):
        if key not in base:
            problems.append(f"Material's page configuration lacks {key}")
    return problems


def i18n_state(config) -> tuple[bool, str | None, str | None, tuple[str, ...]]:
    """``(inner build, current language, default language, languages built)``.

    ``(False, None, None, ())`` when the i18n plugin is not configured.
    """
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return False, None, None, ()
    languages = tuple(lang.locale for lang in i18n.config.languages if lang.build)
    return (bool(i18n.building), i18n.current_language, i18n.default_language, languages)


def check() -> list[str]:
    """What is missing of the internals above: one line each (empty when all is there)."""
    import inspect

    problems = []
    try:
        from mkdocs_jupyter import nbconvert2

        parameters = set(inspect.signature(nbconvert2.get_nbconvert_app).parameters)
        wanted = {"execute", "allow_errors", "show_input", "no_input", "no_prompt",
                  "remove_tag_config"}
        if not wanted <= parameters:
            problems.append("mkdocs_jupyter.nbconvert2.get_nbconvert_app lacks the parameters "
                            f"{sorted(wanted - parameters)}")
    except (ImportError, AttributeError) as error:
        problems.append(f"mkdocs_jupyter.nbconvert2.get_nbconvert_app: {error}")
    try:
        folder = Path(templates_dir())
        if not (folder / "mkdocs_html").is_dir():
            problems.append(f"mkdocs-jupyter's templates folder {folder} has no mkdocs_html/ "
                            "(cnn_notebook.html.j2 extends it)")
        if not clipboard_script().is_file():
            problems.append(f"mkdocs-jupyter no longer ships {CLIPBOARD_SCRIPT} "
                            "(the copy buttons' element)")
    except (ImportError, AttributeError) as error:
        problems.append(f"mkdocs_jupyter.config.settings.templates_dir: {error}")
    try:
        from mkdocs_static_i18n.plugin import I18n

        plugin = I18n()
        # Instance attributes (set in __init__) or properties (read only once configured).
        missing = [name for name in I18N_ATTRIBUTES
                   if name not in vars(plugin) and not hasattr(type(plugin), name)]
        if missing:
            problems.append(f"mkdocs-static-i18n's plugin lacks {missing}")
    except Exception as error:  # noqa: BLE001 - any failure here is the message
        problems.append(f"mkdocs_static_i18n.plugin.I18n: {type(error).__name__}: {error}")
    try:
        problems += _check_material()
    except (ImportError, OSError) as error:
        problems.append(f"Material for MkDocs' templates: {error}")
    return problems


def require() -> None:
    """Raise :class:`LibraryChanged` naming everything :func:`check` finds missing."""
    problems = check()
    if problems:
        raise LibraryChanged("a library the site's plugin relies on changed (see "
                             "docs_hooks/adapters.py): " + "; ".join(problems))
