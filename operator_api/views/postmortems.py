"""An incident's postmortem: draft, publish, revert, delete."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from incidents import services as incident_services
from incidents.models import Incident, Postmortem
from maintenance.models import Maintenance
from pages.models import Page

from ..documents import postmortem_json
from ..fields import envelope, invalid, read_bool, read_str
from ..http import ApiError, actor_of, api_view
from ..models import ApiKey
from .incidents import incidents_of


def _realtime(page: Page, incident_id: str) -> Incident:
    incident = incidents_of(page).filter(pk=incident_id).first()
    if incident is None:
        if Maintenance.objects.filter(page=page, pk=incident_id).exists():
            raise ApiError(422, "Scheduled maintenance has no postmortem.")
        raise Http404("No such incident.")
    return incident


def _postmortem_of(incident: Incident) -> Postmortem:
    postmortem = Postmortem.objects.filter(incident=incident).first()
    if postmortem is None:
        raise Http404("This incident has no postmortem yet.")
    return postmortem


@api_view("GET", "PUT", "DELETE")
def postmortem(request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str) -> Any:
    page = api_key.page
    incident = _realtime(page, incident_id)
    actor = actor_of(api_key)
    if request.method == "DELETE":
        _postmortem_of(incident)
        incident_services.delete_postmortem(incident=incident, actor=actor)
        return HttpResponse(status=204)
    if request.method == "PUT":
        data = envelope(body, "postmortem")
        draft = read_str(data, "body_draft", 25_000)
        if draft is None or not draft.strip():
            raise invalid("body_draft", "is required.")
        incident_services.save_postmortem(incident=incident, body=draft, actor=actor)
    return postmortem_json(_postmortem_of(incident), page.tz)


@api_view("PUT")
def postmortem_publish(request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str) -> Any:
    page = api_key.page
    incident = _realtime(page, incident_id)
    data = envelope(body, "postmortem", required=False)
    notify = read_bool(data, "notify_subscribers")
    read_bool(data, "notify_twitter")
    read_str(data, "custom_tweet")
    incident_services.publish_postmortem(
        incident=incident, actor=actor_of(api_key), notify=bool(notify)
    )
    document = postmortem_json(_postmortem_of(incident), page.tz)
    document["notify_subscribers"] = bool(notify)
    return document


@api_view("PUT")
def postmortem_revert(request: HttpRequest, api_key: ApiKey, body: dict, incident_id: str) -> Any:
    page = api_key.page
    incident = _realtime(page, incident_id)
    postmortem = _postmortem_of(incident)
    incident_services.unpublish_postmortem(incident=incident, actor=actor_of(api_key))
    postmortem.refresh_from_db()
    return postmortem_json(postmortem, page.tz)
