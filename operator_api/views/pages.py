"""The page itself: `/v1/pages` and `/v1/pages/{page_id}`."""

from typing import Any

from django.http import HttpRequest

from pages.models import SIGNUP_SWITCHES, Page
from pages.services import save_page

from ..documents import page_json
from ..fields import envelope, read_bool, read_str
from ..http import actor_of, api_view
from ..models import ApiKey

PAGE_FIELDS = {"name": "name", "domain": "domain", "url": "url", "time_zone": "time_zone"}
# Statuspage's PATCH takes allow_*_subscribers; Beacon's chat channels are switched alike.
PAGE_SWITCHES = ("allow_rss_atom_feeds", *SIGNUP_SWITCHES)


@api_view("GET")
def pages(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    return [page_json(api_key.page)]


@api_view("GET", "PATCH", "PUT")
def page_detail(request: HttpRequest, api_key: ApiKey, body: dict) -> Any:
    page = api_key.page
    if request.method in ("PATCH", "PUT"):
        data = envelope(body, "page")
        page = Page.objects.get(pk=page.pk)
        for field, attribute in PAGE_FIELDS.items():
            value = read_str(data, field, 200)
            if value is not None:
                setattr(page, attribute, value.strip())
        for colour in ("css_blues", "css_link_color"):
            value = read_str(data, colour, 7)
            if value:
                page.brand_colour = value
        for switch in PAGE_SWITCHES:
            on = read_bool(data, switch)
            if on is not None:
                setattr(page, switch, on)
        save_page(page=page, actor=actor_of(api_key))
        page.refresh_from_db()
    return page_json(page)
