"""The eight subregions: Los Angeles County's Service Planning Areas."""

from flask_babel import lazy_gettext as _l

SUBREGIONS: dict[int, str] = {
    1: _l("Antelope Valley"),
    2: _l("San Fernando Valley"),
    3: _l("San Gabriel Valley"),
    4: _l("Metro"),
    5: _l("West"),
    6: _l("South"),
    7: _l("East"),
    8: _l("South Bay"),
}


def subregion_label(number: int | None) -> str:
    if number is None:
        return str(_l("Countywide / not set"))
    return f"{number} · {SUBREGIONS.get(number, '?')}"
