"""Suggested matches for an unmapped system SKU: the same normalised SKU, a shared barcode, a similar title.

Methods are tried in that order and the first that finds any item wins. The score is
1 / the number of candidate items for SKU and barcode matches (several candidates: the one whose
name is most like the source's title is suggested, else the first by SKU), and the similarity
ratio (difflib, case-folded, at least TITLE_CUTOFF) for titles. Evidence says what matched.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from connectors.emitter import SkuFacts

TITLE_CUTOFF = 0.8
TITLE_CANDIDATES = 200  # items sharing the most words with a title are compared, at most this many
EVIDENCE_LISTED = 10
GTIN_DIGITS = 14
_SEPARATORS = re.compile(r"[\s\-_.]+")
_WORD = re.compile(r"[0-9a-z]+")


class Method(StrEnum):
    """How a suggestion was found."""

    NORMALISED_SKU = "normalised_sku"
    BARCODE = "barcode"
    TITLE = "title"


@dataclass(frozen=True)
class Suggestion:
    """The item a system SKU most likely is (None when nothing fits), how it was found, and why."""

    suggested_sku: str | None
    method: str | None
    score: float | None
    evidence: str


def normalise_sku(sku: str) -> str:
    """A SKU compared loosely: upper-case, without spaces, dashes, underscores, dots and leading zeros."""
    return _SEPARATORS.sub("", sku.upper()).lstrip("0")


def barcode_key(barcode: str) -> str:
    """A barcode compared as a GTIN: digits zero-padded to 14 (UPC-A = its EAN-13), other text as is."""
    code = barcode.strip()
    if code.isdigit() and len(code) <= GTIN_DIGITS:
        return code.zfill(GTIN_DIGITS)
    return code.upper()


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) > 1}


def similarity(a: str, b: str) -> float:
    """How alike two titles are (difflib ratio of the case-folded, whitespace-collapsed texts)."""
    return SequenceMatcher(
        None, " ".join(a.casefold().split()), " ".join(b.casefold().split())
    ).ratio()


class ItemIndex:
    """The items of the master (created by now) indexed by normalised SKU, barcode and name words."""

    def __init__(self, items: Iterable[tuple[str, str | None, str | None]]) -> None:
        self.names: dict[str, str] = {}
        self._by_sku: dict[str, list[str]] = defaultdict(list)
        self._by_barcode: dict[str, list[str]] = defaultdict(list)
        self._by_word: dict[str, list[str]] = defaultdict(list)
        for sku, name, barcode in sorted(items, key=lambda item: item[0]):
            if normalised := normalise_sku(sku):
                self._by_sku[normalised].append(sku)
            if barcode and barcode.strip():
                self._by_barcode[barcode_key(barcode)].append(sku)
            if name:
                self.names[sku] = name
                for word in _words(name):
                    self._by_word[word].append(sku)

    def sku_matches(self, system_sku: str) -> list[str]:
        """Items whose normalised SKU equals the system SKU's, sorted."""
        normalised = normalise_sku(system_sku)
        return list(self._by_sku.get(normalised, [])) if normalised else []

    def barcode_matches(self, barcode: str | None) -> list[str]:
        """Items carrying the barcode (as a GTIN), sorted."""
        return list(self._by_barcode.get(barcode_key(barcode), [])) if barcode else []

    def best_title(
        self, title: str, among: Iterable[str] | None = None
    ) -> tuple[str, float] | None:
        """The item whose name is most like `title`: among given SKUs (any ratio), else the cutoff applies."""
        if among is not None:  # max() keeps the first of equals: the first SKU
            scored = [(s, similarity(title, self.names[s])) for s in among if s in self.names]
            best = max(scored, key=lambda pair: pair[1], default=None)
            return None if best is None or best[1] == 0 else best
        shared = Counter(s for w in _words(title) for s in self._by_word.get(w, ()))
        matcher = SequenceMatcher(None, b=" ".join(title.casefold().split()))
        found: tuple[str, float] | None = None
        for sku, _ in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[:TITLE_CANDIDATES]:
            matcher.set_seq1(" ".join(self.names[sku].casefold().split()))
            if matcher.real_quick_ratio() < TITLE_CUTOFF or matcher.quick_ratio() < TITLE_CUTOFF:
                continue
            ratio = matcher.ratio()
            if ratio >= TITLE_CUTOFF and (found is None or ratio > found[1]):
                found = (sku, ratio)
        return found


def suggest(system_sku: str, facts: SkuFacts, index: ItemIndex) -> Suggestion:
    """The best suggestion for one unmapped system SKU (a row with no suggested SKU when nothing fits)."""
    by_sku = index.sku_matches(system_sku)
    if by_sku:
        why = f"normalised, {system_sku!r} is {normalise_sku(system_sku)!r} like the SKU of"
        return _pick(Method.NORMALISED_SKU, by_sku, why, facts, index)
    by_barcode = index.barcode_matches(facts.barcode)
    if by_barcode:
        return _pick(Method.BARCODE, by_barcode, f"barcode {facts.barcode} is on", facts, index)
    if facts.title:
        match = index.best_title(facts.title)
        if match is not None:
            sku, ratio = match
            evidence = (
                f"title {facts.title!r} is {ratio:.0%} similar to the name of {sku} "
                f"({index.names[sku]!r})"
            )
            return Suggestion(sku, Method.TITLE.value, round(ratio, 4), evidence)
    return Suggestion(None, None, None, _nothing(facts))


def _pick(
    method: Method, candidates: list[str], why: str, facts: SkuFacts, index: ItemIndex
) -> Suggestion:
    chosen = candidates[0]
    evidence = f"{why} {_listed(candidates)}"
    if len(candidates) > 1 and facts.title:
        best = index.best_title(facts.title, among=candidates)
        if best is not None:
            chosen = best[0]
            evidence += f"; {chosen}'s name is the most like the title {facts.title!r}"
    return Suggestion(chosen, method.value, round(1 / len(candidates), 4), evidence)


def _listed(skus: list[str]) -> str:
    shown = ", ".join(skus[:EVIDENCE_LISTED])
    more = len(skus) - EVIDENCE_LISTED
    label = "item" if len(skus) == 1 else f"{len(skus)} items:"
    return f"{label} {shown}" + (f" and {more} more" if more > 0 else "")


def _nothing(facts: SkuFacts) -> str:
    if facts.barcode:
        found = f"no item has the same normalised SKU or the barcode {facts.barcode}"
    else:
        found = "no item has the same normalised SKU (the source gave no barcode)"
    if facts.title:
        return f"{found}; no item name is {TITLE_CUTOFF:.0%} similar to the title {facts.title!r}"
    return f"{found}; the source gave no title"
