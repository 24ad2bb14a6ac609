"""Canvas templates (DESIGN §6): the schema, loader and validator.

A template is data, not code. It lives in ``canvas_templates/<key>.yaml`` and describes one kind
of canvas: the centre prompt, the life domains with their conversation prompts and indicator
codes, the score scale with its stage labels, the sections and the outer ring.

Loading is strict and all-or-nothing. Any problem (YAML syntax, a missing translation, an
indicator code in the wrong domain, overlapping score stages, an unknown field, ...) raises a
:class:`TemplateError` naming the file, the line and the field (list indices count from 0)::

    canvas_templates/familie.yaml:42: domains[3].indicators[1].title.nn: Field required
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.paths import project_root

__all__ = [
    "LANGUAGES",
    "SECTIONS",
    "CanvasTemplateDef",
    "Centre",
    "Domain",
    "Indicator",
    "Localized",
    "RingCategory",
    "Scale",
    "Stage",
    "TemplateError",
    "default_template_dir",
    "load_template_dir",
    "load_template_file",
]

LANGUAGES: tuple[str, ...] = ("nb", "nn", "en")
"""Languages every template text must have. ``nb`` (bokmål) is the fallback."""
EXTRA_LANGUAGES: tuple[str, ...] = ("ar", "so", "uk", "pl")  # the family's others, optional

SECTIONS: tuple[str, ...] = ("situation", "strengths", "dreams", "goals")
"""Canvas sections a template may switch on."""

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
INDICATOR_CODE_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"

TEMPLATE_DIR_ENV = "DUK_TEMPLATE_DIR"

_RULE_ERROR = "template_rule"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
IndicatorCode = Annotated[str, StringConstraints(pattern=INDICATOR_CODE_PATTERN)]
Audience = Literal["family", "youth", "adult", "municipality"]
Section = Literal["situation", "strengths", "dreams", "goals"]

Loc = tuple[int | str, ...]


def _rule(message: str, *at: int | str) -> NoReturn:
    """Fail a semantic check. ``at`` is the path below the validated model that is at fault,
    so the loader can point at the exact field and line rather than the whole model."""
    raise PydanticCustomError(_RULE_ERROR, "{detail}", {"detail": message, "at": at})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Model):
    """A text in bokmål, nynorsk and English (all required), and in the family's other
    languages where a family reads it; absent ones are left out of its dump (a stored
    template's checksum, template_store, stays)."""

    nb: Text
    nn: Text
    en: Text
    ar: Text | None = None
    so: Text | None = None
    uk: Text | None = None
    pl: Text | None = None

    @model_serializer(mode="wrap")
    def _without_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}

    def language_of(self, lang: str) -> str:
        """``lang`` (``nn-NO`` understood), or bokmål where the text lacks it (WCAG 3.1.2)."""
        base = lang.strip().lower().replace("_", "-").split("-", 1)[0]
        if base not in LANGUAGES + EXTRA_LANGUAGES or getattr(self, base) is None:
            return "nb"
        return base

    def get(self, lang: str) -> str:
        """The text in ``lang``, falling back to bokmål."""
        return str(getattr(self, self.language_of(lang)))


class Indicator(_Model):
    """A structured indicator the worker can tick in a domain; used for statistics."""

    code: IndicatorCode
    title: Localized

    @property
    def domain_key(self) -> str:
        return self.code.split(".", 1)[0]


class Domain(_Model):
    """A life domain on the canvas (bolig, okonomi, ...)."""

    key: Key
    title: Localized
    description: Localized
    prompts: tuple[Localized, ...] = Field(min_length=2, max_length=4)
    indicators: tuple[Indicator, ...] = Field(min_length=4, max_length=8)

    @model_validator(mode="after")
    def _indicators_belong_here(self) -> Self:
        seen: set[str] = set()
        for i, indicator in enumerate(self.indicators):
            if indicator.domain_key != self.key:
                _rule(
                    f"indicator code {indicator.code!r} must start with {self.key + '.'!r} "
                    f"(it belongs to domain {self.key!r})",
                    "indicators",
                    i,
                    "code",
                )
            if indicator.code in seen:
                _rule(f"duplicate indicator code {indicator.code!r}", "indicators", i, "code")
            seen.add(indicator.code)
        return self

    def indicator(self, code: str) -> Indicator | None:
        return next((ind for ind in self.indicators if ind.code == code), None)


class Stage(_Model):
    """A band of the score scale with a plain-language label, e.g. 1-3 "Det er tungt nå"."""

    from_: int = Field(alias="from")
    to: int
    label: Localized

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.to < self.from_:
            _rule(f"stage ends ({self.to}) before it starts ({self.from_})", "to")
        return self

    def contains(self, score: int) -> bool:
        return self.from_ <= score <= self.to


class Scale(_Model):
    """The score scale (1-10 on the family template). Stages are listed in ascending order
    and cover min..max exactly, without gaps or overlaps."""

    min: int
    max: int
    stages: tuple[Stage, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _stages_cover_scale(self) -> Self:
        if self.min >= self.max:
            _rule(f"max ({self.max}) must be greater than min ({self.min})", "max")
        first = self.stages[0]
        if first.from_ != self.min:
            _rule(
                f"the first stage must start at the scale minimum {self.min}, not {first.from_}",
                "stages",
                0,
                "from",
            )
        for i in range(1, len(self.stages)):
            previous, stage = self.stages[i - 1], self.stages[i]
            if stage.from_ <= previous.to:
                _rule(
                    f"stage {stage.from_}-{stage.to} overlaps the stage before it "
                    f"({previous.from_}-{previous.to}); stages must be in ascending order",
                    "stages",
                    i,
                    "from",
                )
            if stage.from_ > previous.to + 1:
                _rule(
                    f"scores {previous.to + 1}-{stage.from_ - 1} are not covered by any stage",
                    "stages",
                    i,
                    "from",
                )
        last = self.stages[-1]
        if last.to != self.max:
            _rule(
                f"the last stage must end at the scale maximum {self.max}, not {last.to}",
                "stages",
                len(self.stages) - 1,
                "to",
            )
        return self

    def stage_for(self, score: int) -> Stage | None:
        """The stage a score falls in, or None when it is outside the scale."""
        return next((stage for stage in self.stages if stage.contains(score)), None)


class Centre(_Model):
    """The centre of the canvas: "Hva er viktig for dere?"."""

    prompt: Localized


class RingCategory(_Model):
    """A category in the outer ring of the canvas (public services, the family's own
    network, ...)."""

    key: Key
    title: Localized


class CanvasTemplateDef(_Model):
    """One version of one canvas template, as loaded from ``canvas_templates/*.yaml``."""

    key: Key
    version: int = Field(ge=1)
    audience: Audience
    title: Localized
    centre: Centre
    scale: Scale
    sections: tuple[Section, ...]
    domains: tuple[Domain, ...] = Field(min_length=1)
    ring: tuple[RingCategory, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Self:
        seen_sections: set[str] = set()
        for i, section in enumerate(self.sections):
            if section in seen_sections:
                _rule(f"section {section!r} is listed twice", "sections", i)
            seen_sections.add(section)
        seen_domains: set[str] = set()
        seen_codes: set[str] = set()
        for i, domain in enumerate(self.domains):
            if domain.key in seen_domains:
                _rule(f"duplicate domain key {domain.key!r}", "domains", i, "key")
            seen_domains.add(domain.key)
            for j, indicator in enumerate(domain.indicators):
                if indicator.code in seen_codes:
                    _rule(
                        f"duplicate indicator code {indicator.code!r}",
                        "domains",
                        i,
                        "indicators",
                        j,
                        "code",
                    )
                seen_codes.add(indicator.code)
        seen_ring: set[str] = set()
        for i, category in enumerate(self.ring):
            if category.key in seen_ring:
                _rule(f"duplicate ring category key {category.key!r}", "ring", i, "key")
            seen_ring.add(category.key)
        return self

    def domain(self, key: str) -> Domain | None:
        return next((domain for domain in self.domains if domain.key == key), None)

    def domain_keys(self) -> list[str]:
        return [domain.key for domain in self.domains]

    def indicator_codes(self) -> set[str]:
        return {ind.code for domain in self.domains for ind in domain.indicators}

    def indicator(self, code: str) -> Indicator | None:
        domain = self.domain(code.split(".", 1)[0])
        return domain.indicator(code) if domain is not None else None

    def title_in(self, lang: str) -> str:
        return self.title.get(lang)


# --------------------------------------------------------------------------------------------
# Errors


class TemplateError(Exception):
    """A canvas template could not be loaded. ``line`` is 1-based (None when unknown);
    ``field`` is a path like ``domains[3].indicators[1].title.nn`` ("" for the whole file)."""

    def __init__(self, file: str, line: int | None, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        super().__init__(file, line, field, message)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


def _format_loc(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _locate(root: yaml.Node, loc: Sequence[int | str]) -> int:
    """The line where the field at ``loc`` is written: its key's line, or its list item's
    line. When the path leaves the document (a missing field), the line of the deepest
    existing parent."""
    node = root
    line = _line(root)
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            # The last match wins, as in PyYAML's constructor (and after merge keys).
            match = None
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    match = (key_node, value_node)
            if match is None:
                break
            line, node = _line(match[0]), match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line = _line(node)
        else:
            break
    return line


def _first_duplicate_key(root: yaml.Node) -> tuple[Loc, int] | None:
    """PyYAML silently keeps the last of two equal keys; a template must not rely on that."""

    def walk(node: yaml.Node, loc: Loc, visited: set[int]) -> Iterator[tuple[Loc, int]]:
        if id(node) in visited:
            return
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                name = str(key_node.value)
                if name in seen and name != "<<":
                    yield (*loc, name), _line(key_node)
                seen.add(name)
                yield from walk(value_node, (*loc, name), visited)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                yield from walk(item, (*loc, i), visited)

    return next(walk(root, (), set()), None)


def _yaml_error(file: str, exc: yaml.YAMLError) -> TemplateError:
    line: int | None = None
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            line = int(mark.line) + 1
        parts = [exc.context, exc.problem]
        message = ", ".join(str(p) for p in parts if p) or "invalid YAML"
    else:
        message = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
    return TemplateError(file, line, "", f"invalid YAML: {message}")


def _validation_error(file: str, root: yaml.Node, exc: ValidationError) -> TemplateError:
    error = exc.errors(include_url=False)[0]
    loc: Loc = tuple(error["loc"])
    if error["type"] == _RULE_ERROR:
        loc = (*loc, *error.get("ctx", {}).get("at", ()))
    return TemplateError(file, _locate(root, loc), _format_loc(loc), str(error["msg"]))


# --------------------------------------------------------------------------------------------
# Loading


def _load(path: Path) -> tuple[CanvasTemplateDef, yaml.MappingNode]:
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TemplateError(file, None, "", f"not UTF-8 text: {exc.reason}") from exc
    except OSError as exc:
        raise TemplateError(file, None, "", f"cannot read file: {exc.strerror or exc}") from exc

    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # e.g. control characters in the text
        raise _yaml_error(file, exc) from exc
    try:
        root = loader.get_single_node()
        if root is None:
            raise TemplateError(file, None, "", "the file is empty; a template is a YAML mapping")
        if not isinstance(root, yaml.MappingNode):
            raise TemplateError(
                file,
                _line(root),
                "",
                f"a template must be a YAML mapping (key: value lines) at the top level, "
                f"not a {'list' if isinstance(root, yaml.SequenceNode) else 'single value'}",
            )
        duplicate = _first_duplicate_key(root)
        if duplicate is not None:
            dup_loc, dup_line = duplicate
            raise TemplateError(file, dup_line, _format_loc(dup_loc), "key is given twice")
        data: Any = loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise _yaml_error(file, exc) from exc
    finally:
        loader.dispose()

    try:
        template = CanvasTemplateDef.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(file, root, exc) from exc

    if not path.stem.startswith(template.key):
        raise TemplateError(
            file,
            _locate(root, ("key",)),
            "key",
            f"template key {template.key!r} does not match the file name {path.name!r} "
            f"(the name must start with the key, e.g. {template.key + '.yaml'!r})",
        )
    return template, root


def load_template_file(path: Path) -> CanvasTemplateDef:
    """Load and validate one template file. Raises :class:`TemplateError` on the first problem."""
    return _load(path)[0]


def load_template_dir(directory: Path) -> list[CanvasTemplateDef]:
    """Load every ``*.yaml`` template in ``directory`` (sorted by file name; hidden files are
    skipped). All or nothing: the first bad file raises its :class:`TemplateError` and nothing
    is returned. Two files defining the same key and version are an error."""
    if not directory.is_dir():
        raise TemplateError(str(directory), None, "", "template directory not found")
    templates: list[CanvasTemplateDef] = []
    defined_in: dict[tuple[str, int], Path] = {}
    for path in sorted(directory.glob("*.yaml"), key=lambda p: p.name):
        if path.name.startswith(".") or not path.is_file():
            continue
        template, root = _load(path)
        ident = (template.key, template.version)
        if ident in defined_in:
            raise TemplateError(
                str(path),
                _locate(root, ("version",)),
                "version",
                f"template {template.key!r} version {template.version} is already defined "
                f"in {defined_in[ident].name}",
            )
        defined_in[ident] = path
        templates.append(template)
    return templates


def default_template_dir() -> Path:
    """The shipped ``canvas_templates/`` directory of the project, unless the
    ``DUK_TEMPLATE_DIR`` environment variable names another one."""
    override = os.environ.get(TEMPLATE_DIR_ENV, "").strip()
    if override:
        return Path(override)
    return project_root() / "canvas_templates"
