"""Reading Alertmanager (webhook v4) and Grafana alerting payloads into one shape."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from statuspage.text import one_line, plain_text


class BadPayload(ValueError):
    pass


@dataclass(frozen=True)
class Alert:
    firing: bool
    labels: dict[str, str]
    annotations: dict[str, str]
    fingerprint: str


def _strings(value: Any, what: str, *, multiline: bool = False) -> dict[str, str]:
    """Labels (one line each) or annotations (summaries keep their line breaks), neutralised
    rather than refused: the sender is a machine, and its text becomes incident names and email
    subjects. Control characters become spaces and lone surrogates U+FFFD, so nothing read here
    can break a header or fail to be stored."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadPayload(f"{what} must be an object of strings.")
    clean = plain_text if multiline else one_line
    return {
        one_line(str(k)): clean(v if isinstance(v, str) else json.dumps(v))
        for k, v in value.items()
    }


def _fingerprint(labels: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:32]


def _alert(raw: Any) -> Alert:
    if not isinstance(raw, dict):
        raise BadPayload("Each alert must be an object.")
    status = raw.get("status")
    if status not in ("firing", "resolved"):
        raise BadPayload(f"An alert's status must be firing or resolved, not {status!r}.")
    labels = _strings(raw.get("labels"), "labels")
    fingerprint = raw.get("fingerprint")
    if not isinstance(fingerprint, str) or not one_line(fingerprint):
        fingerprint = _fingerprint(labels)
    return Alert(
        firing=status == "firing",
        labels=labels,
        annotations=_strings(raw.get("annotations"), "annotations", multiline=True),
        fingerprint=one_line(fingerprint)[:64],
    )


def read_alerts(payload: Any) -> list[Alert]:
    """Alertmanager and Grafana's unified alerting share the `alerts` list; legacy Grafana
    (before 8) sends one rule with `state` and `tags`, read as one alert."""
    if not isinstance(payload, dict):
        raise BadPayload("The payload must be a JSON object.")
    if "alerts" in payload:
        alerts = payload["alerts"]
        if not isinstance(alerts, list):
            raise BadPayload("“alerts” must be a list.")
        return [_alert(raw) for raw in alerts]
    if "state" in payload and ("ruleName" in payload or "ruleId" in payload):
        state = payload["state"]
        if state not in ("alerting", "ok"):
            return []  # pending, no_data, paused: nothing has changed yet
        labels = _strings(payload.get("tags"), "tags")
        labels.setdefault("alertname", one_line(str(payload.get("ruleName", ""))))
        return [
            Alert(
                firing=state == "alerting",
                labels=labels,
                annotations=_strings(
                    {"summary": str(payload.get("message") or payload.get("title") or "")},
                    "message",
                    multiline=True,
                ),
                fingerprint=one_line(f"grafana-rule-{payload.get('ruleId', labels['alertname'])}")[
                    :64
                ],
            )
        ]
    raise BadPayload("This is not an Alertmanager or Grafana alert payload: no “alerts” list.")
