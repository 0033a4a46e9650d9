"""``python -m lrkit ...``: the ``lrkit`` command (:func:`lrkit.cli.main`)."""

import sys

from .cli import main

if __name__ == "__main__":  # not when a test collector imports the module
    sys.exit(main())
