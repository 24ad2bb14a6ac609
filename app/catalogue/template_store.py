"""Canvas templates in the database. ``duk init`` loads the YAML files; each key and version
is stored once and never replaced, so old canvases keep the template they were made with."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogue.template_schema import (
    CanvasTemplateDef,
    TemplateError,
    default_template_dir,
    load_template_dir,
)
from app.kit.errors import FieldError, Invalid
from app.models import Canvas, CanvasTemplate


@dataclass(frozen=True)
class SyncResult:
    added: list[str]
    unchanged: list[str]


def _checksum(template: CanvasTemplateDef) -> str:
    canonical = json.dumps(template.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def sync_templates(session: Session, directory: Path | None = None) -> SyncResult:
    """Load every template file; all or nothing. A changed file must bump its version."""
    templates = load_template_dir(directory or default_template_dir())
    added: list[str] = []
    unchanged: list[str] = []
    for template in templates:
        checksum = _checksum(template)
        existing = session.scalar(
            select(CanvasTemplate).where(
                CanvasTemplate.key == template.key, CanvasTemplate.version == template.version
            )
        )
        label = f"{template.key} v{template.version}"
        if existing is None:
            session.add(
                CanvasTemplate(
                    key=template.key,
                    version=template.version,
                    definition=template.model_dump(mode="json", by_alias=True),
                    checksum=checksum,
                )
            )
            added.append(label)
        elif existing.checksum != checksum:
            raise TemplateError(
                f"{template.key}.yaml",
                None,
                "version",
                f"template {label} is already loaded with other content; "
                "raise its version to publish a change",
            )
        else:
            unchanged.append(label)
    session.flush()
    return SyncResult(added, unchanged)


# Stored template versions never change, so a parsed definition can be cached by row id.
_by_id: dict[uuid.UUID, CanvasTemplateDef] = {}


def template_by_id(session: Session, template_id: uuid.UUID) -> CanvasTemplateDef:
    cached = _by_id.get(template_id)
    if cached is not None:
        return cached
    row = session.get(CanvasTemplate, template_id)
    if row is None:
        raise LookupError(f"canvas template {template_id} is missing")
    parsed = CanvasTemplateDef.model_validate(row.definition)
    _by_id[template_id] = parsed
    return parsed


def latest(session: Session, key: str) -> CanvasTemplate:
    row = session.scalar(
        select(CanvasTemplate)
        .where(CanvasTemplate.key == key)
        .order_by(CanvasTemplate.version.desc())
        .limit(1)
    )
    if row is None:
        raise Invalid.field("template_key", f"No canvas template named {key!r}")
    return row


def latest_all(session: Session) -> list[tuple[CanvasTemplate, CanvasTemplateDef]]:
    rows = session.scalars(
        select(CanvasTemplate).order_by(CanvasTemplate.key, CanvasTemplate.version.desc())
    ).all()
    seen: set[str] = set()
    out: list[tuple[CanvasTemplate, CanvasTemplateDef]] = []
    for row in rows:
        if row.key in seen:
            continue
        seen.add(row.key)
        out.append((row, template_by_id(session, row.id)))
    return out


def template_of(session: Session, canvas: Canvas) -> CanvasTemplateDef:
    """The template a canvas was made with (its version, not the latest)."""
    return template_by_id(session, canvas.template_id)


def indicator_errors(
    template: CanvasTemplateDef, domain_key: str, codes: Iterable[str], field: str
) -> list[FieldError]:
    """What is wrong with ``codes`` as indicators of one domain of ``template``, one error per
    code, each naming its place in ``field``."""
    domain = template.domain(domain_key)
    errors: list[FieldError] = []
    if domain is None:
        return [FieldError(field, f"Unknown domain {domain_key!r}")]
    for i, code in enumerate(codes):
        if domain.indicator(code) is None:
            errors.append(
                FieldError(f"{field}[{i}]", f"{code!r} is not an indicator of {domain_key}")
            )
    return errors
