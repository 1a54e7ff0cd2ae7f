"""Request and response plumbing for the operator API: auth, bodies, errors.

The API is for scripts and SDKs written against Statuspage's management API, so it is liberal
in what it reads (JSON with or without a content type, Rails-style bracketed forms, `.json`
suffixes) and strict in what it writes (bare objects and arrays, documented error bodies).
"""

import functools
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from pages.models import Page
from statuspage.db.bounds import commit_outcome_unknown

from .models import ApiKey, prefix_of
from .services import touch_api_key

NOT_AUTHENTICATED = "Could not authenticate"


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


UNCONFIRMED = (
    "The database did not confirm the save in time, so it may or may not have been saved. "
    "Look before you send it again."
)


def error_response(status: int, message: str) -> JsonResponse:
    # The spec names `message`; some clients read `error` first, so both are sent.
    return JsonResponse({"error": message, "message": message}, status=status)


def validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        parts = []
        for field, errors in error.message_dict.items():
            text = " ".join(errors)
            parts.append(text if field == "__all__" else f"{field}: {text}")
        return " ".join(parts)
    return " ".join(error.messages)


# Authentication -------------------------------------------------------------------------------


def key_from(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("oauth", "bearer") and value.strip():
        return value.strip()
    return request.GET.get("api_key", "").strip()


def authenticate(key: str) -> ApiKey:
    prefix = prefix_of(key)
    if prefix is None:
        raise ApiError(401, NOT_AUTHENTICATED)
    api_key = ApiKey.objects.active().select_related("page").filter(prefix=prefix).first()
    if api_key is None or not api_key.matches(key):
        raise ApiError(401, NOT_AUTHENTICATED)
    touch_api_key(api_key)
    return api_key


# Bodies ---------------------------------------------------------------------------------------

BRACKETS = re.compile(r"\[([^\]]*)\]")

# Deeper than any document Beacon reads (metadata is two levels under its envelope); a
# hundred thousand `[` would otherwise exhaust Python's recursion limit and answer a 500.
MAX_JSON_DEPTH = 32
_JSON_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class JSONTooDeep(ValueError):
    pass


def nests_deeper_than(text: str, max_depth: int) -> bool:
    """Whether a JSON text nests arrays and objects past `max_depth` (brackets inside strings
    aside). One pass over the brackets, stopping at the first one too deep: a quarter of a
    second for a megabyte of brackets, nothing for a body with few."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    depth = 0
    for match in _JSON_STRING_OR_BRACKET.finditer(text):
        char = match.group()
        if char == "[" or char == "{":
            depth += 1
            if depth > max_depth:
                return True
        elif char == "]" or char == "}":
            depth -= 1
    return False


def read_json(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads for request bodies, refusing nesting past `max_depth` before parsing.

    Raises ValueError (json.JSONDecodeError, or JSONTooDeep) for anything it will not read.
    """
    if nests_deeper_than(text, max_depth):
        raise JSONTooDeep(f"it nests deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except RecursionError:  # not reached within the depth bound; kept as a second guard
        raise JSONTooDeep(f"it nests deeper than {max_depth} levels") from None


def parse_form(text: str) -> dict[str, Any]:
    """Rails bracket notation: a[b]=1, a[c][]=x, a[d][k]=v into nested dicts and lists."""
    result: dict[str, Any] = {}
    for raw_key, value in parse_qsl(text, keep_blank_values=True, max_num_fields=1000):
        head = raw_key.split("[", 1)[0]
        parts = [head, *BRACKETS.findall(raw_key[len(head) :])]
        if len(parts) > MAX_JSON_DEPTH:
            raise ApiError(400, f"The form field “{raw_key[:80]}” nests too deeply.")
        node: Any = result
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            following = None if last else parts[i + 1]
            if isinstance(node, list):
                raise ApiError(400, f"Cannot read the form field “{raw_key}”.")
            if last:
                if part == "":
                    raise ApiError(400, f"Cannot read the form field “{raw_key}”.")
                node[part] = value
            elif following == "":
                existing = node.setdefault(part, [])
                if not isinstance(existing, list):
                    raise ApiError(400, f"The form field “{raw_key}” mixes a list and a value.")
                existing.append(value)
                break
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ApiError(400, f"The form field “{raw_key}” mixes a map and a value.")
                node = child
    return result


def parse_body(request: HttpRequest) -> dict[str, Any]:
    if request.method in ("GET", "HEAD", "DELETE", "OPTIONS"):
        return {}
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(413, "The request body is too large.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "The request body is not valid UTF-8.") from None
    content_type = request.content_type or ""
    stripped = text.lstrip()
    if not stripped:
        return {}
    # Some WSGI servers fill in text/plain when a client sent no Content-Type at all.
    if content_type == "text/plain":
        content_type = ""
    if content_type == "application/x-www-form-urlencoded":
        try:
            return parse_form(text)
        except ValueError as error:
            raise ApiError(400, f"Cannot read the form body: {error}") from None
    if content_type in ("application/json", "") or content_type.endswith("+json"):
        if content_type == "" and not stripped.startswith(("{", "[")):
            raise ApiError(400, "Send the body as JSON or as a form (with its Content-Type).")
        try:
            data = read_json(text)
        except ValueError as error:  # JSONTooDeep included
            raise ApiError(400, f"The body is not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise ApiError(400, "The body must be a JSON object.")
        return data
    raise ApiError(
        415,
        f"Cannot read a {content_type} body; send application/json "
        "or application/x-www-form-urlencoded.",
    )


# Views ----------------------------------------------------------------------------------------

View = Callable[..., Any]


def one_or_404[M: Model](rows: QuerySet[M], pk: str, what: str) -> M:
    """The row of `rows` with this id, or a 404 saying there is no such `what`: a row outside
    `rows` (another page's) is answered as one that does not exist."""
    row = rows.filter(pk=pk).first()
    if row is None:
        raise Http404(f"No such {what}.")
    return row


def api_view(*methods: str) -> Callable[[View], View]:
    """Authenticate, check the page, parse the body, turn errors into documented responses.

    The wrapped view gets (request, api_key, body, **kwargs) and returns a JSON-able value
    or an HttpResponse. Writes run in one transaction: a failure leaves nothing half-saved.
    """
    allowed = {m.upper() for m in methods}
    if "GET" in allowed:
        allowed.add("HEAD")

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            try:
                api_key = authenticate(key_from(request))
                if request.method not in allowed:
                    response = error_response(405, f"{request.method} is not allowed here.")
                    response["Allow"] = ", ".join(sorted(allowed))
                    return response
                page_id = kwargs.pop("page_id", None)
                if page_id is not None and page_id != api_key.page_id:
                    raise ApiError(404, "No such page.")
                body = parse_body(request)
                if request.method in ("GET", "HEAD"):
                    result = view(request, api_key, body, **kwargs)
                else:
                    with transaction.atomic():
                        result = view(request, api_key, body, **kwargs)
            except ApiError as error:
                return error_response(error.status, error.message)
            except Http404 as error:
                return error_response(404, str(error) or "Not found.")
            except ValidationError as error:
                return error_response(422, validation_message(error))
            except (DataError, IntegrityError) as error:
                return error_response(422, f"The values were not accepted: {error}".strip())
            except DatabaseError as error:
                if commit_outcome_unknown(error):
                    return error_response(503, UNCONFIRMED)
                return error_response(503, "The database is unavailable; try again shortly.")
            if isinstance(result, HttpResponse):
                return result
            status = 201 if request.method == "POST" else 200
            return JsonResponse(result, status=status, safe=False)

        return wrapper

    return decorate


def detail_view[M](
    name: str,
    *,
    find: Callable[[Page, str], M],
    show: Callable[[M, Page], Any],
    change: Callable[[M, dict[str, Any], ApiKey], None],
    delete: Callable[[M, ApiKey], Any],
) -> View:
    """GET, PATCH/PUT and DELETE of one row of the key's page, named by the path's one id.

    A change is answered with the row found again, as the next GET would show it. What a
    DELETE answers is `delete`'s to say: Statuspage sends the document for some, 204 for others.
    """

    def detail(request: HttpRequest, api_key: ApiKey, body: dict, **ids: str) -> Any:
        page = api_key.page
        (row_id,) = ids.values()  # page_id is api_view's; the one left names the row
        found = find(page, row_id)
        if request.method == "DELETE":
            return delete(found, api_key)
        if request.method in ("PATCH", "PUT"):
            change(found, body, api_key)
            found = find(page, row_id)
        return show(found, page)

    detail.__name__ = detail.__qualname__ = name
    return api_view("GET", "PATCH", "PUT", "DELETE")(detail)


def actor_of(api_key: ApiKey) -> str:
    """Who the audit log names for a change made with this key."""
    return f"API key “{api_key.name}”"
