"""The service catalogue: loading the seed, searching, the provider units behind it, and the
services suggested for a need, ranked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.access.actor import Actor
from app.audit import service as audit
from app.catalogue.schemas import AgeFit, ServiceOut, Suggestion
from app.catalogue.seed import CatalogueSeed, default_catalogue_path, load_catalogue
from app.kit.i18n import local_today
from app.models import Family, Need, Service, Unit
from app.models.enums import AuditAction, NeedStatus, ServiceStatus, UnitLevel


@dataclass(frozen=True)
class CatalogueSync:
    units_added: int
    services_added: int
    services_updated: int


def sync_catalogue(session: Session, path: Path | None = None) -> CatalogueSync:
    """Create or update the seed's organizations (as units) and services, matched by slug and
    key. Services missing from the seed are left alone: a defunct service stays valid in old
    plans and is marked defunct in the seed, never deleted."""
    seed: CatalogueSeed = load_catalogue(path or default_catalogue_path())
    units_added = services_added = services_updated = 0
    units: dict[str, Unit] = {u.slug: u for u in session.scalars(select(Unit))}
    for org in seed.organizations:
        unit = units.get(org.slug)
        if unit is None:
            unit = Unit(
                slug=org.slug,
                name=org.name,
                level=UnitLevel(org.level),
                municipality_code=org.municipality_code,
            )
            session.add(unit)
            units[org.slug] = unit
            units_added += 1
        else:
            unit.name = org.name
            unit.level = UnitLevel(org.level)
            unit.municipality_code = org.municipality_code
    session.flush()
    for org in seed.organizations:
        units[org.slug].parent_id = units[org.parent].id if org.parent else None
    services: dict[str, Service] = {s.key: s for s in session.scalars(select(Service))}
    for entry in seed.services:
        provider = units[entry.organization]
        values = {
            "name": entry.name,
            "alternate_name": entry.alternate_name,
            "provider_unit_id": provider.id,
            "level": provider.level,
            "status": ServiceStatus(entry.status),
            "description": entry.description,
            "eligibility_description": entry.eligibility_description,
            "application_process": entry.application_process,
            "fees_description": entry.fees_description,
            "url": entry.url,
            "email": getattr(entry, "email", None),
            "minimum_age": entry.minimum_age,
            "maximum_age": entry.maximum_age,
            "domains": list(entry.domains),
            "indicators": list(entry.indicators),
            "translations": {
                lang: t.model_dump(exclude_none=True) for lang, t in entry.translations.items()
            },
        }
        service = services.get(entry.id)
        if service is None:
            session.add(Service(key=entry.id, **values))
            services_added += 1
        else:
            changed = False
            for name, value in values.items():
                if getattr(service, name) != value:
                    setattr(service, name, value)
                    changed = True
            services_updated += int(changed)
    session.flush()
    return CatalogueSync(units_added, services_added, services_updated)


def search_services(
    session: Session,
    *,
    domain: str | None,
    q: str | None,
    unit_id: uuid.UUID | None,
    include_inactive: bool,
    offset: int,
    limit: int,
) -> tuple[list[tuple[Service, Unit]], bool]:
    query = select(Service, Unit).join(Unit, Unit.id == Service.provider_unit_id)
    if not include_inactive:
        query = query.where(Service.status == ServiceStatus.active)
    if unit_id is not None:
        query = query.where(Service.provider_unit_id == unit_id)
    if q:
        pattern = f"%{q.casefold()}%"
        query = query.where(
            or_(
                func.lower(Service.name).like(pattern),
                func.lower(func.coalesce(Service.alternate_name, "")).like(pattern),
                func.lower(Service.description).like(pattern),
                func.lower(Unit.name).like(pattern),
            )
        )
    rows = [(s, u) for s, u in session.execute(query.order_by(Service.name, Service.id))]
    if domain:
        # Domains are a short JSON list; filtering here keeps the query portable.
        rows = [(s, u) for s, u in rows if domain in s.domains]
    page = rows[offset : offset + limit + 1]
    return page[:limit], len(page) > limit


def service_out(service: Service, provider: Unit) -> ServiceOut:
    return ServiceOut(
        id=service.id,
        key=service.key,
        name=service.name,
        alternate_name=service.alternate_name,
        provider_unit_id=service.provider_unit_id,
        provider_name=provider.name,
        level=service.level,
        status=service.status,
        description=service.description,
        eligibility_description=service.eligibility_description,
        application_process=service.application_process,
        fees_description=service.fees_description,
        url=service.url,
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        domains=list(service.domains),
        indicators=list(service.indicators),
        translations=dict(service.translations),
    )


# Ranking weights: an indicator the family named says more than the domain alone.
INDICATOR_WEIGHT = 3
DOMAIN_WEIGHT = 2


# Services someone in the household can use come first; then those only a grown-up of an age
# Duk does not record might use; last those nobody in the household is old or young enough for.
AGE_ORDER = {
    AgeFit.fits: 0,
    AgeFit.no_age_limit: 0,
    AgeFit.adult_maybe: 1,
    AgeFit.nobody: 2,
}
ADULT_AGE = 18


def age_fit(service: Service, household: Household) -> AgeFit:
    low, high = service.minimum_age, service.maximum_age
    if low is None and high is None:
        return AgeFit.no_age_limit
    low = 0 if low is None else low
    high = 200 if high is None else high
    # A child born in a year is one of two ages during this year: either may be the one.
    if any(age - 1 <= high and age >= low for age in household.child_ages):
        return AgeFit.fits
    if household.adults and high >= ADULT_AGE:
        return AgeFit.adult_maybe
    return AgeFit.nobody


@dataclass(frozen=True)
class Household:
    adults: int
    child_ages: tuple[int, ...]

    @classmethod
    def of(cls, family: Family, today: date) -> Household:
        return cls(
            adults=family.household_adults,
            child_ages=tuple(today.year - year for year in family.household_children_birth_years),
        )


def suggestions(session: Session, actor: Actor, need: Need, limit: int = 10) -> list[Suggestion]:
    """The catalogue's services for a need, best first: by who in the household the service
    takes (its age range), then by how well it matches (the signs the family named, then the
    life domain). A need entered in error has none: it is no need of the family's."""
    if need.status is NeedStatus.entered_in_error:
        return []
    rows = session.execute(
        select(Service, Unit)
        .join(Unit, Unit.id == Service.provider_unit_id)
        .where(Service.status == ServiceStatus.active)
    ).all()
    family = session.get(Family, need.family_id)
    assert family is not None  # a need always belongs to a family (foreign key)
    household = Household.of(family, local_today())
    wanted = set(need.indicators)
    ranked: list[tuple[int, int, str, Suggestion]] = []
    for service, provider in rows:
        matched = sorted(wanted.intersection(service.indicators))
        in_domain = need.domain in service.domains
        score = INDICATOR_WEIGHT * len(matched) + (DOMAIN_WEIGHT if in_domain else 0)
        if score == 0:
            continue
        fit = age_fit(service, household)
        suggestion = Suggestion(
            service=service_out(service, provider),
            score=score,
            matched_domain=in_domain,
            matched_indicators=matched,
            age_fit=fit,
        )
        ranked.append((AGE_ORDER[fit], -score, service.name, suggestion))
    ranked.sort(key=lambda item: (item[0], item[1], item[2]))
    audit.record(
        session,
        actor,
        AuditAction.read,
        "need",
        need.id,
        family_id=need.family_id,
        purpose="suggestions",
    )
    return [s for _, _, _, s in ranked[:limit]]


def services_by_id(session: Session) -> dict[uuid.UUID, tuple[Service, Unit]]:
    """Every service of the catalogue with its provider, withdrawn ones too (old referrals
    still name them)."""
    rows, _ = search_services(
        session, domain=None, q=None, unit_id=None, include_inactive=True, offset=0, limit=10_000
    )
    return {service.id: (service, unit) for service, unit in rows}


def service_text(service: Service, lang: str) -> dict[str, str]:
    """The service's name and description in the UI language, when the catalogue has them."""
    local = service.translations.get(lang) or {}
    return {
        "name": str(local.get("name") or service.name),
        "description": str(local.get("description") or service.description),
    }
