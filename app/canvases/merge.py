"""The three-way merge of two people's edits to one text, sentence by sentence (merge3, from the
common base both started from).

Two tablets that changed different sentences of the family's words get both changes, each
sentence once. Where both changed the same sentence, the merge is not clean: it holds both
versions of that sentence, theirs first, for the worker to choose from; the sentences around it
still come once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import merge3

# A sentence and the space after it: up to a full stop, question or exclamation mark that is
# followed by space or the end, or up to a line break.
_SENTENCE = re.compile(r".*?(?:[.!?…]+(?=\s|$)|\n|$)\s*", re.DOTALL)


@dataclass(frozen=True)
class Merged:
    text: str
    clean: bool  # False: a sentence both changed is in it twice, theirs then mine


def sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE.findall(text) if part]


def _tokens(text: str) -> list[str]:
    """The sentences and, apart, the space after each: a line break added after a sentence is
    a change of its own, not a change of the sentence."""
    tokens: list[str] = []
    for part in sentences(text):
        words = part.rstrip()
        tokens.append(words)
        if len(words) < len(part):
            tokens.append(part[len(words) :])
    return tokens


def merge_text(base: str, theirs: str, mine: str) -> Merged:
    out: list[str] = []
    clean = True
    for group in merge3.Merge3(_tokens(base), _tokens(theirs), _tokens(mine)).merge_groups():
        if group[0] != "conflict":
            out += group[1]
            continue
        _, was, a, b = group
        if len(was) == len(a) == len(b):
            # The same number of sentences, each changed on one side only at most: take each
            # change (diff3 would call neighbouring changes a conflict).
            for old, their, my in zip(was, a, b, strict=True):
                if their == old or their == my:
                    out.append(my)
                elif my == old:
                    out.append(their)
                else:
                    out += [their, my]
                    clean = False
            continue
        out += [*a, *b]
        clean = False
    return Merged(_joined(out), clean)


def _joined(parts: list[str]) -> str:
    text = ""
    for part in parts:
        if text and not text[-1].isspace() and not part[:1].isspace():
            text += " "
        text += part
    return text
