"""A plausible answer to a quiz item as the attempt API shows it; shared by the Locust files (which locust loads
from this folder, so they import this module by its plain name)."""

import random


def answer_for(item: dict):
    keys = [o["key"] for o in item["options"]]
    if item["qtype"] == "single":
        return random.choice(keys)  # noqa: S311
    if item["qtype"] == "multiple":
        return random.sample(keys, 2)
    if item["qtype"] == "truefalse":
        return random.choice([True, False])  # noqa: S311
    return "strength"
