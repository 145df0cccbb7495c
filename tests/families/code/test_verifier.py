"""The static verifier's classifications on hand-made cases."""

import pytest

from modelcollapse.families.code import StaticVerifier
from modelcollapse.families.code.metrics import default_verifier


@pytest.fixture(scope="module")
def verifier() -> StaticVerifier:
    return default_verifier()


def kinds(verdict):
    return [(f.kind, f.name) for f in verdict.findings]


@pytest.mark.parametrize("source", [
    "import requests",                      # a real, popular package
    "import yaml",                          # an import name whose distribution is pyyaml
    "import typing_extensions",             # underscores normalise to the PyPI name
    "import os.path",                       # a module-valued name of a stdlib module
    "from email.mime.text import MIMEText",  # a stdlib submodule and its class
    "import xml.etree.ElementTree as ET\nET.fromstring('<a/>')",
])
def test_real_imports_pass(verifier, source):
    verdict = verifier.verify(source)
    assert verdict.passes, kinds(verdict)
    assert verdict.imports >= 1


@pytest.mark.parametrize("source, invented", [
    ("import reqeusts", "reqeusts"),           # a typo of the 6th most downloaded package
    ("import numpyy as np", "numpyy"),
    ("from flask_fastjwt_helper import x", "flask_fastjwt_helper"),  # an invented package
    ("import os.pathx", "os.pathx"),           # an invented stdlib submodule
    ("from emaill.mime import text", "emaill.mime"),
])
def test_invented_imports_are_found(verifier, source, invented):
    verdict = verifier.verify(source)
    assert kinds(verdict) == [("import", invented)]
    assert not verdict.passes


def test_relative_imports_are_counted_apart(verifier):
    verdict = verifier.verify("from . import sibling\nfrom ..pkg import thing\nimport os")
    assert (verdict.imports, verdict.relative_imports, verdict.findings) == (1, 2, ())


def test_real_and_invented_attributes(verifier):
    source = ("import os, json as j, re\n"
              "os.makedirs('d', exist_ok=True)\n"
              "os.path.join('a', 'b')\n"
              "j.dumps({})\n"
              "re.IGNORECASE\n"          # exported by an enum into the module at import
              "os.path.joinn('a')\n"
              "j.dumpz({})\n")
    verdict = verifier.verify(source)
    assert kinds(verdict) == [("attribute", "os.path.joinn"), ("attribute", "json.dumpz")]
    assert verdict.findings[0].line == 6
    assert verdict.attributes >= 7


def test_invented_name_imported_from_a_stdlib_module(verifier):
    verdict = verifier.verify("from collections import OrderedDict, OrderedDcit")
    assert kinds(verdict) == [("attribute", "collections.OrderedDcit")]
    finding = verdict.findings[0]
    assert "from collections import OrderedDict, OrderedDcit"[
        finding.column:finding.end_column] == "OrderedDcit"


def test_real_and_invented_keywords(verifier):
    source = ("import os\nfrom collections import namedtuple\nimport math\n"
              "os.makedirs('d', exist_ok=True, mode=0o700)\n"
              "namedtuple('P', 'x y', defaults=(0,))\n"
              "math.isclose(1.0, 1.0, rel_tol=1e-9)\n"
              "os.makedirs('d', parents=True)\n"
              "math.isclose(1.0, 1.0, tolerance=1e-9)\n")
    verdict = verifier.verify(source)
    assert kinds(verdict) == [("keyword", "os.makedirs(parents=)"),
                              ("keyword", "math.isclose(tolerance=)")]
    assert verdict.keywords == 6


def test_keywords_of_open_signatures_are_not_judged(verifier):
    # json.dumps takes **kw: any keyword may be right, none is counted as invented.
    verdict = verifier.verify("import json\njson.dumps({}, anything=1)")
    assert verdict.passes and verdict.keywords == 0


def test_a_rebound_module_name_is_not_checked(verifier):
    verdict = verifier.verify("import os\nos = object()\nos.whatever")
    assert verdict.passes


def test_positions_point_at_the_invented_attribute(verifier):
    source = "import sys\nx = sys.argvv[0]"
    finding = verifier.verify(source).findings[0]
    line = source.splitlines()[finding.line - 1]
    assert line[finding.column:finding.end_column] == "argvv"


def test_the_verifier_parses_stdlib_source_cleanly(verifier):
    # Real human code must not be flagged: a whole stdlib module passes.
    import sysconfig
    from pathlib import Path

    source = (Path(sysconfig.get_paths()["stdlib"]) / "textwrap.py").read_text()
    verdict = verifier.verify(source)
    assert verdict.parsed and verdict.findings == (), kinds(verdict)


def test_lines_before_a_syntax_error_are_still_checked(verifier):
    source = ("import reqeusts\nimport os\n\n"
              "def f(path):\n"
              "    if os.path.existz(path):\n"        # a block opened just before the error
              "        return open(path, 'r\n"        # broken off mid-string
              "    x = 1\n")
    verdict = verifier.verify(source)
    assert verdict.status == "syntax-error" and not verdict.passes and verdict.checked
    assert verdict.checked_lines == 2     # the imports: the open blocks cannot stand alone
    assert kinds(verdict) == [("import", "reqeusts")]
    assert verdict.imports == 2


def test_a_source_broken_on_its_first_line_is_not_checked(verifier):
    verdict = verifier.verify("import reqeusts (\nimport numpyy\n")
    assert verdict.status == "syntax-error" and not verdict.checked
    assert verdict.findings == () and verdict.imports == 0


def test_a_whole_parsed_source_counts_every_line(verifier):
    assert verifier.verify("import os\n\nx = os.sep\n\n\n").checked_lines == 3
