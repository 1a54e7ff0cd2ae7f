# mypy: disable-error-code="union-attr"
"""The periodic refresh renders again only what the clock changes; events, all they change."""

import time

from incidents import services as incident_services
from snapshots import documents, publisher, serving, store
from tests.support.documents import API_V2_PATHS, store_old_copy

AGEING = ["/", "/fragments/home", "/history", "/maintenance.ics"]
NOT_AGEING = [
    "/brand.css",
    *API_V2_PATHS,
    "/history.atom",
    "/history.rss",
    "/badge.svg",
    "/embed",
]


def rendered_at(page, keys):
    return {key: store.read(page.pk, key).rendered_at for key in keys}


def renders(monkeypatch, incident, post_again=lambda order: False) -> list[str]:
    """The keys the publisher renders from now on, in order. Each time `post_again(order)` holds
    right after a render, an operator posts a newer update to the incident, mid-round."""
    order: list[str] = []
    render = publisher.render

    def recording(page, key, **kwargs):
        order.append(key)
        snapshot = render(page, key, **kwargs)
        if post_again(order):
            incident_services.post_incident_update(
                incident=incident, status="monitoring", body="A fix is out.", actor="tests"
            )
        return snapshot

    monkeypatch.setattr(publisher, "render", recording)
    return order


def make_refresh_due(page, settings):
    """As if the page's last refresh were an hour old."""
    state = store.read_state()
    refreshed = dict(state.refreshed or {})
    refreshed[page.pk] = time.time() - 3600
    assert time.time() - refreshed[page.pk] >= settings.SNAPSHOT_REFRESH_SECONDS
    store.write_state(
        store.State(
            seen=state.seen,
            gaps=state.gaps or {},
            versions=state.versions or {},
            refreshed=refreshed,
            full=state.full or {},
        )
    )


def test_the_table_says_which_documents_age():
    assert documents.ageing_keys() == AGEING
    assert sorted(documents.eager_keys()) == sorted(AGEING + NOT_AGEING)
    for key in [*AGEING, "/incidents/k3v0000000000000", "/history?page=2"]:
        assert documents.ages(key), key
    for key in [*NOT_AGEING, "/badge.svg?component=k3v0000000000000"]:
        assert not documents.ages(key), key
    assert documents.ages("/no/such/document")  # when unsure, it ages


def test_the_periodic_refresh_renders_again_only_the_documents_that_age(page, incident, settings):
    first = publisher.publish()
    assert first is not None and not first.failed
    before = rendered_at(page, AGEING + NOT_AGEING)

    make_refresh_due(page, settings)
    result = publisher.publish()

    assert result is not None and result.events == 0 and not result.failed
    assert result.rendered == len(AGEING)
    after = rendered_at(page, AGEING + NOT_AGEING)
    for key in AGEING:
        assert after[key] > before[key], key
    for key in NOT_AGEING:
        assert after[key] == before[key], key
    # The refresh counts as one: nothing is due again straight away.
    again = publisher.publish()
    assert again is not None and again.rendered == 0


def test_an_event_still_renders_every_document_it_may_change(page, incident, settings):
    publisher.publish()
    subject = [f"/incidents/{incident.pk}", f"/incidents/{incident.pk}/fragment"]
    for key in subject:
        publisher.render(page, key)
    before = rendered_at(page, AGEING + NOT_AGEING + subject)

    make_refresh_due(page, settings)  # due as well: the event's round renders everything
    incident_services.post_incident_update(
        incident=incident, status="identified", body="A bad deploy; rolling back.", actor="tests"
    )
    result = publisher.publish()

    assert result is not None and result.events >= 1 and not result.failed
    after = rendered_at(page, AGEING + NOT_AGEING + subject)
    for key in AGEING + NOT_AGEING + subject:
        assert after[key] > before[key], key
    for key in ["/", "/api/v2/summary.json", "/history.atom", *subject]:
        assert "A bad deploy" in store.read(page.pk, key).body.decode(), key
    assert "Identified" in store.read(page.pk, "/embed").body.decode()


def test_a_processs_first_refresh_of_a_page_renders_everything(
    page, incident, settings, monkeypatch
):
    publisher.publish()
    before = rendered_at(page, NOT_AGEING)
    # A process just started (after an upgrade, say): the stored documents are an older
    # release's until each is rendered again.
    monkeypatch.setattr(publisher, "_refreshed_in_full", set())
    monkeypatch.setattr(publisher, "START", "a new start")

    make_refresh_due(page, settings)
    result = publisher.publish()

    assert result is not None and result.events == 0
    assert result.rendered == len(AGEING + NOT_AGEING)
    after = rendered_at(page, NOT_AGEING)
    assert all(after[key] > before[key] for key in NOT_AGEING)
    make_refresh_due(page, settings)
    assert publisher.publish().rendered == len(AGEING)


def test_a_process_forked_from_the_same_start_renders_only_what_ages(
    page, incident, settings, monkeypatch
):
    publisher.publish()
    before = rendered_at(page, NOT_AGEING)
    # Another pool process of the same worker, or one started in place of one that exited:
    # the same code and settings as the process that rendered the page in full.
    monkeypatch.setattr(publisher, "_refreshed_in_full", set())

    make_refresh_due(page, settings)
    result = publisher.publish()

    assert result is not None and result.rendered == len(AGEING)
    assert rendered_at(page, NOT_AGEING) == before


def test_on_a_read_only_an_old_document_that_ages_is_stale(page, incident, settings):
    publisher.publish()
    old = time.time() - 2 * settings.SNAPSHOT_REFRESH_SECONDS
    version = store.read_state().version(page.pk)
    for key, stale in [("/", True), ("/api/v2/summary.json", False), ("/badge.svg", False)]:
        snapshot = store.read(page.pk, key)
        aged = store.write(
            page.pk, key, snapshot.body, snapshot.content_type, version=version, now=old
        )
        assert serving.is_stale(aged, page.pk) is stale, key
        behind = store.write(
            page.pk, key, snapshot.body, snapshot.content_type, version=version - 1, now=old
        )
        assert serving.is_stale(behind, page.pk), key  # an event always makes it stale


def test_a_reader_of_an_old_document_that_does_not_age_gets_the_stored_copy(
    client, page, incident, settings
):
    client.get("/api/v2/summary.json")
    kept = store_old_copy(
        page.pk,
        "/api/v2/summary.json",
        swap=(b"Elevated API errors", b"Kept copy"),
        rendered_at=time.time() - 2 * settings.SNAPSHOT_REFRESH_SECONDS,
    )

    assert "Kept copy" in client.get("/api/v2/summary.json").content.decode()
    assert store.read(page.pk, "/api/v2/summary.json") == kept


def test_a_round_builds_the_home_pages_context_once_for_the_page_and_its_fragment(
    page, incident, monkeypatch
):
    from public import rendering

    built = []
    home_context = rendering.home_context

    def counted(page, now):
        built.append(now)
        return home_context(page, now)

    monkeypatch.setattr(rendering, "home_context", counted)
    publisher.publish()
    assert len(built) == 1

    # The same bytes as each rendered on its own at that moment.
    now = built[0]
    for key in ["/", "/fragments/home"]:
        alone = documents.document(key).render(page, now)
        assert store.read(page.pk, key).body == alone, key
    assert len(built) == 3


def test_a_check_that_finds_nothing_new_is_one_query_and_the_next_event_is_still_seen(
    page, incident, django_assert_num_queries
):
    publisher.publish()
    with django_assert_num_queries(1):  # the latest event's id; no round, no lock
        idle = publisher.publish()
    assert idle is not None and idle.events == 0 and idle.rendered == 0

    incident_services.post_incident_update(
        incident=incident, status="identified", body="A bad deploy; rolling back.", actor="tests"
    )
    result = publisher.publish()
    assert result is not None and result.events >= 1 and not result.failed
    assert "A bad deploy" in store.read(page.pk, "/api/v2/summary.json").body.decode()


def test_a_check_does_a_round_when_a_refresh_is_due(page, incident, settings):
    publisher.publish()
    make_refresh_due(page, settings)
    assert publisher.publish().rendered == len(AGEING)


def test_a_round_renders_what_readers_poll_first_then_the_events_subject(
    page, incident, monkeypatch
):
    publisher.publish()
    order = renders(monkeypatch, incident)
    incident_services.post_incident_update(
        incident=incident, status="identified", body="Rolling back.", actor="tests"
    )
    publisher.publish()

    early = ["/", "/fragments/home", "/api/v2/summary.json", "/api/v2/status.json"]
    early += ["/history.atom", "/history.rss"]
    subject = [f"/incidents/{incident.pk}", f"/incidents/{incident.pk}/fragment"]
    assert documents.early_keys() == early
    assert order[: len(early) + 2] == early + subject
    assert sorted(order[len(early) + 2 :]) == sorted(set(AGEING + NOT_AGEING) - set(early))


def test_a_round_that_meets_a_newer_event_leaves_the_rest_to_a_round_started_at_once(
    page, incident, monkeypatch
):
    publisher.publish()
    subject = [f"/incidents/{incident.pk}", f"/incidents/{incident.pk}/fragment"]
    order = renders(
        monkeypatch, incident, post_again=lambda order: order == [*documents.early_keys(), *subject]
    )
    incident_services.post_incident_update(
        incident=incident, status="identified", body="Rolling back.", actor="tests"
    )
    result = publisher.publish()

    head = [*documents.early_keys(), *subject]
    assert order[: 2 * len(head)] == head + head  # the head again, then the rest, once
    assert sorted(order[2 * len(head) :]) == sorted(set(AGEING + NOT_AGEING) - set(head))
    assert result is not None and not result.failed
    for key in ["/api/v2/incidents.json", "/history", "/", *subject]:
        assert "A fix is out" in store.read(page.pk, key).body.decode(), key
    assert "Monitoring" in store.read(page.pk, "/embed").body.decode()
    assert store.read_state().version(page.pk) == page.events.order_by("-id").first().pk
    assert publisher.publish().rendered == 0


def test_a_page_whose_documents_were_left_for_long_enough_renders_them_all_in_one_round(
    page, incident, monkeypatch
):
    publisher.publish()
    monkeypatch.setitem(publisher._deferring_since, page.pk, time.monotonic() - 3600)
    fragment = f"/incidents/{incident.pk}/fragment"
    order = renders(
        monkeypatch,
        incident,
        post_again=lambda order: order[-1] == fragment and order.count(fragment) == 1,
    )
    incident_services.post_incident_update(
        incident=incident, status="identified", body="Rolling back.", actor="tests"
    )
    publisher.publish()

    # The round went to its end; the newer event is the next round's.
    assert len(order) == len(AGEING + NOT_AGEING) + 2
    assert sorted(order) == sorted(
        AGEING + NOT_AGEING + [f"/incidents/{incident.pk}", f"/incidents/{incident.pk}/fragment"]
    )
    assert publisher._deferring_since.get(page.pk) is None
    assert publisher.publish().events == 1


def test_the_first_round_of_a_new_store_goes_to_its_end_whatever_comes_meanwhile(
    page, incident, monkeypatch
):
    done = renders(monkeypatch, incident, post_again=lambda done: len(done) == 1)
    result = publisher.publish()

    assert result is not None and not result.failed
    assert sorted(done) == sorted(AGEING + NOT_AGEING)
    assert store.read_state().seen > 0
    assert publisher.publish().events == 1  # the update, in a round of its own
