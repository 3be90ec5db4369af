"""Fixtures of the site tests: the built site served under a project sub-path
(``site_subpath_url`` of tests/browser.py)."""

from browser import site_subpath_url  # noqa: F401 - a fixture
