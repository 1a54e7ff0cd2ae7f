"""The incident permalink: summary, duration, updates in the page's zone, postmortem."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from incidents import services as incident_services
from tests.support.markup import text
from tests.support.scenes import past_incident


def opened(page, **fields):
    return incident_services.open_incident(page=page, actor="tests", **fields)


def permalink(get, incident) -> str:
    return get(f"/incidents/{incident.pk}")


def test_the_summary_names_two_components_and_counts_the_rest(get, page, api, dashboard, website):
    incident = opened(
        page,
        name="Errors everywhere",
        body="Investigating.",
        component_statuses={
            website: "partial_outage",
            api: "major_outage",
            dashboard: "partial_outage",
        },
    )

    html = permalink(get, incident)

    assert "<h1>Errors everywhere</h1>" in html
    assert "This incident affected API and Dashboard and 1 more component." in html
    assert "Critical impact" in html


def test_a_single_component_is_named_alone(get, outage):
    assert "This incident affected API." in permalink(get, outage)


def test_a_resolved_incident_says_how_long_it_lasted(get, page, api):
    started = timezone.now() - timedelta(days=1)
    incident = opened(page, name="Outage", body="Down.", started_at=started)
    incident_services.post_incident_update(
        incident=incident,
        status="resolved",
        body="Fixed.",
        actor="tests",
        display_at=started + timedelta(hours=6, minutes=28),
    )

    html = permalink(get, incident)

    assert "Lasted 6h 28m" in html
    assert "Resolved" in html


def test_an_ongoing_incident_says_how_long_it_has_been_going(get, page):
    started = timezone.now() - timedelta(hours=2, minutes=5, seconds=20)
    incident = opened(page, name="Slow", body="Slow.", started_at=started)
    assert "Ongoing for 2h 5m" in permalink(get, incident)


def test_updates_show_newest_first_with_their_status_or_update_when_repeated(get, page):
    started = timezone.now() - timedelta(hours=3)
    incident = opened(page, name="Queue delays", body="First look.", started_at=started)
    for minutes, status, body in [
        (10, "investigating", "Still looking."),
        (20, "identified", "Found a stuck worker."),
        (30, "monitoring", "Worker restarted."),
        (40, "resolved", "All clear."),
    ]:
        incident_services.post_incident_update(
            incident=incident,
            status=status,
            body=body,
            actor="tests",
            display_at=started + timedelta(minutes=minutes),
        )

    page_text = text(permalink(get, incident))
    order = [
        page_text.index(f"{label} {body}")
        for label, body in [
            ("Resolved", "All clear."),
            ("Monitoring", "Worker restarted."),
            ("Identified", "Found a stuck worker."),
            ("Update", "Still looking."),
            ("Investigating", "First look."),
        ]
    ]
    assert order == sorted(order)


def test_times_are_in_the_page_zone_with_its_abbreviation(get, page):
    winter = past_incident(page, "Winter", datetime(2025, 11, 23, 13, 5, tzinfo=UTC))
    summer = past_incident(page, "Summer", datetime(2026, 7, 14, 12, 0, tzinfo=UTC))

    assert '<time datetime="2025-11-23T13:05:00Z">Nov 23, 2025 - 14:05 CET</time>' in permalink(
        get, winter
    )
    assert '<time datetime="2026-07-14T12:00:00Z">Jul 14, 2026 - 14:00 CEST</time>' in permalink(
        get, summer
    )


def test_a_backfilled_incident_reads_like_any_resolved_one(get, page):
    started = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    incident = past_incident(page, "Last year's outage", started, body="Entered afterwards.")
    html = permalink(get, incident)
    assert "Last year&#x27;s outage" in html
    assert "Lasted less than a minute" in html
    assert "Entered afterwards." in html


def test_an_edited_update_is_marked_edited(get, page):
    incident = opened(page, name="Typo", body="We are investigaitng.")
    assert ">edited<" not in permalink(get, incident)

    incident_services.edit_incident_update(
        update=incident.updates.get(), body="We are investigating.", actor="tests"
    )

    html = permalink(get, incident)
    assert "We are investigating." in html
    assert ">edited<" in html


def test_the_postmortem_shows_once_published(get, page):
    incident = opened(page, name="Data loss scare", body="Looking.")
    incident_services.resolve_incident(incident=incident, actor="tests")
    incident_services.save_postmortem(
        incident=incident, body="## Root cause\n\nA **full** disk.", actor="tests"
    )
    assert "A <strong>full</strong> disk." not in permalink(get, incident)

    incident_services.publish_postmortem(incident=incident, actor="tests")

    html = permalink(get, incident)
    assert "Postmortem" in html
    assert "A <strong>full</strong> disk." in html


def test_markdown_is_rendered_and_a_script_is_inert(get, page):
    incident = opened(
        page,
        name="Hostile",
        body="**Bold** <script>alert('x')</script> [link](javascript:alert(1))",
    )

    html = permalink(get, incident)

    assert "<strong>Bold</strong>" in html
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html


def test_an_unknown_incident_is_a_styled_404(client, page):
    response = client.get("/incidents/doesnotexist")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert '<a class="button" href="/">' in html
    assert "/static/css/beacon.css" in html


def test_an_incident_of_another_page_is_not_found_here(client, page, other_page):
    incident = incident_services.open_incident(
        page=other_page, name="Elsewhere", body="x", actor="t"
    )
    assert client.get(f"/incidents/{incident.pk}").status_code == 404


def test_a_malformed_incident_id_is_a_404_not_an_error(client, page):
    for bad in ["%00", "a%00b", "x" * 300, "ÉÉÉ", "1;drop"]:
        response = client.get(f"/incidents/{bad}")
        assert response.status_code == 404, bad
        assert "Page not found" in response.content.decode()
