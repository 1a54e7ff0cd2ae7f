"""Webhook receivers for Prometheus Alertmanager and Grafana alerting.

The token is an operator API key of the page, in the URL (`/hooks/alertmanager/<key>`) or in an
`Authorization: Bearer <key>` header, which both tools can send.
"""

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from operator_api.http import (
    ApiError,
    authenticate,
    error_response,
    key_from,
    read_json,
    validation_message,
)

from .models import AlertSource
from .payloads import BadPayload, read_alerts
from .services import receive_alerts


def _receive(request: HttpRequest, source: str, token: str) -> HttpResponse:
    if request.method != "POST":
        response = error_response(405, "Send alerts with POST.")
        response["Allow"] = "POST"
        return response
    try:
        api_key = authenticate(token or key_from(request))
    except ApiError as error:
        return error_response(error.status, error.message)
    try:
        payload = read_json(request.body.decode("utf-8"))
        alerts = read_alerts(payload)
    except RequestDataTooBig:
        return error_response(413, "The payload is too large.")
    except (UnicodeDecodeError, ValueError) as error:
        # BadPayload, json.JSONDecodeError and JSONTooDeep are all ValueErrors.
        message = str(error) if isinstance(error, BadPayload) else f"Not valid JSON: {error}"
        return error_response(400, message)
    try:
        outcome = receive_alerts(page=api_key.page, source=source, alerts=alerts)
    except ValidationError as error:
        return error_response(422, validation_message(error))
    return JsonResponse(outcome.as_json())


@csrf_exempt
def alertmanager(request: HttpRequest, token: str = "") -> HttpResponse:
    return _receive(request, AlertSource.ALERTMANAGER, token)


@csrf_exempt
def grafana(request: HttpRequest, token: str = "") -> HttpResponse:
    return _receive(request, AlertSource.GRAFANA, token)
