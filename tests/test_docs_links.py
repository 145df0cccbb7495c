"""The repository cites only its own documentation, and every page it cites exists.

Docstrings, tests, experiment files and the README once cited team notes kept outside the
repository (``SCIENCE.md``, ``DESIGN.md``, ``../shared/``); a reader of the repository alone
could not follow them. The science and the design now live in ``docs/``.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Where citations live: source, tests, experiment files, benchmarks and the documentation.
CITING = sorted(
    [*ROOT.glob("src/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("experiments/*.toml"),
     *ROOT.glob("benchmarks/**/*.py"), *ROOT.glob("benchmarks/*.md"), *ROOT.glob("docs/*.md"),
     ROOT / "README.md"])
CITING = [path for path in CITING if path != Path(__file__).resolve()]

OUTSIDE = re.compile(r"SCIENCE\.md|DESIGN\.md|BENCHMARKS\.md|\.\./shared/|SCIENCE §")
DOCS_PAGE = re.compile(r"docs/[\w./-]+?\.md")


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_citing_files_are_found():
    names = {_relative(path) for path in CITING}
    assert {"README.md", "src/modelcollapse/families/gaussian/theory.py",
            "docs/foundations.md",
            "docs/design.md", "tests/families/regression/test_theory.py"} <= names


def test_nothing_cites_notes_outside_the_repository():
    found = []
    for path in CITING:
        text = path.read_text(encoding="utf-8")
        found += [f"{_relative(path)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()}"
                  for m in OUTSIDE.finditer(text)]
    assert not found, ("cite the page and section in docs/ instead of notes outside the "
                       "repository: " + "; ".join(found))


def test_every_cited_docs_page_exists():
    cited_in = [ROOT / "README.md", *ROOT.glob("src/**/*.py"), *ROOT.glob("experiments/*.toml"),
                *ROOT.glob("docs/*.md")]
    missing = sorted({f"{_relative(path)} cites {page}" for path in cited_in
                      for page in DOCS_PAGE.findall(path.read_text(encoding="utf-8"))
                      if not (ROOT / page).is_file()})
    assert not missing, "; ".join(missing)


def test_links_between_docs_pages_resolve():
    broken = [f"{_relative(page)} links to {target}" for page in ROOT.glob("docs/*.md")
              for target in re.findall(r"\]\(([\w.-]+\.md)\)", page.read_text(encoding="utf-8"))
              if not (page.parent / target).is_file()]
    assert not broken, "; ".join(broken)


def test_the_patterns_catch_what_they_are_meant_to():
    assert OUTSIDE.search("against SCIENCE.md §2") and OUTSIDE.search("see ../shared/x.md")
    assert OUTSIDE.search("follow `DESIGN.md`") and OUTSIDE.search("theory line (SCIENCE §1)")
    assert not OUTSIDE.search("docs/foundations.md §2 and docs/science.md §7")
    assert DOCS_PAGE.findall("see docs/design.md, docs/code-study.md.") == [
        "docs/design.md", "docs/code-study.md"]
