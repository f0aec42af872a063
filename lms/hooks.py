"""Hooks: how a lower app lets the apps above it take part, without importing them.

The apps are layers (see `.importlinter` and docs/architecture.md): an app imports only the apps below it. When a
lower app needs work done above it (a course was finished: a notification and the dashboard figures; who may see a
plan: the people enrolled in it), it declares a `Hook` in its `hooks.py`, calls it at that point, and the upper app
registers a function on it in its `AppConfig.ready()`::

    # learning/hooks.py (the lower app says what it offers)
    enrollments_assigned = Hook("learning.enrollments_assigned", "fn(*, enrollments) -> None, inside the transaction")

    # learning/services.py (and calls it)
    hooks.enrollments_assigned.call(enrollments=rows)

    # notifications/apps.py (the upper app fills it)
    def ready(self):
        learning_hooks.enrollments_assigned.register(domain_rules.notify_assigned)

This is the one mechanism for such calls (no Django signals, no imports inside functions to dodge a cycle). A
hook runs its functions synchronously, in registration order, inside the caller's transaction; a function that
should run later queues a task on commit. `call` returns the functions' results, for hooks that ask a question
(`all(hook.call(...))`, a Q per provider).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    """A named extension point: upper apps `register` functions, the declaring app `call`s them."""

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc
        self._functions: list[Callable[..., Any]] = []

    def register(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Add `fn` (once; registering it again changes nothing). Returns it, so it can decorate."""
        if fn not in self._functions:
            self._functions.append(fn)
        return fn

    def unregister(self, fn: Callable[..., Any]) -> None:
        if fn in self._functions:
            self._functions.remove(fn)

    @property
    def functions(self) -> tuple[Callable[..., Any], ...]:
        return tuple(self._functions)

    def call(self, **kwargs: Any) -> list[Any]:
        """Run every registered function with these keyword arguments; their results, in order."""
        return [fn(**kwargs) for fn in self._functions]

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._functions)} registered>"
