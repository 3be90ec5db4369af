"""The site's MkDocs plugin (``plugins: - cnn-tutorial`` in ``mkdocs.yml``).

Every event below calls the parts in the order written: this file is where
the order of the build and what the parts share (one :class:`BuildContext`)
can be read. The parts:

* :mod:`docs_hooks.notebooks`: executes the chapters (with a cache) and renders them.
* :mod:`docs_hooks.reference`: cached mkdocstrings templates; links chapters <-> reference.
* :mod:`docs_hooks.explainer`: publishes the convnet "Draw a digit" exported.
* :mod:`docs_hooks.playground`: the sample photo and the network of the playground widgets.
* :mod:`docs_hooks.trainer`: the training images of the in-browser trainer.
* :mod:`docs_hooks.not_found`: a 404 page per language.
* :mod:`docs_hooks.search`: Korean search, one index per language.

mkdocs-static-i18n builds the other languages inside the first build (from its
``on_post_build``, priority -100): each event then runs once per language,
and what concerns the whole site runs once, in the outer build's
``on_post_build`` (priority -200, after the inner builds).
"""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority

from .. import adapters, explainer, not_found, playground, reference, search, trainer
from ..notebooks.execute import IN_KERNEL_VARIABLE, cell_timeout
from .config import CnnTutorialConfig
from .context import BuildContext


class CnnTutorialPlugin(BasePlugin[CnnTutorialConfig]):
    """Executes, renders and publishes the chapters; see the module's docstring."""

    def __init__(self) -> None:
        self.context: BuildContext | None = None

    def _new_context(self, config) -> BuildContext:
        project = Path(config.config_file_path or ".").resolve().parent
        cache_root = project / self.config.cache_dir
        notebook_cache = (project / self.config.notebook_cache if self.config.notebook_cache
                          else cache_root / "notebooks")
        return BuildContext(project_dir=project, cache_root=cache_root,
                            cache_days=self.config.cache_days, notebook_cache=notebook_cache)

    def on_config(self, config):
        if os.environ.get(IN_KERNEL_VARIABLE):
            # A cell that runs `mkdocs` would start builds that execute it again, forever.
            raise PluginError("refusing to build the site from inside a chapter's kernel: "
                              "show shell commands in ```console fences, which do not run")
        inner, *_ = adapters.i18n_state(config)
        if self.context is None or not inner:  # a new site build (mkdocs serve: each rebuild)
            adapters.require()  # a changed library: one clear message, before any work
            self.context = self._new_context(config)
        context = self.context
        context.begin(config)
        timeout = self.config.cell_timeout or cell_timeout()  # a bad variable fails here
        context.notebooks.configure(
            config, cache_dir=context.notebook_cache, cache_days=context.cache_days,
            timeout=timeout, jobs=self.config.jobs, kernel=self.config.kernel,
            repo_url=self.config.repo_url, cells=dict(self.config.cells))
        reference.cache_compiled_templates(config, context.folder("jinja"))
        return config

    def on_files(self, files, config):
        self.context.notebooks.find_and_execute(files, nested=self.context.inner)
        return files

    def on_page_markdown(self, markdown, page, config, files):
        notebooks = self.context.notebooks
        return markdown if notebooks.chapter_of(page) is None else notebooks.page_markdown(page)

    def on_page_content(self, html, page, config, files):
        notebooks = self.context.notebooks
        if notebooks.chapter_of(page) is not None:
            html = notebooks.page_content(html, page)
        return reference.link_page(html, page, files)

    def on_post_page(self, output, page, config):
        self.context.notebooks.write_page_files(page)
        explainer.note_page(self.context, page)
        return search.rewrite_config(output, page.url or "", self.context.folder_languages)

    def on_post_template(self, output_content, template_name, config):
        return not_found.page(self.context, output_content, template_name, config)

    @event_priority(-200)  # after mkdocs-static-i18n's (-100), which runs the inner builds
    def on_post_build(self, config):
        context = self.context
        if context.inner:
            context.end_inner()
            return  # the outer build's on_post_build does the site-wide work, once
        site_dir = Path(config.site_dir)
        context.notebooks.write_assets(site_dir)
        playground.write_assets(site_dir, context.folder("playground"))
        trainer.write(site_dir)
        kept = explainer.publish(context, site_dir)
        search.finish(site_dir, context.folder("search"), context.folder_languages)
        context.prune(keep=kept)
