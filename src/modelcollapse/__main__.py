"""``python -m modelcollapse`` runs the command line."""

from modelcollapse.cli.main import app

app(prog_name="modelcollapse")
