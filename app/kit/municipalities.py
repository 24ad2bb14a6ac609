"""The municipalities Duk knows by name, by kommunenummer: the plan's header and the reports
say "Fredrikstad", not "3107". An installation outside Østfold adds its own here."""

from __future__ import annotations

# Municipalities of Østfold (kommunenummer from 2024); the demo uses four of them.
MUNICIPALITY_NAMES = {
    "3101": "Halden",
    "3103": "Moss",
    "3105": "Sarpsborg",
    "3107": "Fredrikstad",
    "3110": "Hvaler",
    "3112": "Råde",
    "3114": "Våler",
    "3116": "Skiptvet",
    "3118": "Indre Østfold",
    "3120": "Rakkestad",
    "3122": "Marker",
    "3124": "Aremark",
}


def municipality_name(code: str) -> str | None:
    return MUNICIPALITY_NAMES.get(code)
