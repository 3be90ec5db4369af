"""The plugin's options: what ``plugins: - cnn-tutorial:`` in ``mkdocs.yml`` accepts.

Each option is documented here and in the contributor guide (CONTRIBUTING.md,
"The site's build"). Paths are relative to the folder of ``mkdocs.yml``.
"""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class PositiveInt(c.Type):
    """A whole number above zero (``cell_timeout``, ``jobs``)."""

    def __init__(self, **kwargs):
        super().__init__(int, **kwargs)

    def run_validation(self, value):
        value = super().run_validation(value)
        if isinstance(value, bool) or value <= 0:
            raise base.ValidationError(f"expected a whole number above 0, got {value!r}")
        return value


class CellsConfig(base.Config):
    """How code cells are drawn: mkdocs-jupyter's rendering options, same names and defaults."""

    #: nbconvert's theme ("" is the light one).
    theme = c.Type(str, default="")
    #: Show code cells' source.
    show_input = c.Type(bool, default=True)
    #: Hide every code cell's source (outputs only).
    no_input = c.Type(bool, default=False)
    #: Hide the In/Out prompts.
    no_prompt = c.Type(bool, default=False)
    #: nbconvert's TagRemovePreprocessor settings (cells hidden by tag).
    remove_tag_config = c.Type(dict, default={})
    #: Extra CSS classes of the highlighted code blocks.
    highlight_extra_classes = c.Type(str, default="")


class CnnTutorialConfig(base.Config):
    """Options of :class:`~docs_hooks.plugin.plugin.CnnTutorialPlugin`."""

    #: The one cache root: notebooks/ (executions, rendered pages, figures, the
    #: wheel), jinja/, search/, playground/ live under it. Every entry unused for
    #: ``cache_days`` days is deleted (one rule for all of them).
    cache_dir = c.Type(str, default=".cache")
    #: Days an unused cache entry is kept.
    cache_days = PositiveInt(default=30)
    #: The notebook cache's folder, when it lives elsewhere than ``<cache_dir>/notebooks``
    #: (mkdocs.yml reads ``$CNN_TUTORIAL_NOTEBOOK_CACHE``: CI and worktrees share one).
    notebook_cache = c.Optional(c.Type(str))
    #: Seconds a code cell may run before the build fails. Unset: ``$CNN_TUTORIAL_CELL_TIMEOUT``
    #: (what CI sets), else 900.
    cell_timeout = c.Optional(PositiveInt())
    #: Chapters executed at once on a cache miss. Unset: min(2, CPU count).
    jobs = c.Optional(PositiveInt())
    #: The Jupyter kernel that runs the chapters.
    kernel = c.Type(str, default="python3")
    #: Repository URL for "Open in Colab", "Report a problem" and the notebooks'
    #: install cell. Unset: MkDocs' ``repo_url``.
    repo_url = c.Optional(c.Type(str))
    #: How code cells are drawn (mkdocs-jupyter's options).
    cells = c.SubConfig(CellsConfig)
