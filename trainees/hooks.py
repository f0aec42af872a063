"""What trainees/ lets the apps above it add (see lms.hooks). Filled in their AppConfig.ready()."""

from lms.hooks import Hook

trainer_people_scope = Hook(
    "trainees.trainer_people_scope",
    "fn(*, trainer) -> Q over User: more people a trainer may see (learning/: those enrolled in what they own).",
)
