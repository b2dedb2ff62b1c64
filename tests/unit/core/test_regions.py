from __future__ import annotations

import pytest

from warta.core.regions import concerns


@pytest.mark.parametrize(
    ("story_region", "person_regions", "expected"),
    [
        ("national", ("35.71",), True),
        ("35.71", ("national",), True),
        ("35.71", ("35.71",), True),
        ("35.71.01", ("35.71",), True),  # a district's story reaches its city's officials
        ("35.71", ("35.71.01",), True),  # and a city's story reaches the camat of a district
        ("35", ("35.71",), True),
        ("35.71", ("35.72",), False),
        ("35.7", ("35.71",), False),  # codes nest by whole segments, not by characters
        ("31", ("35.71", "32"), False),
        ("31", ("35.71", "31"), True),
    ],
)
def test_story_concerns_people_of_nested_regions(
    story_region: str, person_regions: tuple[str, ...], expected: bool
) -> None:
    assert concerns(story_region, person_regions) is expected
