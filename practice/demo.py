"""Demo data for `seed_demo`: the shipped scenarios (idempotent: imported by code, a second run adds nothing)."""

from practice.scenario_library import SCENARIOS
from practice.services import scenario_import


def seed(stdout=None) -> None:
    saved = scenario_import(payload={"scenarios": SCENARIOS}, user=None)
    if stdout is not None:
        stdout.write(f"practice: {len(saved)} scenarios")
