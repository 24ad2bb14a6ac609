"""The seed service catalogue: `catalogue/services.yaml`, validated on load.

The file holds the provider organisations (they become Duk units, DESIGN §2/§3 "Unit") and the
services (DESIGN §3 "Service"), with Open Referral HSDS 3.0 field names where one exists. A bad
file never half-loads: every problem is collected and reported together in one
`CatalogueError`, each line naming the file and the entry, e.g.
``catalogue/services.yaml: services[12] (startlan): organization 'husbank' is not defined``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from app.paths import project_root

__all__ = [
    "DOMAIN_KEYS",
    "SERVICE_STATUSES",
    "UNIT_LEVELS",
    "CatalogueError",
    "CatalogueSeed",
    "SeedOrganization",
    "SeedService",
    "SeedTranslation",
    "default_catalogue_path",
    "load_catalogue",
]

#: The canvas life-domain keys (DESIGN §6); a service's `domains` are taxonomy terms from here.
DOMAIN_KEYS: Final[tuple[str, ...]] = (
    "bolig",
    "okonomi",
    "arbeid",
    "utdanning",
    "helse",
    "fritid",
    "familie_nettverk",
    "sprak_integrering",
)
UNIT_LEVELS: Final[tuple[str, ...]] = ("municipal", "regional", "state", "voluntary", "private")
SERVICE_STATUSES: Final[tuple[str, ...]] = ("active", "inactive", "defunct")

CATALOGUE_ENV_VAR: Final = "DUK_CATALOGUE_FILE"

KEY_PATTERN: Final = r"^[a-z0-9][a-z0-9-]*$"
MUNICIPALITY_CODE_PATTERN: Final = r"^[0-9]{4}$"
LANGUAGE_PATTERN: Final = r"^[a-z]{2,3}$"
URL_PATTERN: Final = r"^https?://\S+$"
_INDICATOR_RE: Final = re.compile(r"^[a-z][a-z_]*\.[a-z0-9][a-z0-9_]*$")
_LANGUAGE_RE: Final = re.compile(LANGUAGE_PATTERN)

UnitLevelName = Literal["municipal", "regional", "state", "voluntary", "private"]
ServiceStatusName = Literal["active", "inactive", "defunct"]


_M = TypeVar("_M", bound="_SeedModel")


class CatalogueError(Exception):
    """The catalogue file cannot be used. `errors` holds one line per problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))


class _SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SeedTranslation(_SeedModel):
    """A service's name and description in one language (the YAML's main text is bokmål)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)


class SeedOrganization(_SeedModel):
    """A provider organisation; becomes a Duk unit."""

    slug: str = Field(pattern=KEY_PATTERN, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    alternate_name: str | None = Field(default=None, max_length=200)
    level: UnitLevelName
    municipality_code: str | None = Field(default=None, pattern=MUNICIPALITY_CODE_PATTERN)
    parent: str | None = None
    website: str | None = Field(default=None, pattern=URL_PATTERN, max_length=500)
    email: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _check(self) -> SeedOrganization:
        if self.parent == self.slug:
            raise ValueError("an organization cannot be its own parent")
        return self


class SeedService(_SeedModel):
    """One catalogue entry (HSDS 3.0 `service` field names, plus Duk's own keys)."""

    id: str = Field(pattern=KEY_PATTERN, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    alternate_name: str | None = Field(default=None, max_length=200)
    organization: str = Field(min_length=1)
    status: ServiceStatusName = "active"
    description: str = Field(min_length=1)
    eligibility_description: str | None = None
    application_process: str | None = None
    fees_description: str | None = None
    url: str | None = Field(default=None, pattern=URL_PATTERN, max_length=500)
    email: str | None = Field(default=None, max_length=200)
    minimum_age: int | None = Field(default=None, ge=0, le=130)
    maximum_age: int | None = Field(default=None, ge=0, le=130)
    domains: list[str] = Field(min_length=1)
    indicators: list[str] = Field(default_factory=list)
    translations: dict[str, SeedTranslation] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> SeedService:
        problems: list[str] = []
        if (
            self.minimum_age is not None
            and self.maximum_age is not None
            and self.minimum_age > self.maximum_age
        ):
            problems.append(
                f"minimum_age {self.minimum_age} is greater than maximum_age {self.maximum_age}"
            )
        for domain in self.domains:
            if domain not in DOMAIN_KEYS:
                problems.append(
                    f"domain '{domain}' is not a known domain key ({', '.join(DOMAIN_KEYS)})"
                )
        problems += _duplicates("domain", self.domains)
        for code in self.indicators:
            if not _INDICATOR_RE.match(code):
                problems.append(f"indicator '{code}' is not of the form <domain>.<code>")
            elif code.split(".", 1)[0] not in self.domains:
                problems.append(
                    f"indicator '{code}' is outside the service's domains "
                    f"({', '.join(self.domains)})"
                )
        problems += _duplicates("indicator", self.indicators)
        for language in self.translations:
            if not _LANGUAGE_RE.match(language):
                problems.append(f"translation language '{language}' is not a language code")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class CatalogueSeed(_SeedModel):
    """The whole seed file, cross-checked (unique keys, known organisations and parents)."""

    organizations: list[SeedOrganization]
    services: list[SeedService]

    def organizations_by_slug(self) -> dict[str, SeedOrganization]:
        return {org.slug: org for org in self.organizations}

    def services_by_id(self) -> dict[str, SeedService]:
        return {service.id: service for service in self.services}

    def level_of(self, service: SeedService) -> str:
        """The service's level: the level of its provider organisation."""
        return self.organizations_by_slug()[service.organization].level


def default_catalogue_path() -> Path:
    """The shipped `catalogue/services.yaml`, unless `DUK_CATALOGUE_FILE` names another file."""
    override = os.environ.get(CATALOGUE_ENV_VAR)
    if override:
        return Path(override)
    return project_root() / "catalogue" / "services.yaml"


def load_catalogue(path: Path) -> CatalogueSeed:
    """Read and validate a catalogue file; raise `CatalogueError` listing every problem."""
    shown = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError([f"{shown}: cannot read the catalogue: {exc}"]) from exc
    try:
        data: Any = yaml.safe_load(text)
        lines = _entry_lines(text)
    except yaml.YAMLError as exc:
        raise CatalogueError([f"{shown}: invalid YAML: {_yaml_problem(exc)}"]) from exc

    if not isinstance(data, dict):
        raise CatalogueError(
            [f"{shown}: the file must be a mapping with 'organizations' and 'services'"]
        )
    errors: list[str] = []
    for key in data:
        if key not in ("organizations", "services"):
            errors.append(f"{shown}: unknown top-level key '{key}'")
    raw_orgs = _entry_list(data, "organizations", shown, errors)
    raw_services = _entry_list(data, "services", shown, errors)

    organizations: list[tuple[int, SeedOrganization]] = []
    for index, raw in enumerate(raw_orgs):
        label = _label(shown, "organizations", index, raw, "slug", lines)
        org = _validate(SeedOrganization, raw, label, errors)
        if org is not None:
            organizations.append((index, org))

    services: list[tuple[int, SeedService]] = []
    for index, raw in enumerate(raw_services):
        label = _label(shown, "services", index, raw, "id", lines)
        service = _validate(SeedService, raw, label, errors)
        if service is not None:
            services.append((index, service))

    # Cross-entry checks. Organisations that failed validation still count as defined, so that
    # one typo is not reported again on every service the organisation provides.
    defined_orgs = {org.slug for _, org in organizations} | _raw_keys(raw_orgs, "slug")
    parents: dict[str, str | None] = {}
    seen_slugs: dict[str, int] = {}
    for index, org in organizations:
        label = _label(shown, "organizations", index, raw_orgs[index], "slug", lines)
        if org.slug in seen_slugs:
            errors.append(
                f"{label}: slug '{org.slug}' is already used by "
                f"organizations[{seen_slugs[org.slug]}]"
            )
        else:
            seen_slugs[org.slug] = index
        if org.parent is not None and org.parent not in defined_orgs:
            errors.append(f"{label}: parent '{org.parent}' is not defined")
        parents.setdefault(org.slug, org.parent)
    for slug in sorted(_in_parent_cycles(parents)):
        index = seen_slugs[slug]
        label = _label(shown, "organizations", index, raw_orgs[index], "slug", lines)
        errors.append(f"{label}: parent chain of '{slug}' forms a cycle")

    seen_ids: dict[str, int] = {}
    for index, service in services:
        label = _label(shown, "services", index, raw_services[index], "id", lines)
        if service.id in seen_ids:
            errors.append(
                f"{label}: id '{service.id}' is already used by services[{seen_ids[service.id]}]"
            )
        else:
            seen_ids[service.id] = index
        if service.organization not in defined_orgs:
            errors.append(f"{label}: organization '{service.organization}' is not defined")

    if errors:
        raise CatalogueError(errors)
    return CatalogueSeed(
        organizations=[org for _, org in organizations],
        services=[service for _, service in services],
    )


# --- helpers ---------------------------------------------------------------------------------


def _duplicates(what: str, values: list[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return [f"{what} '{value}' is listed more than once" for value in repeated]


def _display(path: Path) -> str:
    """The path as a reader would name it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (OSError, ValueError):
        return str(path)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if isinstance(mark, yaml.Mark):
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)


def _entry_lines(text: str) -> dict[tuple[str, int], int]:
    """1-based line of each entry of the top-level 'organizations' and 'services' lists."""
    lines: dict[tuple[str, int], int] = {}
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode) or not isinstance(
            value_node, yaml.SequenceNode
        ):
            continue
        for index, item in enumerate(value_node.value):
            lines[(str(key_node.value), index)] = item.start_mark.line + 1
    return lines


def _entry_list(data: Mapping[Any, Any], key: str, shown: str, errors: list[str]) -> list[Any]:
    value = data.get(key)
    if value is None:
        errors.append(f"{shown}: '{key}' is missing or empty")
        return []
    if not isinstance(value, list):
        errors.append(f"{shown}: '{key}' must be a list")
        return []
    return value


def _label(
    shown: str,
    section: str,
    index: int,
    raw: object,
    key_field: str,
    lines: Mapping[tuple[str, int], int],
) -> str:
    label = f"{shown}: {section}[{index}]"
    if isinstance(raw, dict) and isinstance(raw.get(key_field), str):
        label += f" ({raw[key_field]})"
    line = lines.get((section, index))
    if line is not None:
        label += f" [line {line}]"
    return label


def _raw_keys(raw_entries: list[Any], key_field: str) -> set[str]:
    return {
        entry[key_field]
        for entry in raw_entries
        if isinstance(entry, dict) and isinstance(entry.get(key_field), str)
    }


def _validate(model: type[_M], raw: object, label: str, errors: list[str]) -> _M | None:
    if not isinstance(raw, dict):
        errors.append(f"{label}: each entry must be a mapping, not {type(raw).__name__}")
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = ".".join(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.append(f"{label}: {field}: {message}" if field else f"{label}: {message}")
        return None


def _in_parent_cycles(parents: Mapping[str, str | None]) -> set[str]:
    cyclic: set[str] = set()
    for start in parents:
        seen: list[str] = []
        node: str | None = start
        while node is not None and node in parents and node not in seen:
            seen.append(node)
            node = parents[node]
        if node is not None and node in seen:
            cyclic.update(seen[seen.index(node) :])
    return cyclic
