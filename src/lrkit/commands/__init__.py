"""One module per command-line verb (see :mod:`lrkit.cli`)."""
