"""Canvas templates (DESIGN §6): the shipped family canvas, and clear errors for bad templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalogue.template_schema import (
    CanvasTemplateDef,
    Localized,
    TemplateError,
    default_template_dir,
    load_template_dir,
    load_template_file,
)

FAMILY_DOMAINS = [
    "bolig",
    "okonomi",
    "arbeid",
    "utdanning",
    "helse",
    "fritid",
    "familie_nettverk",
    "sprak_integrering",
]

# Codes other parts of Duk (statistics, service matching) rely on.
REQUIRED_CODES = {
    "bolig.trangbodd",  # crowded housing
    "bolig.fukt_mugg",  # damp or mould
    "bolig.midlertidig",  # temporary housing
    "bolig.hyppige_flyttinger",  # frequent moves
    "bolig.husleierestanse",  # rent arrears
    "bolig.uegnet",
    "okonomi.gjeld",  # debt
    "okonomi.strom_restanse",  # power bill arrears
    "okonomi.sosialhjelp",  # social assistance
    "okonomi.vedvarende_lavinntekt",  # persistent low income
    "okonomi.inkasso",
    "okonomi.mangler_oversikt",
    "arbeid.voksne_utenfor_arbeid",  # adults outside work
    "arbeid.ung_utenfor",
    "arbeid.helsebegrensning",
    "arbeid.mangler_kvalifikasjoner",
    "arbeid.ufrivillig_deltid",
    "utdanning.fullforer_ikke_skole",  # child not completing school
    "utdanning.hoyt_fravaer",
    "utdanning.ikke_barnehage",
    "utdanning.laerevansker",
    "utdanning.mobbing",
    "utdanning.voksen_mangler_utdanning",
    "helse.psykisk_belastning",  # mental-health strain
    "helse.rus",  # substance use
    "helse.kronisk_sykdom",
    "helse.funksjonsnedsettelse",
    "helse.barn_helsebehov",
    "fritid.barn_uten_aktivitet",  # child without a leisure activity
    "fritid.kostnad_hindrer",
    "fritid.mangler_utstyr",
    "fritid.ensomhet",
    "fritid.ingen_ferie",
    "familie_nettverk.enslig_forsorger",  # single parent
    "familie_nettverk.lite_nettverk",
    "familie_nettverk.foreldrestotte",
    "familie_nettverk.konflikt",
    "familie_nettverk.vold",
    "familie_nettverk.omsorgsbelastning",
    "sprak_integrering.sprakbarriere",  # language barrier
    "sprak_integrering.trenger_tolk",
    "sprak_integrering.kort_botid",
    "sprak_integrering.mangler_norskopplaering",
    "sprak_integrering.digitalt_utenfor",
    "sprak_integrering.kjenner_ikke_tjenestene",
}


def familie() -> CanvasTemplateDef:
    return load_template_file(default_template_dir() / "familie.yaml")


def all_texts(template: CanvasTemplateDef) -> list[Localized]:
    texts = [template.title, template.centre.prompt]
    texts += [stage.label for stage in template.scale.stages]
    for domain in template.domains:
        texts += [domain.title, domain.description, *domain.prompts]
        texts += [indicator.title for indicator in domain.indicators]
    texts += [category.title for category in template.ring]
    return texts


# --- the shipped family canvas ----------------------------------------------------------------


def test_the_family_canvas_ships_and_loads() -> None:
    template = familie()
    assert template.key == "familie"
    assert template.version == 2  # 2: the family's other languages
    assert template.audience == "family"
    assert template.centre.prompt.nb == "Hva er viktig for dere?"
    assert template.centre.prompt.nn == "Kva er viktig for dykk?"
    assert template.centre.prompt.en == "What matters to you?"


def test_the_template_directory_holds_the_family_canvas() -> None:
    templates = load_template_dir(default_template_dir())
    assert ("familie", 2) in {(t.key, t.version) for t in templates}


def test_the_family_canvas_has_the_eight_life_domains_in_order() -> None:
    assert familie().domain_keys() == FAMILY_DOMAINS


def test_every_domain_has_a_few_prompts_and_indicators() -> None:
    for domain in familie().domains:
        assert 2 <= len(domain.prompts) <= 4, domain.key
        assert 4 <= len(domain.indicators) <= 8, domain.key


def test_every_text_is_in_bokmal_nynorsk_and_english() -> None:
    for text in all_texts(familie()):
        assert text.nb.strip()
        assert text.nn.strip()
        assert text.en.strip()


def test_indicator_titles_are_short() -> None:
    for domain in familie().domains:
        for indicator in domain.indicators:
            for lang in ("nb", "nn", "en"):
                words = indicator.title.get(lang).split()
                assert 2 <= len(words) <= 5, (indicator.code, lang)


def test_the_family_canvas_has_the_indicators_statistics_rely_on() -> None:
    template = familie()
    missing = REQUIRED_CODES - template.indicator_codes()
    assert not missing
    for code in REQUIRED_CODES:
        indicator = template.indicator(code)
        assert indicator is not None
        assert indicator.domain_key == code.split(".")[0]


def test_the_family_scores_from_one_to_ten_with_a_label_for_every_score() -> None:
    scale = familie().scale
    assert (scale.min, scale.max) == (1, 10)
    for score in range(1, 11):
        assert scale.stage_for(score) is not None, score
    assert scale.stage_for(0) is None
    assert scale.stage_for(11) is None


def test_the_family_canvas_uses_all_four_sections() -> None:
    assert familie().sections == ("situation", "strengths", "dreams", "goals")


def test_the_outer_ring_holds_more_than_public_services() -> None:
    ring = {category.key: category.title.nb for category in familie().ring}
    assert ring == {
        "offentlige_tjenester": "Offentlige tjenester",
        "frivillige_organisasjoner": "Frivillige organisasjoner",
        "eget_nettverk": "Familiens eget nettverk",
        "lag_og_foreninger": "Lag og foreninger",
        "tros_og_livssynssamfunn": "Tros- og livssynssamfunn",
    }


def test_texts_follow_the_familys_language_and_fall_back_to_bokmal() -> None:
    template = familie()
    housing = template.domain("bolig")
    assert housing is not None
    assert housing.title.get("nb") == "Bolig"
    assert housing.title.get("nn") == "Bustad"
    assert housing.title.get("nn-NO") == "Bustad"
    assert housing.title.get("en") == "Housing"
    assert housing.title.get("so") == "Guriga"
    assert housing.title.get("ar") == "السكن"
    assert housing.title.language_of("ar") == "ar"
    assert housing.title.get("de") == "Bolig"
    assert housing.title.language_of("de") == "nb"
    # What only the staff read (a domain's prompts) has no Somali: bokmål, and said so.
    prompt = housing.prompts[0]
    assert prompt.get("so") == prompt.nb
    assert prompt.language_of("so") == "nb"
    assert template.title_in("nn") == "Duken til familien"
    assert template.domain("nowhere") is None


def test_the_template_directory_can_be_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUK_TEMPLATE_DIR", str(tmp_path))
    assert default_template_dir() == tmp_path
    monkeypatch.delenv("DUK_TEMPLATE_DIR")
    assert default_template_dir().name == "canvas_templates"
    assert (default_template_dir() / "familie.yaml").is_file()


# --- bad templates are refused with file, line and field --------------------------------------

# A small valid template. Line numbers are referred to by the tests below.
MINI = """\
key: mini
version: 1
audience: family
title: {nb: Mini, nn: Mini, en: Mini}
centre:
  prompt: {nb: Hva er viktig, nn: Kva er viktig, en: What matters}
scale:
  min: 1
  max: 10
  stages:
    - {from: 1, to: 5, label: {nb: Tungt, nn: Tungt, en: Hard}}
    - {from: 6, to: 10, label: {nb: Bra, nn: Bra, en: Good}}
sections: [situation, goals]
domains:
  - key: bolig
    title: {nb: Bolig, nn: Bustad, en: Housing}
    description: {nb: Der dere bor, nn: Der de bur, en: Where you live}
    prompts:
      - {nb: Hvordan bor dere, nn: Korleis bur de, en: How do you live}
      - {nb: Er det nok plass, nn: Er det nok plass, en: Is there room}
    indicators:
      - code: bolig.trangbodd
        title: {nb: Bor trangt, nn: Bur trongt, en: Crowded home}
      - code: bolig.fukt_mugg
        title: {nb: Fukt eller mugg, nn: Fukt eller mugg, en: Damp or mould}
      - code: bolig.midlertidig
        title: {nb: Bor midlertidig, nn: Bur mellombels, en: Temporary home}
      - code: bolig.uegnet
        title: {nb: Passer ikke, nn: Passar ikkje, en: Unsuitable}
  - key: okonomi
    title: {nb: Økonomi, nn: Økonomi, en: Money}
    description: {nb: Penger, nn: Pengar, en: Money}
    prompts:
      - {nb: Strekker pengene til, nn: Strekk pengane til, en: Does the money last}
      - {nb: Har dere gjeld, nn: Har de gjeld, en: Any debt}
    indicators:
      - code: okonomi.gjeld
        title: {nb: Har gjeld, nn: Har gjeld, en: Has debt}
      - code: okonomi.inkasso
        title:
          nb: Har inkasso
          nn: Har inkasso
          en: Debt collection
      - code: okonomi.sosialhjelp
        title: {nb: Får sosialhjelp, nn: Får sosialhjelp, en: Social assistance}
      - code: okonomi.strom_restanse
        title: {nb: Skylder for strøm, nn: Skuldar for straum, en: Power arrears}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(old: str, new: str) -> str:
    assert MINI.count(old) == 1, old
    return MINI.replace(old, new)


def refused(path: Path) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    return caught.value


def test_the_small_fixture_is_valid(tmp_path: Path) -> None:
    template = load_template_file(write(tmp_path, "mini.yaml", MINI))
    assert template.domain_keys() == ["bolig", "okonomi"]
    assert template.ring == ()


def test_a_missing_nynorsk_title_deep_in_a_domain_names_file_line_and_field(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "mini.yaml", edit("          nn: Har inkasso\n", ""))
    error = refused(path)
    assert (error.file, error.line) == (str(path), 40)
    assert error.field == "domains[1].indicators[1].title.nn"
    assert error.message == "Field required"
    assert str(error) == f"{path}:40: domains[1].indicators[1].title.nn: Field required"


def test_a_missing_text_in_a_flow_mapping_points_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "mini.yaml", edit("{nb: Fukt eller mugg, nn: Fukt eller mugg,", "{nb: Fukt,")
    )
    error = refused(path)
    assert error.line == 25
    assert error.field == "domains[0].indicators[1].title.nn"


def test_a_missing_top_level_field_points_at_the_top(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", edit("audience: family\n", ""))
    assert str(refused(path)) == f"{path}:1: audience: Field required"


def test_an_empty_text_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", edit("en: Housing}", "en: '  '}"))
    error = refused(path)
    assert (error.line, error.field) == (16, "domains[0].title.en")
    assert "at least 1 character" in error.message


def test_a_duplicate_indicator_code_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", edit("code: bolig.uegnet", "code: bolig.trangbodd"))
    error = refused(path)
    assert (error.line, error.field) == (28, "domains[0].indicators[3].code")
    assert "duplicate indicator code 'bolig.trangbodd'" in str(error)
    assert str(error).startswith(f"{path}:28: domains[0].indicators[3].code: ")


def test_an_indicator_in_the_wrong_domain_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, "mini.yaml", edit("code: okonomi.sosialhjelp", "code: bolig.sosialhjelp")
    )
    error = refused(path)
    assert (error.line, error.field) == (44, "domains[1].indicators[2].code")
    assert "'bolig.sosialhjelp'" in error.message
    assert "'okonomi.'" in error.message


def test_a_duplicate_domain_is_refused(tmp_path: Path) -> None:
    text = edit("  - key: okonomi\n", "  - key: bolig\n").replace("code: okonomi.", "code: bolig.")
    error = refused(write(tmp_path, "mini.yaml", text))
    assert (error.line, error.field) == (30, "domains[1].key")
    assert "duplicate domain key 'bolig'" in error.message


def test_overlapping_score_stages_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", edit("{from: 6, to: 10,", "{from: 5, to: 10,"))
    error = refused(path)
    assert (error.line, error.field) == (12, "scale.stages[1].from")
    assert "overlaps" in error.message


def test_a_gap_in_the_score_stages_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", edit("{from: 6, to: 10,", "{from: 7, to: 10,"))
    error = refused(path)
    assert (error.line, error.field) == (12, "scale.stages[1].from")
    assert "6-6 are not covered" in error.message


def test_stages_must_reach_the_top_of_the_scale(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", edit("  max: 10\n", "  max: 12\n"))
    error = refused(path)
    assert (error.line, error.field) == (12, "scale.stages[1].to")
    assert "maximum 12" in error.message


def test_too_few_prompts_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mini.yaml",
        edit("      - {nb: Har dere gjeld, nn: Har de gjeld, en: Any debt}\n", ""),
    )
    error = refused(path)
    assert (error.line, error.field) == (33, "domains[1].prompts")
    assert "at least 2 items" in error.message


def test_an_unknown_field_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mini.yaml",
        edit("    description: {nb: Penger,", "    colour: red\n    description: {nb: Penger,"),
    )
    assert str(refused(path)) == (f"{path}:32: domains[1].colour: Extra inputs are not permitted")


def test_an_unknown_section_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", edit("[situation, goals]", "[situation, wishes]"))
    error = refused(path)
    assert (error.line, error.field) == (13, "sections[1]")


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mini.yaml",
        edit(
            "          en: Debt collection\n",
            "          en: Debt collection\n          nb: Inkasso\n",
        ),
    )
    error = refused(path)
    assert (error.line, error.field) == (44, "domains[1].indicators[1].title.nb")
    assert "twice" in error.message


def test_a_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", edit("  min: 1\n", "  min: [1\n"))
    error = refused(path)
    assert error.file == str(path)
    assert error.line == 9
    assert error.field == ""
    assert str(error).startswith(f"{path}:9: invalid YAML: ")


def test_yaml_tags_that_build_python_objects_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path, "mini.yaml", edit("version: 1\n", "version: !!python/object:os.system 1\n")
    )
    error = refused(path)
    assert error.line == 2
    assert "invalid YAML" in error.message


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "mini.yaml", "# a list, not a template\n- key: mini\n- version: 1\n")
    error = refused(path)
    assert error.line == 2
    assert "mapping" in error.message
    assert str(error).startswith(f"{path}:2: ")


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert "empty" in refused(write(tmp_path, "mini.yaml", "# nothing yet\n")).message


def test_the_file_name_must_start_with_the_template_key(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "other.yaml", MINI))
    assert (error.line, error.field) == (1, "key")
    assert load_template_file(write(tmp_path, "mini-v1.yaml", MINI)).key == "mini"


# --- a template directory loads all or nothing ------------------------------------------------


def test_a_directory_with_one_bad_template_loads_nothing(tmp_path: Path) -> None:
    write(tmp_path, "a_mini.yaml", MINI.replace("key: mini", "key: a_mini"))
    bad = write(
        tmp_path, "b_mini.yaml", edit("key: mini", "key: b_mini").replace("nn: Bustad, ", "")
    )
    with pytest.raises(TemplateError) as caught:
        load_template_dir(tmp_path)
    assert caught.value.file == str(bad)
    assert (caught.value.line, caught.value.field) == (16, "domains[0].title.nn")


def test_a_directory_of_good_templates_loads_in_name_order(tmp_path: Path) -> None:
    write(tmp_path, "mini-v2.yaml", edit("version: 1", "version: 2"))
    write(tmp_path, "mini.yaml", MINI)
    write(tmp_path, "notes.txt", "not a template")
    write(tmp_path, ".#mini.yaml", "editor lock file")
    templates = load_template_dir(tmp_path)
    assert [(t.key, t.version) for t in templates] == [("mini", 2), ("mini", 1)]


def test_the_same_key_and_version_in_two_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "mini.yaml", MINI)
    second = write(tmp_path, "mini_copy.yaml", MINI)
    with pytest.raises(TemplateError) as caught:
        load_template_dir(tmp_path)
    assert caught.value.file == str(second)
    assert (caught.value.line, caught.value.field) == (2, "version")
    assert "already defined in mini.yaml" in caught.value.message


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError):
        load_template_dir(tmp_path / "nowhere")


def test_a_text_without_the_familys_other_languages_is_stored_as_before() -> None:
    """A stored template's checksum is made from its dump: a template written before Arabic,
    Somali, Ukrainian and Polish existed must dump exactly as it did, or `duk init` would call
    it changed."""
    text = Localized(nb="Bolig", nn="Bustad", en="Housing")
    assert text.model_dump(mode="json") == {"nb": "Bolig", "nn": "Bustad", "en": "Housing"}
    with_arabic = Localized(nb="Bolig", nn="Bustad", en="Housing", ar="السكن")
    assert with_arabic.model_dump(mode="json")["ar"] == "السكن"
