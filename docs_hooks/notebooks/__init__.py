"""Execute the chapters once, cache the results, render them with the site's Markdown.

The chapters are Jupytext Markdown notebooks (``docs/ko/X.md``, ``docs/en/X.md``).
One module per concern, in the order a build uses them:

* :mod:`.chapters`: reading a chapter and the fence rule (which fences run).
* :mod:`.fingerprint`: the cache key (code cells, package files, environment).
* :mod:`.store`: :class:`~.store.ExecutionCache`, the JSON entries on disk.
* :mod:`.claims`, :mod:`.solutions`: the sentences pinned to results, and the worked
  solutions, both run in the chapter's kernel after its cells.
* :mod:`.execute`: running the code cells in a kernel and checking the outputs.
* :mod:`.figures`: figures written as image files beside the page, with alt text.
* :mod:`.render`: the page's HTML (prose by MkDocs, cells by mkdocs-jupyter).
* :mod:`.export`: the downloadable ``.ipynb``, its install cell and the Colab link.
* :mod:`.site`: :class:`~.site.NotebookSite`, what the part keeps during one site build
  (the plugin, :mod:`docs_hooks.plugin`, calls it from its events).
"""
