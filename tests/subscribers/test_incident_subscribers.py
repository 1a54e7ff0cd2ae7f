"""An incident subscriber hears about its own incident only."""

from datetime import timedelta

from django.utils import timezone

from incidents import services as incidents
from subscribers import services, tasks
from subscribers.models import Delivery, DeliveryStatus, Subscriber, SubscriberState
from tests.support.delivery import deliver_all
from tests.support.scenes import schedule_upgrade


def test_an_incident_subscriber_hears_that_incident_and_nothing_else(smtp, page, api, subscribe):
    subscribe("everything@example.org")
    watched = incidents.open_incident(page=page, name="Slow API", body="Looking.", actor="tests")
    other = incidents.open_incident(page=page, name="Login fails", body="Looking.", actor="tests")
    deliver_all()

    follower = services.add_incident_subscriber(
        incident=watched, email="follower@example.org", actor="tests", skip_confirmation=True
    )
    assert follower.state == SubscriberState.ACTIVE

    incidents.post_incident_update(
        incident=watched, status="identified", body="Found it.", actor="tests"
    )
    incidents.post_incident_update(
        incident=other, status="identified", body="Found that.", actor="tests"
    )
    now = timezone.now()
    schedule_upgrade(page, now + timedelta(hours=2), hours=1, body="Upgrading.")
    deliver_all()

    mine = Delivery.objects.filter(subscriber=follower)
    assert [d.event.subject_id for d in mine] == [watched.pk]
    assert mine.get().status == DeliveryStatus.SENT
    # The whole-page subscriber still hears about everything.
    assert Delivery.objects.filter(subscriber__email="everything@example.org").count() == 5
    assert smtp.recorder.counts()["follower@example.org"] == 1


def test_an_incident_subscriber_must_confirm_and_does_not_clash_with_a_page_subscriber(
    page, subscribe
):
    subscribe("ana@example.org")
    incident = incidents.open_incident(page=page, name="Slow", body="Looking.", actor="tests")
    follower = services.add_incident_subscriber(
        incident=incident, email="ana@example.org", actor="tests"
    )
    assert follower.state == SubscriberState.UNCONFIRMED
    assert Subscriber.objects.filter(email="ana@example.org").count() == 2
    again = services.add_incident_subscriber(
        incident=incident, email="ana@example.org", actor="tests"
    )
    assert again.pk == follower.pk


def test_the_confirmation_to_an_incident_subscriber_names_the_incident_and_links_to_it(
    smtp, page, subscribe
):
    from email.header import decode_header, make_header

    incident = incidents.open_incident(
        page=page, name="Slow API & dashboard", body="Looking.", actor="tests"
    )
    follower = services.add_incident_subscriber(
        incident=incident, email="follower@example.org", actor="tests"
    )
    whole_page = services.add_email_subscriber(
        page=page, email="everything@example.org", actor="tests"
    )

    tasks.send_confirmation(follower.pk)
    tasks.send_confirmation(whole_page.pk)

    [message] = smtp.recorder.messages_to("follower@example.org")
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == "[Example Status] Confirm your subscription to “Slow API & dashboard”"
    text, html = (part.get_payload(decode=True).decode() for part in message.get_payload())
    link = f"https://status.example.com/incidents/{incident.pk}"
    assert "updates about the incident “Slow API & dashboard” on Example Status" in text
    assert f"The incident: {link}" in text
    assert f'<a href="{link}">“Slow API &amp; dashboard”</a>' in html
    assert "Confirm: https://status.example.com/subscriptions/confirm/" in text

    [other] = smtp.recorder.messages_to("everything@example.org")
    assert str(make_header(decode_header(other["Subject"]))) == (
        "[Example Status] Confirm your subscription"
    )
    other_text = other.get_payload()[0].get_payload(decode=True).decode()
    assert "Slow API" not in other_text
    assert "receive Example Status notifications at this address" in other_text
