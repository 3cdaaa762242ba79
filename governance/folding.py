"""One exception per problem: a less severe rule's finding folds into the rule that declares `folds`.

A refunded return stuck for eight days is both a return lag breach and a black hole; the black-hole
rule declares `folds=("return_lag_breach",)`, so the return is one exception (black hole, high)
whose facts also carry the lag breach's facts and say which rule was folded in. A folded rule's
finding without a holder (a return waiting longer than the lag target, not yet a black hole)
stays its own exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from governance.rule_model import ExceptionRule, Found

FOLDED_FACT = "also"  # the facts key listing the rule types folded into an exception


def fold(findings: Mapping[ExceptionRule, list[Found]]) -> dict[ExceptionRule, list[Found]]:
    """The findings with every folded instance merged into its holder (same fingerprint values)."""
    by_type = {rule.type: rule for rule in findings}
    result = {rule: list(found) for rule, found in findings.items()}
    for holder in findings:
        for folded_type in holder.folds:
            folded_rule = by_type.get(folded_type)
            if folded_rule is None:
                continue
            folded = {f.key: f for f in result[folded_rule]}
            result[holder] = [
                _merge(instance, folded.pop(instance.key, None), folded_type)
                for instance in result[holder]
            ]
            result[folded_rule] = list(folded.values())
    return result


def _merge(holder: Found, folded: Found | None, folded_type: str) -> Found:
    """The holder's finding with the folded one's facts added (the holder's win on a clash)."""
    if folded is None:
        return holder
    already = [*holder.facts.get(FOLDED_FACT, []), *folded.facts.get(FOLDED_FACT, [])]
    facts = {**folded.facts, **holder.facts, FOLDED_FACT: sorted({*already, folded_type})}
    return replace(holder, facts=facts)
