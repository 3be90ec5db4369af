"""``python -m cnn_tutorial``: the same as the ``cnn-tutorial`` command."""

import sys

from cnn_tutorial.cli import main

if __name__ == "__main__":
    sys.exit(main())
