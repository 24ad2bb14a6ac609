"""Reading a page as its reader does: elements found by CSS selector, their text and attributes.

``page(response).form("/barriers").field_error("text")`` or ``page(response).one("#progress")``
instead of splitting the markup at a string. The page is parsed as a browser parses it
(tinyhtml5, the WHATWG parser WeasyPrint uses for the plan's PDF) and selectors are matched by
cssselect2 (WeasyPrint's too), so entities come out decoded and an element ends where the
browser ends it.
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


# Elements a browser sets apart from what comes before and after them (its innerText does).
_BLOCKS = frozenset(
    "address article aside blockquote br caption dd details div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr legend li main nav ol option p pre "
    "section summary table tbody td tfoot th thead tr ul".split()
)


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
        """Every element that ``selector`` matches, this one or inside it, in document order."""
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
        """What the element says, as a reader reads it off the screen: entities decoded, a
        space between blocks (a paragraph, a list item, a table cell) and each run of white
        space one space."""
        return self._read(left_out=set())

    def text_without(self, selector: str) -> str:
        """The text, leaving out what ``selector`` matches inside the element (words kept for
        screen readers only, say, or a decorative glyph hidden from them)."""
        return self._read(left_out={found._node for found in self.all(selector)})

    def _read(self, left_out: set[Any]) -> str:
        def walk(node: Any) -> Iterator[str]:
            if node in left_out or not isinstance(node.tag, str):  # comments
                return
            apart = " " if node.tag in _BLOCKS else ""
            yield apart + (node.text or "")
            for child in node:
                yield from walk(child)
                yield child.tail or ""
            yield apart

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

    def hidden_fields(self) -> dict[str, str | list[str]]:
        """The hidden inputs of this form (its CSRF token, the version it was drawn at ...),
        as the browser sends them: a name the form repeats (one per row) with all its
        values."""
        values: dict[str, list[str]] = {}
        for found in self.all("input[type=hidden]"):
            values.setdefault(found["name"], []).append(found.get("value") or "")
        return {name: sent[0] if len(sent) == 1 else sent for name, sent in values.items()}

    def form(self, action: str, *, button: str | None = None) -> Element:
        """The one form on the page that posts to ``action``; where several do (one per
        suggestion, say), the one with the button that says ``button``."""
        forms = self.all(f'form[action="{action}"]')
        if button is not None:
            forms = [form for form in forms if button in form.texts("button")]
        assert len(forms) == 1, f"{len(forms)} forms post to {action} (button {button!r})"
        return forms[0]

    def button(self, says: str) -> Element:
        """The one button of this element that says ``says``, all of it."""
        found = [button for button in self.all("button") if button.text == says]
        assert len(found) == 1, f"{len(found)} buttons say {says!r}, not one"
        return found[0]

    def field_error(self, name: str) -> str:
        """The message shown beside the field ``name``, as a screen reader finds it: among
        the elements that describe the field (or the fieldset of its radio group), the one
        that is a field error."""
        return self.error_of(f'[name="{name}"]')

    def error_of(self, selector: str) -> str:
        """``field_error`` for the field ``selector`` finds (one of several of the same name,
        say: ``error_of("#participant-0-name")``)."""
        errors = [
            described.text
            for holder in self._field_and_fieldset(selector)
            for described in self._described_by(holder)
            if "field-error" in described.classes
        ]
        assert errors, f"{selector} names no message"
        return " ".join(errors)

    def invalid(self, name: str) -> bool:
        """Whether the field ``name`` (or the fieldset of its radio group) is marked invalid."""
        return any(
            holder.get("aria-invalid") == "true"
            for holder in self._field_and_fieldset(f'[name="{name}"]')
        )

    def _field_and_fieldset(self, selector: str) -> list[Element]:
        fields = self.all(selector)
        assert fields, f"no field {selector}"
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

    # --- what the CSP would refuse --------------------------------------------------------

    def inline_code(self) -> list[str]:
        """Script and style written into the page rather than loaded from a file: inline
        scripts, style elements and attributes, event-handler attributes (``onclick``). The
        pages' Content-Security-Policy refuses them all, so a page must have none."""
        found = [f"{script!r}" for script in self.all("script:not([src])")]
        found += [f"{style!r}" for style in self.all("style, [style]")]
        found += [
            f"{element!r}"
            for element in self.all("*")
            if any(name.lower().startswith("on") for name in element._node.attrib)
        ]
        return found

    # --- tables ---------------------------------------------------------------------------

    def rows(self, *, without: str | None = None) -> list[list[str]]:
        """The texts of the cells (th and td) of each row of this table, leaving out what
        ``without`` matches."""
        return [
            [cell.text_without(without) if without else cell.text for cell in row.all("th, td")]
            for row in self.all("tr")
        ]
