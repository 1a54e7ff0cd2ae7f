"""Consumers of the outbox register a nudge hook here; the domain never imports them."""

from collections.abc import Callable

nudge_hooks: list[Callable[[int], None]] = []
