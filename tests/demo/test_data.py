"""The demo's data files (app/demo/data/*.yaml) and their loader."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.catalogue.seed import default_catalogue_path, load_catalogue
from app.demo import data
from app.demo.data import FILES, DemoDataError

DATA_DIR = Path(str(files("app.demo") / "data"))
APP_DIR = Path(str(files("app")))


def raw(name: str) -> Any:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))


def refused(name: str, changed: Any) -> str:
    with pytest.raises(DemoDataError) as refusal:
        data.parse(FILES[name], yaml.safe_dump(changed, allow_unicode=True), name)
    return str(refusal.value)


def test_every_data_file_is_known_and_loads() -> None:
    assert sorted(p.name for p in DATA_DIR.glob("*.yaml")) == sorted(FILES)
    for name, model in FILES.items():
        assert isinstance(data.read(name, model), model)


def test_the_data_files_are_package_data_and_ship_in_the_wheel() -> None:
    pyproject = tomllib.loads((APP_DIR.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["app"]
    shipped = {path for pattern in patterns for path in APP_DIR.glob(pattern)}
    assert {DATA_DIR / name for name in FILES} <= shipped


@pytest.mark.parametrize("name", sorted(FILES))
def test_an_unknown_top_level_key_is_refused(name: str) -> None:
    changed = raw(name) | {"familes": []}

    assert refused(name, changed) == f"{name}: familes: Extra inputs are not permitted"


def test_a_misspelt_field_is_refused_with_the_file_and_field_named() -> None:
    changed = raw("municipality.yaml")
    need = changed["families"][0]["needs"][1]
    need["priorty"] = need.pop("priority")

    problems = refused("municipality.yaml", changed).splitlines()

    assert "municipality.yaml: families[0].needs[1].priorty: Extra inputs are not permitted" in (
        problems
    )
    assert "municipality.yaml: families[0].needs[1].priority: Field required" in problems


def test_a_misspelt_weight_key_is_refused() -> None:
    changed = raw("statistics.yaml")
    changed["referral_ends"]["acepted"] = changed["referral_ends"].pop("accepted")

    assert "statistics.yaml: referral_ends.acepted.[key]: Input should be" in refused(
        "statistics.yaml", changed
    )


def test_an_action_for_a_need_that_is_not_there_is_refused() -> None:
    changed = raw("municipality.yaml")
    changed["families"][0]["actions"][0]["needs"] = ["hosuing"]

    assert refused("municipality.yaml", changed) == (
        "municipality.yaml: families[0]: need 'hosuing' is not defined"
    )


def test_a_domain_without_a_need_text_is_refused() -> None:
    changed = raw("statistics.yaml")
    del changed["need_texts"]["fritid"]

    assert "need text for domain 'fritid' is not defined" in refused("statistics.yaml", changed)


def test_invalid_yaml_is_refused_with_the_file_named() -> None:
    with pytest.raises(DemoDataError, match=r"^municipality\.yaml: invalid YAML"):
        data.parse(FILES["municipality.yaml"], "users: [kari", "municipality.yaml")


def test_the_names_the_files_give_each_other_and_the_catalogue_are_there() -> None:
    """What ``duk demo`` would otherwise find missing only once it runs."""
    municipality, statistics = data.municipality(), data.statistics()
    catalogue = load_catalogue(default_catalogue_path())
    units = {unit.slug for unit in municipality.units} | {
        org.slug for org in catalogue.organizations
    }
    services = {service.id for service in catalogue.services}
    users = {user.username for user in municipality.users}

    assert {slug for user in municipality.users for slug in user.units} <= units
    for family in municipality.families:
        assert {referral.service for referral in family.referrals} <= services
        assert {consent.unit for consent in family.consents} <= units
        assert {a.responsible.unit for a in family.actions if a.responsible.unit} <= units
    assert {place.caseworker for place in statistics.municipalities} <= users
