"""Words for the codes in a report, in the reader's language: dimensions, their values (domain
keys, indicator codes, municipality numbers, household types, ...), the measures counted and the
fixed categories of the gap and outcome tables. A code without words is shown as it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.catalogue.template_schema import CanvasTemplateDef
from app.kit.i18n import translations
from app.kit.municipalities import MUNICIPALITY_NAMES


def _msgids(_: Callable[[str], str]) -> dict[str, dict[str, str]]:
    """Every fixed word, by what it names. ``_`` is the reader's gettext."""
    return {
        "dimension": {
            "domain": _("Life domain"),
            "indicator": _("Indicator"),
            "municipality": _("Municipality"),
            "household_type": _("Household"),
            "period": _("Period"),
            "priority": _("Priority"),
            "category": _("Category"),
            "responsible_level": _("Level responsible"),
            "outcome": _("Reason"),
            "change": _("Change"),
            "achievement": _("Goal status"),
            "timeliness": _("Done"),
        },
        "measure": {
            "families": _("Families"),
            "needs": _("Needs"),
            "referrals": _("Referrals"),
            "median_days": _("Median days"),
            "goals": _("Goals"),
            "actions": _("Actions"),
            "barriers": _("Barriers"),
        },
        "household_type": {
            "single_parent": _("Single parent"),
            "couple_with_children": _("Couple with children"),
            "without_children": _("No children at home"),
        },
        "priority": {
            "1": _("Priority 1 (most important)"),
            "2": _("Priority 2"),
            "3": _("Priority 3"),
        },
        "category": {
            "regulation": _("Rules and regulations"),
            "routine": _("Routines and practice"),
            "capacity": _("Capacity and waiting times"),
            "economy": _("Money and funding"),
            "coordination": _("Coordination between services"),
        },
        "responsible_level": {
            "municipal": _("Municipal"),
            "regional": _("Regional"),
            "national": _("National"),
        },
        "outcome": {
            "got_help": _("Got help"),
            "not_eligible": _("Not eligible"),
            "no_capacity": _("No capacity"),
            "could_not_contact": _("Could not make contact"),
            "no_longer_interested": _("No longer wanted"),
            "referred_elsewhere": _("Referred elsewhere"),
            "unspecified": _("No reason given"),
        },
        "change": {
            "improved": _("Better"),
            "unchanged": _("Unchanged"),
            "worsened": _("Worse"),
        },
        "achievement": {
            "achieved": _("Achieved"),
            "not_achieved": _("Not (yet) achieved"),
        },
        "timeliness": {
            "on_time": _("On time"),
            "late": _("Late"),
        },
    }


@dataclass(frozen=True)
class Labels:
    """The words of one language; ``template`` gives domain and indicator titles."""

    lang: str
    template: CanvasTemplateDef | None

    @property
    def _words(self) -> dict[str, dict[str, str]]:
        return _msgids(translations(self.lang).gettext)

    def dimension(self, key: str | None) -> str:
        if key is None:
            return ""
        return self._words["dimension"].get(key, key)

    def measure(self, key: str) -> str:
        return self._words["measure"].get(key, key)

    def value(self, dimension: str | None, code: str) -> str:
        """The words for one value of a dimension."""
        if dimension == "domain" and self.template is not None:
            domain = self.template.domain(code)
            return domain.title.get(self.lang) if domain else code
        if dimension == "indicator" and self.template is not None:
            indicator = self.template.indicator(code)
            return indicator.title.get(self.lang) if indicator else code
        if dimension == "municipality":
            return MUNICIPALITY_NAMES.get(code, code)
        if dimension is None:
            return code
        return self._words.get(dimension, {}).get(code, code)

    def number(self, value: int | float) -> str:
        """A count as it is; a decimal with one digit, with a comma in Norwegian."""
        if isinstance(value, int):
            return str(value)
        text = f"{value:.1f}"
        return text.replace(".", ",") if self.lang in ("nb", "nn") else text
