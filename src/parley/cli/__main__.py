"""`python -m parley.cli`."""

from parley.cli.main import app

app()
