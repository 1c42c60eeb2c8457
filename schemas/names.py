"""How names are compared: one rule for the build (aliases must not collide) and the API
(``actor=Seoul`` finds the actor whose alias is "Seoul")."""

from __future__ import annotations

import unicodedata


def normalize_name(value: str) -> str:
    """Case- and width-insensitive, with runs of whitespace collapsed: "  SEOUL " -> "seoul"."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())
