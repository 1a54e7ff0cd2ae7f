"""The one page-scope rule: a write about a page names only that page's components (or groups).

Every service that takes components from a caller (incidents, maintenance, subscriptions,
direct status changes, alert rules) checks them here, so the rule and its wording are one.
"""

from collections.abc import Iterable
from typing import Any, Protocol

from django.core.exceptions import ValidationError

OTHER_PAGE = "A component of another page was given."


class OnAPage(Protocol):
    @property
    def page_id(self) -> Any: ...


def check_page_scope[T: OnAPage](
    page_id: Any,
    objects: Iterable[T],
    *,
    field: str | None = "components",
    message: str = OTHER_PAGE,
) -> list[T]:
    """The objects as a list, or a ValidationError on `field` (None: on the whole request) when
    one belongs to another page."""
    objects = list(objects)
    if any(obj.page_id != page_id for obj in objects):
        raise ValidationError({field: message} if field else message)
    return objects
