"""ISO 3166-1 alpha-2 country codes, from the tz database's iso3166.tab (the tzdata package ships it; the system's
zoneinfo has it too). It is the same list of 249 codes as 360Giving's countryCode codelist."""

from __future__ import annotations

import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path


def _iso3166_tab() -> str:
    try:
        return resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        for directory in zoneinfo.TZPATH:
            path = Path(directory) / "iso3166.tab"
            if path.exists():
                return path.read_text(encoding="utf-8")
    raise RuntimeError("No iso3166.tab found: install the tzdata package.")


@cache
def country_codes() -> frozenset[str]:
    return frozenset(
        line.split("\t", 1)[0] for line in _iso3166_tab().splitlines() if line.strip() and not line.startswith("#")
    )


def is_country_code(code: str) -> bool:
    return code in country_codes()


@cache
def country_name(code: str) -> str:
    """The English (UK) name, e.g. 'United Kingdom' for GB; the code itself if unknown."""
    from babel import Locale

    return Locale("en", "GB").territories.get(code, code)
