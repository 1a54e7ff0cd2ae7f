"""The OpenAPI 3 description of the operator API, written by hand from what views/ serves."""

import re
from typing import Any

TIMESTAMP = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$",
}
NULLABLE_TIMESTAMP = {"anyOf": [TIMESTAMP, {"type": "null"}]}
COMPONENT_STATUS = [
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
]
INCIDENT_STATUS = [
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "scheduled",
    "in_progress",
    "verifying",
    "completed",
]
IMPACT = ["none", "maintenance", "minor", "major", "critical"]


def _string(nullable: bool = False, **extra: Any) -> dict[str, Any]:
    schema = {"type": "string", **extra}
    return {"anyOf": [schema, {"type": "null"}]} if nullable else schema


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


BOOL = {"type": "boolean"}
NULLABLE_NUMBER = {"anyOf": [{"type": "number"}, {"type": "null"}]}
POINT_TIME = {
    "anyOf": [{"type": "number"}, TIMESTAMP],
    "description": "Unix seconds, or a timestamp with an offset; at most 5 minutes ahead and "
    "no older than MONITOR_RESULT_RETENTION_DAYS.",
}
BOOLISH = {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}]}
ID = {"type": "string", "pattern": "^[0-9a-z]{1,40}$"}
METADATA = {
    "type": "object",
    "additionalProperties": {"type": "object"},
    "description": "Every top-level value is an object; at most 16384 bytes as JSON.",
}
REMINDER_INTERVALS = {
    "anyOf": [{"type": "string", "maxLength": 200}, {"type": "null"}],
    "description": 'Realtime incidents only. null: the default hours "[3, 6, 12, 24]"; '
    '"[1, 5, 7, 10]": those hours (strictly increasing, each 1 to 24); "4": every 4 hours '
    'up to 24; "[]": no reminders. Operators are emailed while the incident stays open.',
    "examples": ["[3, 6, 12, 24]", "4", "[]"],
}

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": {"type": "string"}, "message": {"type": "string"}}, ["message"]),
    "Page": _object(
        {
            "id": ID,
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "name": {"type": "string"},
            "url": {"type": "string"},
            "domain": _string(nullable=True),
            "time_zone": {"type": "string"},
            "support_url": _string(nullable=True),
            "allow_page_subscribers": BOOL,
            "allow_incident_subscribers": BOOL,
            "allow_email_subscribers": BOOL,
            "allow_sms_subscribers": BOOL,
            "allow_rss_atom_feeds": BOOL,
            "allow_webhook_subscribers": BOOL,
            "allow_slack_subscribers": BOOL,
            "allow_teams_subscribers": BOOL,
            "allow_discord_subscribers": BOOL,
            "allow_google_chat_subscribers": BOOL,
        },
        ["id", "name", "url", "time_zone", "created_at", "updated_at"],
    ),
    "PageIn": _object(
        {
            "page": _object(
                {
                    "name": {"type": "string", "maxLength": 100},
                    "domain": {"type": "string", "maxLength": 200},
                    "url": {"type": "string", "format": "uri", "maxLength": 200},
                    "time_zone": {"type": "string", "example": "Europe/Paris"},
                    "css_link_color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                    "allow_rss_atom_feeds": BOOLISH,
                    "allow_page_subscribers": BOOLISH,
                    "allow_incident_subscribers": BOOLISH,
                    "allow_email_subscribers": BOOLISH,
                    "allow_webhook_subscribers": BOOLISH,
                    "allow_sms_subscribers": {
                        **BOOLISH,
                        "description": "True needs Twilio set up (TWILIO_*), else a 422.",
                    },
                    "allow_slack_subscribers": BOOLISH,
                    "allow_teams_subscribers": BOOLISH,
                    "allow_discord_subscribers": BOOLISH,
                    "allow_google_chat_subscribers": BOOLISH,
                }
            )
        },
        ["page"],
    ),
    "Component": _object(
        {
            "id": ID,
            "page_id": ID,
            "group_id": {"anyOf": [ID, {"type": "null"}]},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "group": BOOL,
            "name": {"type": "string"},
            "description": _string(nullable=True),
            "position": {"type": "integer"},
            "status": {"type": "string", "enum": COMPONENT_STATUS},
            "showcase": BOOL,
            "only_show_if_degraded": BOOL,
            "automation_email": _string(nullable=True),
            "start_date": _string(nullable=True, format="date"),
            "components": {"type": "array", "items": ID},
        },
        ["id", "page_id", "name", "status", "position", "group", "created_at", "updated_at"],
    ),
    "ComponentIn": _object(
        {
            "component": _object(
                {
                    "name": {"type": "string", "maxLength": 100},
                    "description": {"type": "string", "maxLength": 10000},
                    "status": {"type": "string", "enum": [*COMPONENT_STATUS, ""]},
                    "group_id": _string(nullable=True),
                    "showcase": BOOLISH,
                    "only_show_if_degraded": BOOLISH,
                    "start_date": {"type": "string", "format": "date"},
                }
            )
        },
        ["component"],
    ),
    "Group": _object(
        {
            "id": ID,
            "page_id": ID,
            "name": {"type": "string"},
            "description": _string(nullable=True),
            "components": {"type": "array", "items": ID},
            "position": {"type": "integer"},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        },
        ["id", "page_id", "name", "components", "position", "created_at", "updated_at"],
    ),
    "GroupIn": _object(
        {
            "description": {"type": "string", "maxLength": 10000},
            "component_group": _object(
                {
                    "name": {"type": "string", "maxLength": 100},
                    "description": {"type": "string"},
                    "components": {"type": "array", "items": {"type": "string"}},
                }
            ),
        },
        ["component_group"],
    ),
    "AffectedComponent": _object(
        {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "old_status": {"type": "string", "enum": COMPONENT_STATUS},
            "new_status": {"type": "string", "enum": COMPONENT_STATUS},
        },
        ["code", "name", "old_status", "new_status"],
    ),
    "IncidentUpdate": _object(
        {
            "id": ID,
            "status": {"type": "string", "enum": INCIDENT_STATUS},
            "body": {"type": "string"},
            "incident_id": ID,
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "display_at": TIMESTAMP,
            "affected_components": {
                "anyOf": [{"type": "array", "items": _ref("AffectedComponent")}, {"type": "null"}]
            },
            "deliver_notifications": BOOL,
            "custom_tweet": _string(nullable=True),
            "tweet_id": _string(nullable=True),
            "twitter_updated_at": NULLABLE_TIMESTAMP,
            "wants_twitter_update": BOOL,
        },
        ["id", "status", "body", "incident_id", "created_at", "updated_at", "display_at"],
    ),
    "Incident": _object(
        {
            "id": ID,
            "name": {"type": "string"},
            "status": {"type": "string", "enum": INCIDENT_STATUS},
            "impact": {"type": "string", "enum": IMPACT},
            "impact_override": {"anyOf": [{"type": "string", "enum": IMPACT}, {"type": "null"}]},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "monitoring_at": NULLABLE_TIMESTAMP,
            "resolved_at": NULLABLE_TIMESTAMP,
            "started_at": TIMESTAMP,
            "shortlink": {"type": "string"},
            "page_id": ID,
            "backfilled": BOOL,
            "incident_updates": {"type": "array", "items": _ref("IncidentUpdate")},
            "components": {"type": "array", "items": _ref("Component")},
            "metadata": METADATA,
            "reminder_intervals": _string(nullable=True),
            "scheduled_for": NULLABLE_TIMESTAMP,
            "scheduled_until": NULLABLE_TIMESTAMP,
            "scheduled_remind_prior": BOOL,
            "scheduled_reminded_at": NULLABLE_TIMESTAMP,
            "scheduled_auto_in_progress": BOOL,
            "scheduled_auto_completed": BOOL,
            "auto_transition_to_maintenance_state": BOOL,
            "auto_transition_to_operational_state": BOOL,
            "auto_transition_deliver_notifications_at_start": BOOL,
            "auto_transition_deliver_notifications_at_end": BOOL,
            "postmortem_body": _string(nullable=True),
            "postmortem_body_last_updated_at": NULLABLE_TIMESTAMP,
            "postmortem_ignored": BOOL,
            "postmortem_notified_subscribers": BOOL,
            "postmortem_notified_twitter": BOOL,
            "postmortem_published_at": NULLABLE_TIMESTAMP,
        },
        [
            "id",
            "name",
            "status",
            "impact",
            "created_at",
            "updated_at",
            "started_at",
            "shortlink",
            "page_id",
            "incident_updates",
            "components",
        ],
    ),
    "IncidentIn": _object(
        {
            "incident": _object(
                {
                    "name": {"type": "string", "maxLength": 255},
                    "status": {"type": "string", "enum": INCIDENT_STATUS},
                    "body": {"type": "string", "maxLength": 25000},
                    "impact_override": {"type": "string", "enum": IMPACT},
                    "components": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "string",
                            "enum": [*COMPONENT_STATUS, ""],
                        },
                    },
                    "component_ids": {"type": "array", "items": {"type": "string"}},
                    "deliver_notifications": BOOLISH,
                    "scheduled_for": {"type": "string", "format": "date-time"},
                    "scheduled_until": {"type": "string", "format": "date-time"},
                    "scheduled_remind_prior": BOOLISH,
                    "scheduled_auto_in_progress": BOOLISH,
                    "scheduled_auto_transition": BOOLISH,
                    "scheduled_auto_completed": BOOLISH,
                    "auto_transition_to_maintenance_state": BOOLISH,
                    "auto_transition_to_operational_state": BOOLISH,
                    "auto_transition_deliver_notifications_at_start": BOOLISH,
                    "auto_transition_deliver_notifications_at_end": BOOLISH,
                    "metadata": METADATA,
                    "reminder_intervals": REMINDER_INTERVALS,
                    "backfilled": BOOLISH,
                    "backfill_date": {"type": "string"},
                    "display_at": {"type": "string", "format": "date-time"},
                }
            )
        },
        ["incident"],
    ),
    "IncidentUpdateIn": _object(
        {
            "incident_update": _object(
                {
                    "body": {"type": "string", "maxLength": 25000},
                    "display_at": {"type": "string", "format": "date-time"},
                    "deliver_notifications": BOOLISH,
                    "wants_twitter_update": BOOLISH,
                }
            )
        },
        ["incident_update"],
    ),
    "Postmortem": _object(
        {
            "preview_key": {"type": "string"},
            "body": _string(nullable=True),
            "body_updated_at": NULLABLE_TIMESTAMP,
            "body_draft": _string(nullable=True),
            "body_draft_updated_at": NULLABLE_TIMESTAMP,
            "published_at": NULLABLE_TIMESTAMP,
            "notify_subscribers": BOOL,
            "notify_twitter": BOOL,
            "custom_tweet": _string(nullable=True),
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        },
        ["body_draft", "published_at", "created_at", "updated_at"],
    ),
    "PostmortemIn": _object(
        {"postmortem": _object({"body_draft": {"type": "string", "maxLength": 25000}})},
        ["postmortem"],
    ),
    "Subscriber": _object(
        {
            "id": ID,
            "mode": {"type": "string", "enum": ["email", "sms", "webhook", "slack", "teams"]},
            "email": _string(nullable=True),
            "endpoint": _string(nullable=True),
            "phone_number": _string(nullable=True),
            "phone_country": _string(nullable=True),
            "display_phone_number": _string(nullable=True),
            "obfuscated_channel_name": _string(nullable=True),
            "workspace_name": _string(nullable=True),
            "quarantined_at": NULLABLE_TIMESTAMP,
            "purge_at": NULLABLE_TIMESTAMP,
            "components": {"type": "array", "items": ID},
            "page_access_user_id": _string(nullable=True),
            "skip_confirmation_notification": BOOL,
            "created_at": TIMESTAMP,
        },
        ["id", "mode", "components", "created_at"],
    ),
    "SubscriberIn": _object(
        {
            "subscriber": _object(
                {
                    "email": {"type": "string", "format": "email", "maxLength": 254},
                    "endpoint": {"type": "string", "format": "uri", "maxLength": 500},
                    "skip_confirmation_notification": BOOLISH,
                    "component_ids": {"type": "array", "items": {"type": "string"}},
                }
            )
        },
        ["subscriber"],
    ),
    "IncidentSubscriberIn": _object(
        {
            "subscriber": _object(
                {
                    "email": {"type": "string", "format": "email", "maxLength": 254},
                    "skip_confirmation_notification": BOOLISH,
                },
                ["email"],
            )
        },
        ["subscriber"],
    ),
    "SubscriberPatch": _object(
        {"component_ids": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
        ["component_ids"],
    ),
    "Metric": _object(
        {
            "id": ID,
            "page_id": ID,
            "metrics_provider_id": {"type": "null"},
            "metric_identifier": {"type": "null"},
            "name": {"type": "string"},
            "display": BOOL,
            "tooltip_description": _string(nullable=True),
            "backfilled": BOOL,
            "y_axis_min": NULLABLE_NUMBER,
            "y_axis_max": NULLABLE_NUMBER,
            "y_axis_hidden": BOOL,
            "suffix": {"type": "string"},
            "decimal_places": {"type": "integer", "minimum": 0, "maximum": 4},
            "most_recent_data_at": NULLABLE_TIMESTAMP,
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "last_fetched_at": {"type": "null"},
            "backfill_percentage": {"type": "integer"},
            "reference_name": {"type": "null"},
            "component_id": _string(nullable=True),
            "monitor_id": _string(nullable=True),
            "position": {"type": "integer"},
        },
        ["id", "name", "display", "suffix", "decimal_places", "created_at", "updated_at"],
    ),
    "MetricIn": _object(
        {
            "metric": _object(
                {
                    "name": {"type": "string", "maxLength": 100},
                    "suffix": {"type": "string", "maxLength": 20},
                    "tooltip_description": {"type": "string", "maxLength": 500},
                    "display": BOOLISH,
                    "decimal_places": {"type": "integer", "minimum": 0, "maximum": 4},
                    "y_axis_min": NULLABLE_NUMBER,
                    "y_axis_max": NULLABLE_NUMBER,
                    "y_axis_hidden": BOOLISH,
                    "position": {"type": "integer", "minimum": 1, "maximum": 10000},
                    "component_id": _string(nullable=True),
                    "monitor_id": _string(nullable=True, pattern="^[0-9]{1,18}$"),
                }
            )
        },
        ["metric"],
    ),
    "MetricPoint": _object(
        {"timestamp": POINT_TIME, "value": {"type": "number"}}, ["timestamp", "value"]
    ),
    "MetricPointIn": _object({"data": _ref("MetricPoint")}, ["data"]),
    "MetricPointOut": _object({"data": _ref("MetricPoint")}, ["data"]),
    "MetricPointsIn": _object(
        {
            "data": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": _ref("MetricPoint")},
                "description": "Points by metric id; at most 3000 points in all.",
            }
        },
        ["data"],
    ),
    "MetricPointsOut": _object(
        {
            "data": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": _ref("MetricPoint")},
            }
        },
        ["data"],
    ),
    "PostmortemPublishIn": _object(
        {
            "postmortem": _object(
                {
                    "notify_subscribers": BOOLISH,
                    "notify_twitter": BOOLISH,
                    "custom_tweet": {"type": "string"},
                }
            )
        }
    ),
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json(_ref("Error"))}


ERRORS = {
    "400": _error("Malformed request"),
    "401": _error("Missing or unknown API key"),
    "404": _error("Unknown page or resource"),
    "405": _error("Method not allowed"),
    "413": _error("Body too large"),
    "415": _error("Unsupported body encoding"),
    "422": _error("Validation failure"),
    "503": _error("The database is unavailable"),
}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _with_parameters(path: str, ops: dict[str, Any]) -> dict[str, Any]:
    """A path's operations, with the parameters its template names first ({page_id}, ...)."""
    names = re.findall(r"\{(\w+)\}", path)
    return {"parameters": [_path_param(name) for name in names], **ops} if names else ops


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


PAGING = [
    _query("page", {"type": "integer", "minimum": 1}),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
]


def _op(
    summary: str,
    status: str,
    schema: dict[str, Any] | None,
    body: str | None = None,
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    response: dict[str, Any] = {"description": summary}
    if schema is not None:
        response["content"] = _json(schema)
    op: dict[str, Any] = {"summary": summary, "responses": {status: response, **ERRORS}}
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": _ref(body)},
                "application/x-www-form-urlencoded": {"schema": _ref(body)},
            },
        }
    return op


def _list(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


def _collection(listed: str, created: str, schema: str) -> dict[str, Any]:
    """A page's resources: list them a page at a time, create one with the `<schema>In` body."""
    return {
        "get": _op(f"List {listed}", "200", _list(schema), params=PAGING),
        "post": _op(f"Create {created}", "201", _ref(schema), f"{schema}In"),
    }


def _item(what: str, schema: str, *, answers_delete: bool) -> dict[str, Any]:
    """One resource's path: read it, update it (PATCH and PUT alike, with the `<schema>In`
    body) and delete it, answered with the deleted document or with 204 No Content."""
    deleted = ("200", _ref(schema)) if answers_delete else ("204", None)
    return {
        "get": _op(f"Get {what}", "200", _ref(schema)),
        **{
            method: _op(f"Update {what}", "200", _ref(schema), f"{schema}In")
            for method in ("patch", "put")
        },
        "delete": _op(f"Delete {what}", *deleted),
    }


def _paths() -> dict[str, Any]:
    P = "/pages/{page_id}"
    inc = P + "/incidents/{incident_id}"
    paths: dict[str, dict[str, Any]] = {
        "/pages": {"get": _op("Pages visible to the key", "200", _list("Page"))},
        P: {
            "get": _op("Get the page", "200", _ref("Page")),
            "patch": _op("Update the page", "200", _ref("Page"), "PageIn"),
            "put": _op("Update the page", "200", _ref("Page"), "PageIn"),
        },
        P + "/components": _collection("components and groups", "a component", "Component"),
        P + "/components/{component_id}": _item("a component", "Component", answers_delete=False),
        P + "/component-groups": _collection("component groups", "a component group", "Group"),
        P + "/component-groups/{group_id}": _item(
            "a component group", "Group", answers_delete=True
        ),
        P + "/incidents": {
            "get": _op(
                "List incidents and maintenances, newest first",
                "200",
                _list("Incident"),
                params=[
                    _query("q", {"type": "string"}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _query("page", {"type": "integer", "minimum": 1}),
                ],
            ),
            "post": _op("Create an incident or maintenance", "201", _ref("Incident"), "IncidentIn"),
        },
        **{
            f"{P}/incidents/{name}": {
                "get": _op(summary, "200", _list("Incident"), params=PAGING),
            }
            for name, summary in (
                ("unresolved", "Unresolved incidents"),
                ("upcoming", "Upcoming maintenances"),
                ("active_maintenance", "Active maintenances"),
                ("scheduled", "All maintenances"),
            )
        },
        inc: _item("an incident", "Incident", answers_delete=True),
        inc + "/incident_updates/{incident_update_id}": {
            "patch": _op("Edit an update", "200", _ref("IncidentUpdate"), "IncidentUpdateIn"),
            "put": _op("Edit an update", "200", _ref("IncidentUpdate"), "IncidentUpdateIn"),
        },
        inc + "/postmortem": {
            "get": _op("Get the postmortem", "200", _ref("Postmortem")),
            "put": _op("Save the postmortem draft", "200", _ref("Postmortem"), "PostmortemIn"),
            "delete": _op("Delete the postmortem", "204", None),
        },
        inc + "/postmortem/publish": {
            "put": _op("Publish the postmortem", "200", _ref("Postmortem"), "PostmortemPublishIn"),
        },
        P + "/subscribers": {
            "get": _op(
                "List subscribers (page is 0-based)",
                "200",
                _list("Subscriber"),
                params=[
                    _query("page", {"type": "integer", "minimum": 0}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _query("q", {"type": "string"}),
                    _query("type", {"type": "string", "enum": ["email", "sms", "webhook"]}),
                    _query(
                        "state",
                        {"type": "string", "enum": ["active", "unconfirmed", "quarantined", "all"]},
                    ),
                    _query(
                        "sort_field",
                        {
                            "type": "string",
                            "enum": ["primary", "created_at", "quarantined_at", "relevance"],
                        },
                    ),
                    _query("sort_direction", {"type": "string", "enum": ["asc", "desc"]}),
                ],
            ),
            "post": _op("Add a subscriber", "201", _ref("Subscriber"), "SubscriberIn"),
        },
        P + "/subscribers/{subscriber_id}": {
            "get": _op("Get a subscriber", "200", _ref("Subscriber")),
            "patch": _op(
                "Change a subscriber's components", "200", _ref("Subscriber"), "SubscriberPatch"
            ),
            "delete": _op("Unsubscribe a subscriber", "200", _ref("Subscriber")),
        },
        inc + "/subscribers": {
            "get": _op("List the incident's subscribers", "200", _list("Subscriber")),
            "post": _op(
                "Add an incident subscriber", "201", _ref("Subscriber"), "IncidentSubscriberIn"
            ),
        },
        inc + "/subscribers/{subscriber_id}": {
            "get": _op("Get an incident subscriber", "200", _ref("Subscriber")),
            "delete": _op("Unsubscribe an incident subscriber", "200", _ref("Subscriber")),
        },
        inc + "/subscribers/{subscriber_id}/resend_confirmation": {
            "post": _op("Resend the confirmation link", "201", _ref("Subscriber")),
        },
        P + "/metrics": {
            "get": _op("List metrics", "200", _list("Metric"), params=PAGING),
            "post": _op(
                "Create a metric (Beacon: no metrics providers)", "201", _ref("Metric"), "MetricIn"
            ),
        },
        P + "/metrics/data": {
            "post": _op(
                "Add data points to several metrics",
                "201",
                _ref("MetricPointsOut"),
                "MetricPointsIn",
            ),
        },
        P + "/metrics/{metric_id}": _item("a metric", "Metric", answers_delete=True),
        P + "/metrics/{metric_id}/data": {
            "post": _op(
                "Add a data point to a metric", "201", _ref("MetricPointOut"), "MetricPointIn"
            ),
            "delete": _op("Reset a metric's data", "200", _ref("Metric")),
        },
        inc + "/postmortem/revert": {
            "put": _op("Unpublish the postmortem", "200", _ref("Postmortem")),
        },
    }
    return {path: _with_parameters(path, ops) for path, ops in paths.items()}


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Beacon operator API",
            "version": "1",
            "description": "A Statuspage-compatible management API v1 subset. "
            "Every path also answers with a .json suffix and a trailing slash.",
        },
        "servers": [{"url": server_url}],
        "security": [{"oauth_header": []}, {"api_key_query": []}],
        "components": {
            "securitySchemes": {
                "oauth_header": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "“OAuth <api key>”",
                },
                "api_key_query": {"type": "apiKey", "in": "query", "name": "api_key"},
            },
            "schemas": SCHEMAS,
        },
        "paths": _paths(),
    }
