"""The overall status rollup (statuspage-api-v2.md §4)."""

import pytest

from public.status import overall_status

OP = "operational"
DEG = "degraded_performance"
PART = "partial_outage"
MAJ = "major_outage"
MAINT = "under_maintenance"


@pytest.mark.parametrize(
    ("statuses", "indicator", "description"),
    [
        ([], "none", "All Systems Operational"),
        ([OP, OP], "none", "All Systems Operational"),
        ([OP, DEG], "minor", "Partially Degraded Service"),
        ([DEG, DEG], "minor", "Degraded System Service"),
        ([OP, PART], "minor", "Minor Service Outage"),
        ([PART, PART], "major", "Partial System Outage"),
        ([PART], "major", "Partial System Outage"),
        ([OP, MAJ], "major", "Partial System Outage"),
        ([DEG, MAJ], "major", "Partial System Outage"),
        ([MAJ, MAJ], "critical", "Major System Outage"),
        ([MAJ], "critical", "Major System Outage"),
        ([OP, MAINT], "maintenance", "Service Under Maintenance"),
        ([MAINT, MAINT], "maintenance", "Service Under Maintenance"),
        ([MAINT, DEG], "minor", "Partially Degraded Service"),
    ],
)
def test_component_statuses_roll_up_to_the_standard_wording(statuses, indicator, description):
    status = overall_status(statuses)
    assert (status.indicator, status.description) == (indicator, description)


@pytest.mark.parametrize(
    ("impact", "indicator", "description"),
    [
        ("minor", "minor", "Minor Service Outage"),
        ("major", "major", "Partial System Outage"),
        ("critical", "critical", "Major System Outage"),
    ],
)
def test_an_unresolved_incident_raises_an_all_operational_page_to_its_impact(
    impact, indicator, description
):
    status = overall_status([OP, OP], [impact])
    assert (status.indicator, status.description) == (indicator, description)


def test_an_incident_without_impact_leaves_the_page_operational():
    assert overall_status([OP], ["none"]).description == "All Systems Operational"


def test_an_incident_never_lowers_what_the_components_say():
    status = overall_status([MAJ], ["minor"])
    assert (status.indicator, status.description) == ("critical", "Major System Outage")


def test_an_incident_raises_maintenance_to_its_impact():
    status = overall_status([MAINT], ["minor"])
    assert (status.indicator, status.description) == ("minor", "Minor Service Outage")


def test_the_worst_unresolved_incident_wins():
    status = overall_status([OP], ["minor", "critical", "major"])
    assert status.as_json() == {"indicator": "critical", "description": "Major System Outage"}
