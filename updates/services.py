"""What the writes of incidents and maintenance share: the details both change, and
correcting a posted update."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.utils import timezone

from components.models import Component
from components.services import Transition
from events.models import EventKind
from events.services import Actor, actor_fields, emit_event, record_audit
from statuspage.text import clean_body

from .models import PostedUpdate, Story

# What a story's own follow-up changed, before and after, for the audit entry.
StoryChange = tuple[dict[str, Any], dict[str, Any]]


class StoryDetails(TypedDict, total=False):
    """The details an incident and a maintenance both have; what is not given (or None)
    stays. Each story's own details extend these."""

    name: str | None
    components: Iterable[Component] | None
    metadata: dict[str, Any] | None


class UpdateEdit(TypedDict, total=False):
    """What an edit may change on a posted update; what is not given (or None) stays."""

    body: str | None
    display_at: datetime | None


def create_update[U: PostedUpdate](
    model: type[U],
    story: Story,
    status: str,
    body: str,
    at: datetime,
    transitions: list[Transition],
    notify: bool,
    actor: Actor,
    /,
) -> U:
    """A new update row of `model` for `story`, shown at `at`, with the component statuses it
    changed and who posted it; `notify` says whether subscribers hear of it."""
    return model._default_manager.create(
        **{str(story._meta.model_name): story},  # its foreign key is named after it
        status=status,
        body=body,
        display_at=at,
        affected_components=[t.as_json() for t in transitions] or None,
        deliver_notifications=notify,
        created_by=actor_fields(actor)["actor"],
    )


def emit_update(story: Any, update: PostedUpdate, kind: EventKind) -> None:
    """The outbox row of an update posted on `story` (an incident or a maintenance); it
    notifies subscribers if the update says so."""
    notify = update.deliver_notifications
    payload = {"update_id": update.pk}
    emit_event(page=story.page, kind=kind, subject=story, notify=notify, payload=payload)


def _text_and_time(update: PostedUpdate) -> dict[str, Any]:
    return {"body": update.body, "display_at": update.display_at.isoformat()}


def edit_posted_update(
    update: PostedUpdate,
    story: Any,
    kind: EventKind,
    follow: Callable[[], StoryChange],
    /,
    *,
    actor: Actor,
    **edit: Unpack[UpdateEdit],
) -> bool:
    """Correct an update's text or time; the caller has locked it and its story (an incident
    or a maintenance), whose outbox event is `kind`. A changed text is marked "edited"
    publicly; editing notifies nobody. No-op (False) when nothing changes. Once the update is
    saved, `follow` brings the story in line with it and says what of the story changed, which
    the audit entry records beside the update's own change."""
    body, display_at = edit.get("body"), edit.get("display_at")
    before = _text_and_time(update)
    if body is not None:
        body = clean_body(body)
        if body != update.body:
            update.body = body
            update.edited_at = timezone.now()
    if display_at is not None:
        update.display_at = display_at
    after = _text_and_time(update)
    if before == after:
        return False
    update.save()
    story_before, story_after = follow()
    page = story.page
    record_audit(
        page=page,
        actor=actor,
        action="edit_update",
        obj=update,
        before=before | story_before,
        after=after | story_after,
    )
    emit_event(page=page, kind=kind, subject=story, payload={"update_id": update.pk})
    return True
