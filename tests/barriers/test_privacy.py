"""The personal-data check of barrier texts: what looks like a national ID number, a D-number,
a phone number, an e-mail address or one of the family's names is refused; plain system-level
text is not."""

from __future__ import annotations

import pytest

from app.barriers.privacy import PersonalData, personal_data_in

ORDINARY = (
    "Bostøtteregelverket tar ikke hensyn til at barn bor hos begge foreldrene annenhver uke.",
    "Ventetiden for kommunal bolig er over 18 måneder, og inntektsgrensen er 350 000 kr.",
    "Familier må søke på nytt hvert år, selv om ingenting har endret seg siden 2019.",
    "Saksbehandlingstiden hos NAV var 12 uker; regelen i § 18 gir ingen unntak.",
    "Beløpet var 12 000 000 kr fordelt på 3 år.",
    "Mor og far fikk ikke tolk til møtet med barnevernet.",
)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_system_level_text_passes(text: str) -> None:
    assert personal_data_in(text, ["Familien Haddad", "Amina Haddad", "Mor"]) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Gjelder 01019012345 som ikke fikk svar.", PersonalData.national_id),
        ("Fødselsnummer 010190 12345 ble brukt.", PersonalData.national_id),
        ("Fnr:31129912345.", PersonalData.national_id),
        ("D-nummer 41019012345 kom ikke inn i systemet.", PersonalData.d_number),
        ("D-nummer 710190 12345.", PersonalData.d_number),
        ("Ring 98765432 for mer.", PersonalData.phone),
        ("Ring 987 65 432 for mer.", PersonalData.phone),
        ("Telefon 22 33 44 55 svarte ikke.", PersonalData.phone),
        ("Ring +47 98765432.", PersonalData.phone),
        ("Ring +4798765432.", PersonalData.phone),
        ("Ring 0047 987 65 432.", PersonalData.phone),
        ("Send til ola.nordmann@example.no i morgen.", PersonalData.email),
        ("Skriv til A.B+sak@nav-test.kommune.no.", PersonalData.email),
        ("Haddad fikk ikke bostøtte.", PersonalData.name),
        ("Familien haddad fikk ikke bostøtte.", PersonalData.name),
        ("Amina ventet i fire måneder.", PersonalData.name),
        ("Lærer Jonas Berg meldte fra.", PersonalData.name),
    ],
)
def test_text_that_looks_like_personal_data_is_found(text: str, kind: PersonalData) -> None:
    names = ["Familien Haddad", "Amina Haddad", "Jonas Berg"]

    assert personal_data_in(text, names) == [kind]


def test_every_kind_found_is_named_once() -> None:
    text = "Haddad, 01019012345, 98765432 og haddad@example.no"

    assert personal_data_in(text, ["Familien Haddad"]) == [
        PersonalData.national_id,
        PersonalData.phone,
        PersonalData.email,
        PersonalData.name,
    ]


def test_a_name_inside_a_longer_word_is_not_a_name() -> None:
    assert personal_data_in("Reglene i Bergen kommune er strenge.", ["Jonas Berg"]) == []
