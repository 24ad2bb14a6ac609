"""The seed service catalogue (`catalogue/services.yaml`) and its loader."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.catalogue.seed import (
    DOMAIN_KEYS,
    CatalogueError,
    CatalogueSeed,
    default_catalogue_path,
    load_catalogue,
)

# The indicator codes of the default canvas template, per domain (DESIGN §6).
INDICATOR_CODES: frozenset[str] = frozenset(
    """
    bolig.trangbodd bolig.fukt_mugg bolig.midlertidig bolig.hyppige_flyttinger
    bolig.husleierestanse bolig.uegnet
    okonomi.gjeld okonomi.strom_restanse okonomi.sosialhjelp okonomi.vedvarende_lavinntekt
    okonomi.inkasso okonomi.mangler_oversikt
    arbeid.voksne_utenfor_arbeid arbeid.ung_utenfor arbeid.helsebegrensning
    arbeid.mangler_kvalifikasjoner arbeid.ufrivillig_deltid
    utdanning.fullforer_ikke_skole utdanning.hoyt_fravaer utdanning.ikke_barnehage
    utdanning.laerevansker utdanning.mobbing utdanning.voksen_mangler_utdanning
    helse.psykisk_belastning helse.rus helse.kronisk_sykdom helse.funksjonsnedsettelse
    helse.barn_helsebehov
    fritid.barn_uten_aktivitet fritid.kostnad_hindrer fritid.mangler_utstyr fritid.ensomhet
    fritid.ingen_ferie
    familie_nettverk.enslig_forsorger familie_nettverk.lite_nettverk
    familie_nettverk.foreldrestotte familie_nettverk.konflikt familie_nettverk.vold
    familie_nettverk.omsorgsbelastning
    sprak_integrering.sprakbarriere sprak_integrering.trenger_tolk sprak_integrering.kort_botid
    sprak_integrering.mangler_norskopplaering sprak_integrering.digitalt_utenfor
    sprak_integrering.kjenner_ikke_tjenestene
    """.split()
)

# Indicators no seeded service addresses yet. Keep this empty, or at least very short.
UNCOVERED_INDICATORS: frozenset[str] = frozenset()

# Services the demo installation must offer, with the level of the unit that provides them.
MUST_HAVE: dict[str, str] = {
    "bostotte": "state",
    "startlan": "municipal",
    "tilskudd-etablering": "municipal",
    "kommunal-utleiebolig": "municipal",
    "midlertidig-bolig": "state",
    "okonomisk-sosialhjelp": "state",
    "okonomisk-radgivning": "state",
    "gjeldsordning": "state",
    "kvalifiseringsprogrammet": "state",
    "arbeidsrettet-oppfolging": "state",
    "ungdomsgaranti": "state",
    "arbeidsavklaringspenger": "state",
    "uforetrygd": "state",
    "introduksjonsprogrammet": "municipal",
    "norskopplaering": "municipal",
    "grunnskole-voksne": "municipal",
    "tolk": "municipal",
    "flyktningetjenesten": "municipal",
    "aktivitetskort": "municipal",
    "bua-utstyrssentral": "municipal",
    "barnehage-redusert-betaling": "municipal",
    "sfo-gratis-redusert-betaling": "municipal",
    "helsestasjon": "municipal",
    "skolehelsetjeneste": "municipal",
    "ppt": "municipal",
    "barnevern-hjelpetiltak": "municipal",
    "psykisk-helse-rus-kommune": "municipal",
    "fastlege": "municipal",
    "krisesenter": "municipal",
    "familievern-radgivning": "regional",
    "mekling": "regional",
    "foreldreveiledning-icdp-cos": "municipal",
    "bup": "regional",
    "oppfolgingstjenesten": "regional",
    "tannhelsetjenesten": "regional",
    "videregaende-voksne": "regional",
    "nav-hjelpemidler": "state",
    "barnetrygd": "state",
    "kontantstotte": "state",
    "barnebidrag": "state",
    "frivilligsentral": "voluntary",
    "leksehjelp-rode-kors": "voluntary",
    "home-start": "voluntary",
    "ferie-for-alle": "voluntary",
    "kirkens-bymisjon-moteplass": "voluntary",
    "alternativ-til-vold": "voluntary",
}

SHIPPED = Path(__file__).resolve().parents[2] / "catalogue" / "services.yaml"


@pytest.fixture(scope="module")
def catalogue() -> CatalogueSeed:
    return load_catalogue(SHIPPED)


# --- the shipped file ------------------------------------------------------------------------


def test_default_path_is_the_shipped_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUK_CATALOGUE_FILE", raising=False)
    assert default_catalogue_path() == SHIPPED
    assert load_catalogue(default_catalogue_path()).services


def test_default_path_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    monkeypatch.setenv("DUK_CATALOGUE_FILE", str(other))
    assert default_catalogue_path() == other


def test_has_at_least_45_services(catalogue: CatalogueSeed) -> None:
    assert len(catalogue.services) >= 45


@pytest.mark.parametrize("domain", DOMAIN_KEYS)
def test_every_domain_is_served_by_at_least_two_services(
    catalogue: CatalogueSeed, domain: str
) -> None:
    serving = [s.id for s in catalogue.services if domain in s.domains]
    assert len(serving) >= 2, f"{domain}: {serving}"


@pytest.mark.parametrize("level", ["municipal", "regional", "state", "voluntary"])
def test_every_level_provides_a_service(catalogue: CatalogueSeed, level: str) -> None:
    assert any(catalogue.level_of(s) == level for s in catalogue.services)


@pytest.mark.parametrize(("service_id", "level"), sorted(MUST_HAVE.items()))
def test_must_have_service_is_present(
    catalogue: CatalogueSeed, service_id: str, level: str
) -> None:
    service = catalogue.services_by_id().get(service_id)
    assert service is not None, f"missing service '{service_id}'"
    assert service.status == "active"
    assert catalogue.level_of(service) == level


def test_every_indicator_is_addressed(catalogue: CatalogueSeed) -> None:
    addressed = {code for s in catalogue.services for code in s.indicators}
    assert addressed <= INDICATOR_CODES, sorted(addressed - INDICATOR_CODES)
    assert INDICATOR_CODES - addressed == UNCOVERED_INDICATORS
    assert len(UNCOVERED_INDICATORS) <= 3


def test_every_indicator_domain_has_codes() -> None:
    assert {code.split(".")[0] for code in INDICATOR_CODES} == set(DOMAIN_KEYS)


def test_services_are_complete(catalogue: CatalogueSeed) -> None:
    for service in catalogue.services:
        where = service.id
        assert service.domains, where
        assert 1 <= len(service.indicators) <= 6, where
        assert service.eligibility_description, where
        assert service.application_process, where
        assert {"en", "nn"} <= set(service.translations), where
        for language in ("en", "nn"):
            assert service.translations[language].name, (where, language)
            assert service.translations[language].description, (where, language)


def test_service_ids_and_names_are_unique(catalogue: CatalogueSeed) -> None:
    ids = Counter(s.id for s in catalogue.services)
    names = Counter(s.name for s in catalogue.services)
    assert [k for k, n in ids.items() if n > 1] == []
    assert [k for k, n in names.items() if n > 1] == []


def test_every_organization_provides_a_service_or_is_a_parent(catalogue: CatalogueSeed) -> None:
    used = {s.organization for s in catalogue.services}
    used |= {o.parent for o in catalogue.organizations if o.parent is not None}
    assert [o.slug for o in catalogue.organizations if o.slug not in used] == []


def test_municipal_units_are_in_fredrikstad(catalogue: CatalogueSeed) -> None:
    for org in catalogue.organizations:
        if org.level == "municipal":
            assert org.municipality_code == "3107", org.slug
    assert catalogue.organizations_by_slug()["nav-fredrikstad"].municipality_code == "3107"


# --- broken seeds ----------------------------------------------------------------------------

VALID_SEED: dict[str, Any] = {
    "organizations": [
        {"slug": "husbanken", "name": "Husbanken", "level": "state", "parent": None},
        {
            "slug": "fredrikstad-bolig",
            "name": "Fredrikstad kommune – Bolig",
            "level": "municipal",
            "municipality_code": "3107",
            "parent": None,
        },
    ],
    "services": [
        {
            "id": "bostotte",
            "name": "Bostøtte",
            "organization": "husbanken",
            "status": "active",
            "description": "Støtte til boutgifter.",
            "domains": ["bolig", "okonomi"],
            "indicators": ["bolig.husleierestanse", "okonomi.vedvarende_lavinntekt"],
            "translations": {"en": {"name": "Housing allowance", "description": "Money."}},
        },
        {
            "id": "startlan",
            "name": "Startlån",
            "organization": "fredrikstad-bolig",
            "description": "Lån til bolig.",
            "domains": ["bolig"],
            "indicators": ["bolig.trangbodd"],
        },
    ],
}


def _write(tmp_path: Path, seed: dict[str, Any]) -> Path:
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _errors(tmp_path: Path, seed: dict[str, Any]) -> str:
    path = _write(tmp_path, seed)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    message = str(caught.value)
    assert "services.yaml" in message
    return message


def test_valid_minimal_seed_loads(tmp_path: Path) -> None:
    seed = load_catalogue(_write(tmp_path, VALID_SEED))
    assert [s.id for s in seed.services] == ["bostotte", "startlan"]
    assert seed.services[1].status == "active"
    assert seed.level_of(seed.services[1]) == "municipal"


def test_unknown_organization_names_the_entry(tmp_path: Path) -> None:
    seed = copy.deepcopy(VALID_SEED)
    seed["services"][1]["organization"] = "husbank"
    message = _errors(tmp_path, seed)
    assert "services[1] (startlan)" in message
    assert "organization 'husbank' is not defined" in message


def test_indicator_outside_the_services_domains_names_the_entry(tmp_path: Path) -> None:
    seed = copy.deepcopy(VALID_SEED)
    seed["services"][1]["indicators"] = ["bolig.trangbodd", "helse.rus"]
    message = _errors(tmp_path, seed)
    assert "services[1] (startlan)" in message
    assert "'helse.rus'" in message


def test_duplicate_service_id_names_the_entry(tmp_path: Path) -> None:
    seed = copy.deepcopy(VALID_SEED)
    seed["services"][1]["id"] = "bostotte"
    message = _errors(tmp_path, seed)
    assert "services[1] (bostotte)" in message
    assert "already used by services[0]" in message


def test_duplicate_organization_slug_names_the_entry(tmp_path: Path) -> None:
    seed = copy.deepcopy(VALID_SEED)
    seed["organizations"].append(dict(seed["organizations"][0]))
    message = _errors(tmp_path, seed)
    assert "organizations[2] (husbanken)" in message


@pytest.mark.parametrize(
    ("section", "index", "change", "expected"),
    [
        ("organizations", 0, {"parent": "nav"}, "parent 'nav' is not defined"),
        ("organizations", 0, {"level": "county"}, "level"),
        ("organizations", 1, {"municipality_code": "310"}, "municipality_code"),
        ("organizations", 1, {"municipality_code": 3107}, "municipality_code"),
        ("organizations", 0, {"colour": "red"}, "colour"),
        ("services", 0, {"status": "closed"}, "status"),
        ("services", 0, {"minimum_age": 18, "maximum_age": 12}, "minimum_age 18 is greater"),
        ("services", 0, {"domains": ["bolig", "okonomi", "skole"]}, "domain 'skole'"),
        ("services", 0, {"domains": []}, "domains"),
        ("services", 0, {"id": "Bostøtte"}, "id"),
        ("services", 0, {"url": "husbanken.no"}, "url"),
        ("services", 0, {"translations": {"en": {"name": "x"}}}, "translations.en.description"),
    ],
)
def test_invalid_field_names_file_entry_and_problem(
    tmp_path: Path, section: str, index: int, change: dict[str, Any], expected: str
) -> None:
    seed = copy.deepcopy(VALID_SEED)
    seed[section][index].update(change)
    message = _errors(tmp_path, seed)
    assert f"{section}[{index}]" in message
    assert expected in message


def test_parent_cycle_is_reported(tmp_path: Path) -> None:
    seed = copy.deepcopy(VALID_SEED)
    seed["organizations"][0]["parent"] = "fredrikstad-bolig"
    seed["organizations"][1]["parent"] = "husbanken"
    assert "forms a cycle" in _errors(tmp_path, seed)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    seed = copy.deepcopy(VALID_SEED)
    seed["services"][0]["organization"] = "nowhere"
    seed["services"][1]["domains"] = ["bolig", "skole"]
    path = _write(tmp_path, seed)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert len(caught.value.errors) == 2


def test_error_gives_the_entry_line(tmp_path: Path) -> None:
    seed = copy.deepcopy(VALID_SEED)
    seed["services"][1]["organization"] = "husbank"
    path = _write(tmp_path, seed)
    line = path.read_text(encoding="utf-8").splitlines().index("- id: startlan") + 1
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    assert f"[line {line}]" in str(caught.value)


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "services.yaml"
    path.write_text("organizations: [\nservices: {", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"services\.yaml: invalid YAML: line \d+"):
        load_catalogue(path)


def test_missing_file_is_a_catalogue_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "missing.yaml")


def test_missing_section_is_a_catalogue_error(tmp_path: Path) -> None:
    message = _errors(tmp_path, {"organizations": VALID_SEED["organizations"]})
    assert "'services' is missing" in message
