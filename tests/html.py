"""Reading a page as its reader does: elements found by CSS selector, their text and attributes.

``page(response).one("#need-form [name=text]")["value"]`` instead of splitting the markup at a
string. The page is parsed as a browser parses it (tinyhtml5, the WHATWG parser WeasyPrint uses
for the plan's PDF) and selectors are matched by cssselect2 (WeasyPrint's too), so entities
come out decoded and an element ends where the browser ends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import cssselect2  # type: ignore[import-untyped]
import httpx2
import tinyhtml5  # type: ignore[import-untyped]


def page(document: httpx2.Response | str) -> Element:
    """The document of a page or an htmx fragment (a response, or its text)."""
    text = document if isinstance(document, str) else document.text
    root = tinyhtml5.parse(text, namespace_html_elements=False)
    return Element(cssselect2.ElementWrapper.from_html_root(root))


def _words(text: str) -> str:
    return " ".join(text.split())


class Element:
    """One element of a page: what it says (``text``), its attributes (``element["href"]``)
    and the elements inside it (``one``, ``all``, ``texts``)."""

    def __init__(self, wrapped: Any) -> None:
        self._wrapped = wrapped
        self._node: Any = wrapped.etree_element

    def __repr__(self) -> str:
        attributes = "".join(f' {name}="{value}"' for name, value in self._node.attrib.items())
        return f"<{self.tag}{attributes}>"

    # --- finding --------------------------------------------------------------------------

    def all(self, selector: str) -> list[Element]:
        """Every element inside this one that ``selector`` matches, in document order."""
        return [Element(found) for found in self._wrapped.query_all(selector)]

    def one(self, selector: str) -> Element:
        """The one element ``selector`` matches; none or several fail the test."""
        found = self.all(selector)
        assert len(found) == 1, f"{len(found)} elements match {selector!r}, not one"
        return found[0]

    def has(self, selector: str) -> bool:
        return self._wrapped.query(selector) is not None

    def texts(self, selector: str) -> list[str]:
        """The text of every element ``selector`` matches."""
        return [found.text for found in self.all(selector)]

    def by_text(self, selector: str, words: str) -> Element:
        """The one element ``selector`` matches whose text holds ``words``."""
        found = [element for element in self.all(selector) if words in element.text]
        assert len(found) == 1, f"{len(found)} of {selector!r} say {words!r}, not one"
        return found[0]

    # --- reading --------------------------------------------------------------------------

    @property
    def tag(self) -> str:
        tag: str = self._node.tag
        return tag

    @property
    def text(self) -> str:
        """What the element says, entities decoded and each run of white space one space."""
        return _words("".join(self._node.itertext()))

    def text_without(self, selector: str) -> str:
        """The text, leaving out what ``selector`` matches inside the element (words kept for
        screen readers only, say, or a decorative glyph hidden from them)."""
        left_out = {found._node for found in self.all(selector)}

        def walk(node: Any) -> Iterator[str]:
            if node in left_out:
                return
            yield node.text or ""
            for child in node:
                yield from walk(child)
                yield child.tail or ""

        return _words("".join(walk(self._node)))

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        assert value is not None, f"{self!r} has no {name} attribute"
        return value

    def get(self, name: str) -> str | None:
        value: str | None = self._node.get(name)
        return value

    def __contains__(self, name: str) -> bool:
        """Whether the element has the attribute: ``"disabled" in button``."""
        return name in self._node.attrib

    @property
    def classes(self) -> set[str]:
        return set(self["class"].split()) if "class" in self else set()

    # --- forms ----------------------------------------------------------------------------

    def checked(self, name: str) -> str | None:
        """The value of the checked radio button of group ``name`` (None when none is)."""
        chosen = self.all(f'input[name="{name}"]:checked')
        assert len(chosen) <= 1, f"{len(chosen)} choices of {name} are checked"
        return chosen[0]["value"] if chosen else None

    def ticked(self, name: str) -> list[str]:
        """The values of the ticked checkboxes (or checked radios) named ``name``."""
        return [found["value"] for found in self.all(f'input[name="{name}"]:checked')]

    def selected(self, name: str) -> list[str]:
        """The values of the selected options of the select named ``name``."""
        return [found["value"] for found in self.all(f'select[name="{name}"] option[selected]')]

    def value(self, name: str) -> str:
        """What the one field named ``name`` holds: an input's value, a textarea's text."""
        field = self.one(f'[name="{name}"]')
        if field.tag == "textarea":
            return "".join(field._node.itertext())
        return field.get("value") or ""

    def hidden_fields(self) -> dict[str, str]:
        """The hidden inputs of this form (its CSRF token, the version it was drawn at ...),
        as the browser sends them."""
        return {found["name"]: found.get("value") or "" for found in self.all("input[type=hidden]")}

    def form(self, action: str) -> Element:
        """The one form on the page that posts to ``action``."""
        return self.one(f'form[action="{action}"]')

    def field_error(self, name: str) -> str:
        """The message shown beside the field ``name``, as a screen reader finds it: among
        the elements that describe the field (or the fieldset of its radio group), the one
        that is a field error."""
        errors = [
            described.text
            for holder in self._field_and_fieldset(name)
            for described in self._described_by(holder)
            if "field-error" in described.classes
        ]
        assert errors, f"the field {name} names no message"
        return " ".join(errors)

    def invalid(self, name: str) -> bool:
        """Whether the field ``name`` (or the fieldset of its radio group) is marked invalid."""
        return any(
            holder.get("aria-invalid") == "true" for holder in self._field_and_fieldset(name)
        )

    def _field_and_fieldset(self, name: str) -> list[Element]:
        fields = self.all(f'[name="{name}"]')
        assert fields, f"no field named {name}"
        fieldsets = [up for up in fields[0].ancestors() if up.tag == "fieldset"][:1]
        return [*fields, *fieldsets]

    def _described_by(self, element: Element) -> list[Element]:
        document = self.ancestors()[-1] if self.ancestors() else self
        return [
            document.one(f'[id="{described}"]')
            for described in (element.get("aria-describedby") or "").split()
        ]

    def ancestors(self) -> list[Element]:
        """The elements this one is inside, the nearest first."""
        return [Element(wrapped) for wrapped in reversed(self._wrapped.ancestors)]

    # --- tables ---------------------------------------------------------------------------

    def rows(self, *, without: str | None = None) -> list[list[str]]:
        """The texts of the cells (th and td) of each row of this table, leaving out what
        ``without`` matches."""
        return [
            [cell.text_without(without) if without else cell.text for cell in row.all("th, td")]
            for row in self.all("tr")
        ]
