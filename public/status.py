"""The page's overall status: one pure function shared by the public page and the JSON API.

The rules are those of statuspage-api-v2.md §4: the worst component status and whether every
component shares it give an indicator and a description; then each unresolved incident raises
the indicator to at least its impact.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from components.models import SEVERITY, ComponentStatus

NONE = "none"
MINOR = "minor"
MAJOR = "major"
CRITICAL = "critical"
MAINTENANCE = "maintenance"

INDICATORS = (NONE, MINOR, MAJOR, CRITICAL, MAINTENANCE)
# How far an unresolved incident's impact can raise the indicator.
INDICATOR_ORDER = {NONE: 0, MAINTENANCE: 1, MINOR: 2, MAJOR: 3, CRITICAL: 4}

ALL_OPERATIONAL = "All Systems Operational"
PARTIALLY_DEGRADED = "Partially Degraded Service"
DEGRADED = "Degraded System Service"
MINOR_OUTAGE = "Minor Service Outage"
PARTIAL_OUTAGE = "Partial System Outage"
MAJOR_OUTAGE = "Major System Outage"
UNDER_MAINTENANCE = "Service Under Maintenance"

# When an incident raises the indicator, the description follows the indicator.
DESCRIPTION_OF_RAISED = {MINOR: MINOR_OUTAGE, MAJOR: PARTIAL_OUTAGE, CRITICAL: MAJOR_OUTAGE}


@dataclass(frozen=True)
class OverallStatus:
    indicator: str
    description: str

    def as_json(self) -> dict[str, str]:
        return {"indicator": self.indicator, "description": self.description}


def _from_components(statuses: list[str]) -> OverallStatus:
    if not statuses:
        return OverallStatus(NONE, ALL_OPERATIONAL)
    worst = max(statuses, key=lambda s: SEVERITY[ComponentStatus(s)])
    everyone = all(s == worst for s in statuses)
    match worst:
        case ComponentStatus.OPERATIONAL:
            return OverallStatus(NONE, ALL_OPERATIONAL)
        case ComponentStatus.UNDER_MAINTENANCE:
            return OverallStatus(MAINTENANCE, UNDER_MAINTENANCE)
        case ComponentStatus.DEGRADED_PERFORMANCE:
            return OverallStatus(MINOR, DEGRADED if everyone else PARTIALLY_DEGRADED)
        case ComponentStatus.PARTIAL_OUTAGE:
            if everyone:
                return OverallStatus(MAJOR, PARTIAL_OUTAGE)
            return OverallStatus(MINOR, MINOR_OUTAGE)
        case _:
            if everyone:
                return OverallStatus(CRITICAL, MAJOR_OUTAGE)
            return OverallStatus(MAJOR, PARTIAL_OUTAGE)


def overall_status(
    component_statuses: Iterable[str], unresolved_incident_impacts: Iterable[str] = ()
) -> OverallStatus:
    """The page's indicator and description.

    `component_statuses` are the statuses of every component (groups are not components here);
    `unresolved_incident_impacts` the effective impact of every unresolved incident
    (none, minor, major or critical).
    """
    result = _from_components(list(component_statuses))
    for impact in unresolved_incident_impacts:
        if impact in DESCRIPTION_OF_RAISED and (
            INDICATOR_ORDER[impact] > INDICATOR_ORDER[result.indicator]
        ):
            result = OverallStatus(impact, DESCRIPTION_OF_RAISED[impact])
    return result
