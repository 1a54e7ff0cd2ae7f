from django.test import override_settings

from events.checks import check_outbox_consumers
from events.services import nudge

CALLS: list[int] = []


def record(event_id: int) -> None:
    CALLS.append(event_id)


def fail(event_id: int) -> None:
    raise ConnectionError("the broker is down")


def test_the_configured_consumers_can_all_be_imported():
    assert check_outbox_consumers() == []


@override_settings(OUTBOX_CONSUMERS=["events.no_such_module.nudge", "tests.events.test_consumers"])
def test_a_consumer_that_cannot_be_imported_or_called_fails_the_checks():
    errors = check_outbox_consumers()
    assert [error.id for error in errors] == ["events.E001", "events.E001"]
    assert "events.no_such_module.nudge" in errors[0].msg


@override_settings(
    OUTBOX_CONSUMERS=["tests.events.test_consumers.fail", "tests.events.test_consumers.record"]
)
def test_each_consumer_is_nudged_in_order_even_when_one_before_it_fails(caplog):
    CALLS.clear()
    nudge(7)
    assert CALLS == [7]
    assert "could not nudge tests.events.test_consumers.fail for event 7" in caplog.text
