"""The embedded default for `make run`: SQLite, the filesystem broker, e-mail on the console."""

from lms.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
