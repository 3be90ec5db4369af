"""Plugin part: a 404 page in each language (``404.html`` and ``en/404.html``).

mkdocs-static-i18n builds the site once per language into the same folder, and
each build renders the theme's ``404.html`` at the site's root: the last
language built (English) overwrote the Korean page, and no English page was
kept under ``en/``. This part keeps the default language's page at the root
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

log = logging.getLogger("mkdocs.plugins.cnn_tutorial.not_found")

TEMPLATE = "404.html"


def page(context: Any, output_content: str, template_name: str, config: Any) -> str:
    """Keep the default language's 404 page at the root; write the others under their folder."""
    if template_name != TEMPLATE or len(context.languages) < 2:
        return output_content
    if context.language == context.default_language:
        context.default_404 = output_content
        return output_content
    target = Path(config["site_dir"]) / context.language / TEMPLATE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(output_content, encoding="utf-8")
    log.debug("not_found: wrote %s", target)
    # The root keeps the default language's page, rendered earlier in this build.
    return context.default_404 or output_content
