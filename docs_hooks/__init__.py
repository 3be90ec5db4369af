"""The cnn-tutorial site's MkDocs plugin (``plugins: - cnn-tutorial`` in ``mkdocs.yml``).

:mod:`docs_hooks.plugin` holds the plugin (options, events, the build context);
the parts it calls, in the order of its events:

* :mod:`docs_hooks.notebooks`: executes the chapters (with a cache) and renders them.
* :mod:`docs_hooks.reference`: compiled mkdocstrings templates kept between builds.
* :mod:`docs_hooks.explainer`: the exported convnet of the "Draw a digit" chapter.
* :mod:`docs_hooks.playground`: the sample photo of the in-page convolution widget.
* :mod:`docs_hooks.trainer`: the training images of the in-browser trainer.
* :mod:`docs_hooks.not_found`: a 404 page per language.
* :mod:`docs_hooks.search`: Korean search, one index per language.
* :mod:`docs_hooks.adapters`: what the build uses of other packages' internals.

``pip install -e .`` installs the package and registers the plugin (entry point
``mkdocs.plugins``).
"""
