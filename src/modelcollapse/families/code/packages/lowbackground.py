"""Names that certainly existed before a date: a "low-background" registry.

Steel made before the first nuclear tests is prized for instruments because
it carries no fallout; data from before language models wrote any of it is
prized for the same reason. A registry check against the *live* registry
accepts whatever an attacker has registered since; one against the names
that existed before a cutoff cannot be poisoned afterwards.

The snapshot ``data/pypi-names-months.tsv.gz`` gives every PyPI name with the
month of its latest release. A name whose latest release came before the
cutoff certainly existed then; a name released since may also have existed
before (its earlier releases are not in the snapshot), so this registry is a
**lower bound** on what existed: it rejects some real, older packages that
are still maintained, and the check reports that cost.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from modelcollapse.families.code.real_names import RegistryError

__all__ = ["MONTHS_SNAPSHOT", "check_cutoff", "release_months"]

MONTHS_SNAPSHOT = "pypi-names-months.tsv.gz"
"""The shipped snapshot: ``name<TAB>download_rank<TAB>latest_release_month`` with a header."""

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_HEADER = "name\tdownload_rank\tlatest_release_month"


def check_cutoff(cutoff: str) -> str:
    """Return ``cutoff`` if it is a month written ``YYYY-MM``; raise a usage error otherwise."""
    if not isinstance(cutoff, str) or not _MONTH.fullmatch(cutoff):
        raise RegistryError(f"cutoff must be a month written YYYY-MM (e.g. '2022-11'), got "
                            f"{cutoff!r}")
    return cutoff


def _parse(text: str, source: str) -> dict[str, str]:
    lines = text.splitlines()
    if not lines or lines[0].split("\t")[:3] != _HEADER.split("\t"):
        raise RegistryError(f"release-month snapshot {source} has no latest_release_month "
                            f"column; give a file whose header is {_HEADER!r} (tab-separated)")
    months = {}
    for number, line in enumerate(lines[1:], start=2):
        name, _, rest = line.partition("\t")
        month = rest.partition("\t")[2]
        if month and not _MONTH.fullmatch(month):
            raise RegistryError(f"release-month snapshot {source}, line {number}: month "
                                f"{month[:20]!r} is not YYYY-MM; fix the file")
        if month:   # a name without a month is not known to have existed at any date
            months[name] = month
    return months


@lru_cache(maxsize=2)
def release_months(path: str | None = None) -> dict[str, str]:
    """Latest-release month of every name that has one: ``path``, or the shipped snapshot.

    Raises
    ------
    RegistryError
        If the file is missing, unreadable, or has no month column.
    """
    if path is None:
        source = f"shipped {MONTHS_SNAPSHOT}"
        shipped = resources.files("modelcollapse.families.code") / "data"
        raw = (shipped / MONTHS_SNAPSHOT).read_bytes()
    else:
        source = path
        try:
            raw = Path(path).read_bytes()
        except OSError as error:
            raise RegistryError(f"release-month snapshot {path} cannot be read "
                                f"({error.strerror}); give the path of a "
                                f"'{_HEADER}' file") from None
    try:
        text = (gzip.decompress(raw) if str(source).endswith(".gz") else raw).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise RegistryError(f"release-month snapshot {source} cannot be read ({error}); give a "
                            "UTF-8 file, gzipped only if it ends in .gz") from None
    return _parse(text, source)
