"""Privacy by construction: no public figure rests on fewer households than the threshold.

A cell computed over too few households is withheld. Withholding alone is not enough when a
total is shown beside its parts: the total less the visible parts would give the withheld
ones back. So the withheld cells of a group are shown together, as one "other" cell, only
when that cell itself rests on enough households; otherwise the smallest visible cells join
it until it does. For parts that share no household (communes) their counts add up; for
parts that may share them (months, categories) only the largest count is sure to be
distinct households, so a cell holding enough households has to join.
"""

from dataclasses import dataclass


@dataclass
class Part:
    key: str
    households: int
    values: dict

    shown: bool = True


def protect(parts: list[Part], threshold: int, disjoint: bool) -> list[Part]:
    """Mark which parts may be shown; return the withheld ones (which together rest on at
    least `threshold` households, or are all the parts)."""
    withheld = [part for part in parts if part.households < threshold]
    for part in withheld:
        part.shown = False
    if not withheld:
        return []
    visible = sorted(
        (part for part in parts if part.shown), key=lambda part: (part.households, part.key)
    )

    def enough() -> bool:
        counts = [part.households for part in withheld]
        return (sum(counts) if disjoint else max(counts)) >= threshold

    while not enough() and visible:
        part = visible.pop(0)
        part.shown = False
        withheld.append(part)
    return withheld
