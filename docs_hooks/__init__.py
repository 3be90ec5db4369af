"""MkDocs hooks of the cnn-tutorial site (listed under ``hooks:`` in ``mkdocs.yml``).

* :mod:`docs_hooks.notebooks`: executes the chapters (with a cache) and renders them.
* :mod:`docs_hooks.reference`: compiled mkdocstrings templates kept between builds.
* :mod:`docs_hooks.playground`: the sample photo of the in-page convolution widget.
* :mod:`docs_hooks.explainer`: the exported convnet of the "Draw a digit" chapter.
* :mod:`docs_hooks.trainer`: the training images of the in-browser trainer.

MkDocs loads a hook file by its path; each hook file makes this package
importable by name first, so the hooks and the tests import the same modules.
"""
