"""User codes: generation in a dialect's shape and the comparison rules of RFC 8628 §6.1."""

from __future__ import annotations

import secrets

from .dialects import CodeMatch, UserCodeShape


def generate_user_code(shape: UserCodeShape) -> str:
    """A fresh random code, e.g. ``WDJB-MJHT`` for base-20 groups of 4."""
    groups = ["".join(secrets.choice(shape.alphabet) for _ in range(n)) for n in shape.groups]
    return shape.sep.join(groups)


def normalize_user_code(typed: str, match: CodeMatch) -> str:
    """The form of a code used for lookups.

    RFC 8628 §6.1: servers should ignore punctuation and compare case-insensitively.
    Google documents its codes as case-sensitive, so that dialect keeps the case.
    """
    kept = "".join(ch for ch in typed if ch.isalnum())
    return kept if match == "case_sensitive" else kept.upper()
