"""Operators manage API keys and alert mappings in the admin."""

import re

from django.contrib.messages import get_messages

from hooks.models import AlertMapping
from operator_api.models import ApiKey
from tests.support.scenes import map_api_down


def test_creating_a_key_in_the_admin_shows_it_once_and_stores_only_its_hash(client, alice, page):
    client.force_login(alice)
    reply = client.post(
        "/admin/operator_api/apikey/add/", {"page": page.pk, "name": "Deploy bot"}, follow=True
    )
    assert reply.status_code == 200
    shown = [str(m) for m in get_messages(reply.wsgi_request) if "new key is" in str(m)]
    assert len(shown) == 1
    key = next(word for word in shown[0].split() if word.startswith("bk_"))
    stored = ApiKey.objects.get(name="Deploy bot")
    assert stored.matches(key)
    assert stored.created_by == alice
    listing = client.get("/admin/operator_api/apikey/")
    assert b"Deploy bot" in listing.content
    assert key.encode() not in listing.content


def test_the_revoke_action_revokes_the_selected_keys(client, alice, page):
    from operator_api.services import create_api_key

    api_key, _ = create_api_key(page=page, name="Old", actor="tests")
    client.force_login(alice)
    client.post(
        "/admin/operator_api/apikey/",
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )
    api_key.refresh_from_db()
    assert api_key.is_revoked


def test_an_alert_mapping_with_bad_matchers_is_a_form_error(client, alice, page, api):
    client.force_login(alice)
    reply = client.post(
        "/admin/hooks/alertmapping/add/",
        {
            "page": page.pk,
            "name": "API",
            "source": "any",
            "matchers": "[]",
            "component": api.pk,
            "firing_status": "major_outage",
            "resolved_status": "",
            "incident_name": "{alertname}",
            "enabled": "on",
        },
    )
    assert reply.status_code == 200
    assert b"at least one label" in reply.content
    assert not AlertMapping.objects.exists()


def test_the_alert_mapping_list_shows_each_mappings_rule_the_name_linking_to_it(
    client, alice, page, api
):
    mapping = map_api_down(page, api, {"service": "api"})
    client.force_login(alice)

    html = client.get("/admin/hooks/alertmapping/").content.decode()

    columns = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', html)
    assert " ".join(columns) == (
        "name page source matchers component firing_status resolved_status open_incident enabled"
    )
    assert f'<th class="field-name"><a href="/admin/hooks/alertmapping/{mapping.pk}/change/' in html
