"""Which stories concern whom, by Kemendagri region code.

Codes nest: "35" is a province, "35.71" a city in it, "35.71.01" a district of
that city. A story concerns a person when it is national, or when one of the
two regions contains the other: a city's officials hear of a clarification in
one of its districts, and a district's camat hears of one for the whole city.
"""

from __future__ import annotations

from collections.abc import Iterable

from warta.core.model import ALL_REGIONS, NATIONAL


def _contains(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(outer + ".")


def concerns(story_region: str, person_regions: Iterable[str]) -> bool:
    if story_region == NATIONAL:
        return True
    for region in person_regions:
        if region == NATIONAL:
            # A national office (KPU RI, Bawaslu RI) follows every region.
            return True
        if _contains(region, story_region) or _contains(story_region, region):
            return True
    return False


def wanted(story_region: str, subscriber_regions: Iterable[str]) -> bool:
    """Whether a subscriber who chose these regions wants a story of that region.

    Unlike an official's NATIONAL (which follows everything), a subscriber's
    NATIONAL means national stories only; ALL_REGIONS is the explicit choice of
    every region's stories. National stories reach everyone.
    """
    regions = tuple(subscriber_regions)
    if story_region == NATIONAL or ALL_REGIONS in regions:
        return True
    return concerns(story_region, (r for r in regions if r != NATIONAL))
