"""The write incidents and maintenance share: correcting a posted update."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.utils import timezone

from events.models import EventKind
from events.services import Actor, emit_event, record_audit
from statuspage.text import clean_body

from .models import PostedUpdate

# What a story's own follow-up changed, before and after, for the audit entry.
StoryChange = tuple[dict[str, Any], dict[str, Any]]


class UpdateEdit(TypedDict, total=False):
    """What an edit may change on a posted update; what is not given (or None) stays."""

    body: str | None
    display_at: datetime | None


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
