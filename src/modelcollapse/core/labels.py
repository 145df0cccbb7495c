"""Numbers and labels as a paper prints them.

Ordinary values are written out with a few significant digits ("0.00627",
"1,234"), only values far from 1 get a power of ten ("9.16 × 10⁻⁵"), a mean
and its interval share their decimals ("0.0627 ± 0.0019"), and there is no
"-0". Swept values read as components ("web-scrape(end=0.9, schedule=linear)",
"static-verifier + code-review(budget=20)"), never as Python dicts.
"""

from __future__ import annotations

import math

__all__ = ["estimate", "number", "short_labels", "value_label"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_ORDINARY = (1e-3, 1e6)
"""Magnitudes written without a power of ten."""


def _finite(value) -> bool:
    return value is not None and isinstance(value, int | float) and math.isfinite(value)


def _exponent(value: float) -> int:
    return math.floor(math.log10(abs(value)))


def _fixed(value: float, decimals: int) -> str:
    text = f"{value:,.{max(decimals, 0)}f}"
    return text.lstrip("-") if float(text.replace(",", "")) == 0 else text


def number(value, digits: int = 3, *, trim: bool = False) -> str:
    """``value`` with ``digits`` significant digits, a power of ten only when far from 1.

    Whole numbers of ordinary size are written whole; ``trim`` drops trailing
    zeros (for axis ticks: "0.01", "1 × 10⁻⁵").

    >>> number(0.006271), number(1234.5), number(9.157e-05), number(-0.0), number(3.0)
    ('0.00627', '1,234', '9.16 × 10⁻⁵', '0', '3')
    """
    if not _finite(value):
        return "\u2013" if value is None or math.isnan(value) else ("∞" if value > 0 else "\u2212∞")
    value = float(value)
    if value == 0:
        return "0"
    exponent = _exponent(value)
    if _ORDINARY[0] <= abs(value) < _ORDINARY[1]:
        if value.is_integer():  # counts and whole means read as such: "40", not "40.0"
            return f"{int(value):,}"
        return _trimmed(_fixed(value, digits - 1 - exponent), trim)
    mantissa = value / 10.0**exponent
    if round(abs(mantissa), digits - 1) >= 10:  # 9.999e-5 rounds up to 1.00 × 10⁻⁴
        mantissa, exponent = mantissa / 10, exponent + 1
    mantissa = _trimmed(f"{mantissa:.{digits - 1}f}", trim)
    return f"{mantissa} \u00d7 10{str(exponent).translate(_SUPERSCRIPT)}"


def _trimmed(text: str, trim: bool) -> str:
    return text.rstrip("0").rstrip(".") if trim and "." in text else text


def estimate(centre, half_width, digits: int = 2) -> str:
    """``centre ± half_width``, the half-width to ``digits`` significant digits.

    The centre is rounded to the same decimal place, so no digit is printed that
    the interval does not support. A missing half-width gives the centre alone.

    >>> estimate(0.00627, 0.0001936), estimate(1.2e-5, 3.4e-7), estimate(12.0, 0.0)
    ('0.00627 ± 0.00019', '(1.200 ± 0.034) × 10⁻⁵', '12 ± 0')
    """
    if not _finite(centre):
        return number(centre)
    if not _finite(half_width) or half_width < 0:
        return number(centre)
    if half_width == 0:
        return f"{number(centre)} ± 0"
    size = max(abs(centre), half_width)
    scale = 0
    if not _ORDINARY[0] <= size < _ORDINARY[1]:
        scale = _exponent(size)
        centre, half_width = centre / 10.0**scale, half_width / 10.0**scale
    decimals = digits - 1 - _exponent(half_width)
    text = f"{_fixed(centre, decimals)} ± {_fixed(half_width, decimals)}"
    if scale:
        return f"({text}) \u00d7 10{str(scale).translate(_SUPERSCRIPT)}"
    return text


def value_label(value) -> str:
    """A swept or configured value as a short, tidy label.

    Components read ``name(key=value, …)`` with their settings sorted, a list
    of components (filters) joins them with " + " or reads "none", nested
    tables read ``(key=value, …)``.

    >>> value_label({"name": "web-scrape", "schedule": "linear", "end": 0.9})
    'web-scrape(end=0.9, schedule=linear)'
    >>> value_label([]), value_label([{"name": "static-verifier"}, {"name": "detector"}])
    ('none', 'static-verifier + detector')
    >>> value_label({"name": "classifier", "params": {"max_iter": 300}})
    'classifier(params=(max_iter=300))'
    """
    if hasattr(value, "model_dump"):  # a validated component table
        value = value.model_dump()
    if isinstance(value, dict):
        settings = ", ".join(f"{k}={value_label(v)}" for k, v in sorted(value.items())
                             if k != "name")
        if "name" in value:
            return f"{value['name']}({settings})" if settings else str(value["name"])
        return f"({settings})"
    if isinstance(value, list | tuple):
        if all(isinstance(item, dict) and "name" in item for item in value):
            return " + ".join(value_label(item) for item in value) or "none"
        return "[" + ", ".join(value_label(item) for item in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def short_labels(values: list) -> list[str]:
    """Labels for the values of one swept key that show only what tells them apart.

    Settings shared by every component of the same name are left out, so four
    measured web-scrape schedules read by their series alone.

    >>> short_labels([{"name": "web-scrape", "schedule": "measured", "series": "a"},
    ...               {"name": "web-scrape", "schedule": "measured", "series": "b"}, "replace"])
    ['web-scrape(series=a)', 'web-scrape(series=b)', 'replace']
    """
    components = [v for v in values if isinstance(v, dict) and "name" in v]
    shared: dict[str, set] = {}
    for name in {v["name"] for v in components}:
        same = [v for v in components if v["name"] == name]
        if len(same) > 1:
            items = [{(k, value_label(x)) for k, x in v.items() if k != "name"} for v in same]
            shared[name] = set.intersection(*items)

    def short(value) -> str:
        if not (isinstance(value, dict) and value.get("name") in shared):
            return value_label(value)
        return value_label({k: x for k, x in value.items()
                            if (k, value_label(x)) not in shared[value["name"]]})

    return [short(value) for value in values]
