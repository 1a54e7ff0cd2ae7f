from typing import Any

from django import template

from pages.switcher import switcher_context

register = template.Library()


@register.inclusion_tag("pages/admin/switcher.html", takes_context=True)
def page_switcher(context: Any) -> dict[str, Any]:
    request = context.get("request")
    return switcher_context(request) if request is not None else {"pages": []}
