"""MkDocs hook: a 404 page in each language (``404.html`` and ``en/404.html``).

mkdocs-static-i18n builds the site once per language into the same folder, and
each build renders the theme's ``404.html`` at the site's root: the last
language built (English) overwrote the Korean page, and no English page was
kept under ``en/``. This hook keeps the default language's page at the root
and writes every other language's page into that language's folder (hosts
such as Cloudflare Pages serve the nearest ``404.html``; GitHub Pages serves
the root one). mkdocs renders a 404 page with links from the site's root
(``site_url``'s path, or ``/`` without one), since it is shown at any depth:
with ``site_url`` set it is styled under a project sub-path too.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.not_found")

TEMPLATE = "404.html"
_default_page: dict[str, str] = {}


def _i18n(config: Any):
    plugins = config["plugins"]
    return plugins.get("i18n") if hasattr(plugins, "get") else None


def on_post_template(output_content: str, template_name: str, config: Any) -> str:
    """Keep the default language's 404 page at the root; write the others under their folder."""
    if template_name != TEMPLATE:
        return output_content
    i18n = _i18n(config)
    if i18n is None or getattr(i18n, "current_language", None) is None:
        return output_content
    if i18n.is_default_language_build:
        _default_page[config["site_dir"]] = output_content
        return output_content
    link = i18n.current_language_config.link.strip("/")
    target = Path(config["site_dir"]) / link / TEMPLATE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(output_content, encoding="utf-8")
    log.debug("not_found: wrote %s", target)
    # The root keeps the default language's page, rendered earlier in this build.
    return _default_page.get(config["site_dir"], output_content)
