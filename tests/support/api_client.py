"""A small HTTP client for the live server, speaking as a script would."""

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


class Http:
    """Speaks to the live server like a script would: plain HTTP, no cookies, no CSRF token."""

    def __init__(self, base_url: str, key: str | None) -> None:
        self.netloc = urlsplit(base_url).netloc
        self.key = key

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        key: str | None = "default",
    ) -> Reply:
        headers = {"Accept": "application/json"}
        key = self.key if key == "default" else key
        if key:
            headers["Authorization"] = f"OAuth {key}"
        data = raw
        if data is None and body is not None:
            data = json.dumps(body).encode()
        if data is not None and content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection(self.netloc, timeout=30)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("PATCH", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)


def add_without_confirmation(operator: Http, url: str, **subscriber: Any) -> Reply:
    """POST `subscriber` to a subscribers `url` of the operator API, vouched for by the operator
    (`skip_confirmation_notification`): active at once, no confirmation message sent."""
    return operator.post(url, {"subscriber": subscriber | {"skip_confirmation_notification": True}})
