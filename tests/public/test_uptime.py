"""Uptime bars: days in the page's zone, weighted outages, maintenance left out."""

from datetime import UTC, date, datetime

import pytest

from components import services as component_services
from components.models import StatusCause
from components.uptime import compute_uptime

# Nov 8, 2026 13:00 in Paris (CET, UTC+1).
NOW = datetime(2026, 11, 8, 12, 0, tzinfo=UTC)


@pytest.fixture
def search(page):
    return component_services.create_component(
        page=page, name="Search", actor="tests", start_date=date(2026, 1, 1)
    )


def set_status(component, status, at):
    component_services.apply_status_changes(
        changes={component: status}, cause=StatusCause.MANUAL, at=at
    )


def uptime_of(component, page, days=7):
    return compute_uptime([component], tz=page.tz, now=NOW, days=days)[component.pk]


def day_of(uptime, day):
    return next(d for d in uptime.days if d.day == day)


def nov5_after(page, component, *changes):
    """Applies each (status, hour, minute) on Nov 5 UTC in turn; returns that day's uptime."""
    for status, hour, minute in changes:
        set_status(component, status, datetime(2026, 11, 5, hour, minute, tzinfo=UTC))
    return day_of(uptime_of(component, page), date(2026, 11, 5))


def test_an_outage_across_midnight_in_the_page_zone_is_split_between_the_two_days(page, search):
    # 23:00 to 01:00 Paris time; in UTC this would all fall on Nov 5.
    set_status(search, "major_outage", datetime(2026, 11, 5, 22, 0, tzinfo=UTC))
    set_status(search, "operational", datetime(2026, 11, 6, 0, 0, tzinfo=UTC))

    uptime = uptime_of(search, page)

    nov5, nov6 = day_of(uptime, date(2026, 11, 5)), day_of(uptime, date(2026, 11, 6))
    assert nov5.minutes == {"major_outage": pytest.approx(60)}
    assert nov6.minutes == {"major_outage": pytest.approx(60)}
    assert nov5.label == "Nov 5: 60 minutes major outage, 95.83%"
    assert day_of(uptime, date(2026, 11, 4)).label == "Nov 4: no downtime, 100%"


DAY = 24 * 60
MAINTENANCE_THEN_OUTAGE = [
    ("under_maintenance", 9, 0),
    ("major_outage", 11, 0),
    ("operational", 12, 0),
]


# Left unformatted so each case reads as one row: changes, counted, downtime, level, label.
@pytest.mark.parametrize(
    ("changes", "counted", "downtime", "level", "label"),
    [
        pytest.param(
            MAINTENANCE_THEN_OUTAGE, DAY - 120, 60, "partial",
            "Nov 5: 60 minutes major outage, 120 minutes maintenance, 95.45%",
            id="time under maintenance counts neither as downtime nor as time",
        ),
        pytest.param(
            [("under_maintenance", 9, 0), ("operational", 13, 0)], DAY - 240, 0, "up",
            "Nov 5: 240 minutes maintenance, 100%",
            id="maintenance alone leaves a full day of uptime",
        ),
        pytest.param(
            [("partial_outage", 9, 0), ("operational", 10, 40)], DAY, 30, "minor",
            "Nov 5: 100 minutes partial outage, 97.91%",
            id="a partial outage counts thirty percent",
        ),
        pytest.param(
            [("degraded_performance", 9, 0), ("operational", 9, 42)], DAY, 0, "up",
            "Nov 5: 42 minutes degraded performance, 100%",
            id="degraded performance costs no uptime but is still told",
        ),
    ],
)  # fmt: skip
def test_a_day_counts_its_statuses_by_weight(
    page, search, changes, counted, downtime, level, label
):
    nov5 = nov5_after(page, search, *changes)

    assert nov5.counted_minutes == pytest.approx(counted)
    assert nov5.downtime_minutes == pytest.approx(downtime)
    assert nov5.level == level
    assert nov5.label == label


def test_the_weights_come_from_settings(page, search, settings):
    settings.UPTIME_WEIGHT_PARTIAL_OUTAGE = 0.5
    nov5 = nov5_after(page, search, ("partial_outage", 9, 0), ("operational", 10, 40))

    assert nov5.downtime_minutes == pytest.approx(50)


def test_days_before_the_start_date_have_no_data_and_do_not_count(page):
    fresh = component_services.create_component(
        page=page, name="Fresh", actor="tests", start_date=date(2026, 11, 7)
    )
    set_status(fresh, "major_outage", datetime(2026, 11, 7, 11, 0, tzinfo=UTC))
    set_status(fresh, "operational", datetime(2026, 11, 7, 12, 12, tzinfo=UTC))

    uptime = uptime_of(fresh, page)

    assert [d.level for d in uptime.days[:5]] == ["nodata"] * 5
    assert uptime.days[0].label == "Nov 2: no data"
    # Nov 7 (1440 minutes) and Nov 8 until 13:00 Paris (780 minutes); 72 minutes down.
    assert uptime.percentage == pytest.approx(100 * (1 - 72 / (1440 + 780)))
    assert uptime.percentage_text == "96.75%"


def test_a_component_down_since_before_the_window_is_down_from_its_first_day(page, search):
    set_status(search, "major_outage", datetime(2026, 10, 1, 0, 0, tzinfo=UTC))
    set_status(search, "operational", datetime(2026, 11, 3, 23, 0, tzinfo=UTC))

    uptime = uptime_of(search, page)

    assert uptime.days[0].day == date(2026, 11, 2)
    assert uptime.days[0].level == "major"
    assert uptime.days[0].label.endswith(", 0%")
    assert day_of(uptime, date(2026, 11, 4)).level == "up"


def test_a_component_still_down_counts_until_now_only(page, search):
    set_status(search, "major_outage", datetime(2026, 11, 8, 11, 0, tzinfo=UTC))

    today = uptime_of(search, page).days[-1]

    assert today.day == date(2026, 11, 8)
    assert today.counted_minutes == pytest.approx(13 * 60)
    assert today.minutes == {"major_outage": pytest.approx(60)}


def test_the_day_clocks_go_back_has_twenty_five_hours(page, search):
    set_status(search, "major_outage", datetime(2026, 10, 24, 22, 0, tzinfo=UTC))
    set_status(search, "operational", datetime(2026, 10, 25, 23, 0, tzinfo=UTC))

    uptime = compute_uptime([search], tz=page.tz, now=NOW, days=20)[search.pk]

    assert day_of(uptime, date(2026, 10, 25)).minutes == {"major_outage": pytest.approx(25 * 60)}


def test_a_day_the_clocks_go_back_counts_its_twenty_five_hours_when_covered_end_to_end(
    page, search
):
    # Down from the day before to the day after: Oct 25 lies wholly inside one interval.
    set_status(search, "partial_outage", datetime(2026, 10, 23, 12, 0, tzinfo=UTC))
    set_status(search, "operational", datetime(2026, 10, 27, 12, 0, tzinfo=UTC))

    uptime = compute_uptime([search], tz=page.tz, now=NOW, days=20)[search.pk]

    clocks_back = day_of(uptime, date(2026, 10, 25))
    assert clocks_back.counted_minutes == pytest.approx(25 * 60)
    assert clocks_back.minutes == {"partial_outage": pytest.approx(25 * 60)}
    assert day_of(uptime, date(2026, 10, 26)).counted_minutes == pytest.approx(24 * 60)


def test_all_components_take_one_query(page, search, django_assert_num_queries):
    others = [
        component_services.create_component(page=page, name=f"C{n}", actor="tests")
        for n in range(5)
    ]
    set_status(others[0], "major_outage", datetime(2026, 11, 5, 9, 0, tzinfo=UTC))

    with django_assert_num_queries(1):
        uptimes = compute_uptime([search, *others], tz=page.tz, now=NOW, days=7)

    assert len(uptimes) == 6


def test_components_with_the_same_history_show_the_same_days_and_another_its_own(page, search):
    api, web = (
        component_services.create_component(
            page=page, name=name, actor="tests", start_date=date(2026, 1, 1)
        )
        for name in ("API", "Web")
    )
    outage, back = (datetime(2026, 11, 5, h, 0, tzinfo=UTC) for h in (10, 11))
    for status, at in (("major_outage", outage), ("operational", back)):
        component_services.apply_status_changes(
            changes={search: status, api: status}, cause=StatusCause.MANUAL, at=at
        )
    set_status(web, "partial_outage", datetime(2026, 11, 6, 10, 0, tzinfo=UTC))

    uptimes = compute_uptime([search, api, web], tz=page.tz, now=NOW, days=7)

    labels = {c.name: [d.label for d in uptimes[c.pk].days] for c in (search, api, web)}
    assert labels["Search"] == labels["API"]
    assert "Nov 5: 60 minutes major outage, 95.83%" in labels["API"]
    assert "Nov 5: no downtime, 100%" in labels["Web"]
    assert labels["Web"][-1].startswith("Nov 8: ") and "partial outage" in labels["Web"][-1]
