"""What a request's query string says: filters, flags, the streams asked for."""
from __future__ import annotations

import json
import re

from ..errors import InvalidParameter


class Query(dict):
    """A request's query: each key's last value (as Go's FormValue), and all of them with all()."""

    def __init__(self, values: dict[str, list[str]]):
        super().__init__({k: v[-1] for k, v in values.items()})
        self.values = values

    def all(self, key: str) -> list[str]:
        return list(self.values.get(key, []))


def parse_filters(query: dict) -> dict[str, list[str]]:
    raw = query.get("filters")
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidParameter(f"invalid filter '{raw}'") from None
    out = {}
    for key, val in (data or {}).items():
        out[key] = list(val.keys()) if isinstance(val, dict) else list(val)
    return out


def regex_match(pattern: str, text: str) -> bool:
    """The engine's filters.Match: a regular expression searched in the value."""
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def labels_match(wanted: list[str], labels: dict) -> bool:
    for item in wanted:
        key, eq, value = item.partition("=")
        if key not in labels or (eq and labels[key] != value):
            return False
    return True


def truthy(query: dict, key: str) -> bool:
    v = query.get(key, "")
    return v not in ("", "0", "false", "False")


def wanted_streams(query: dict) -> set[int]:
    """The streams a logs or attach request asks for: 1 stdout, 2 stderr."""
    return {fd for fd, key in ((1, "stdout"), (2, "stderr")) if truthy(query, key)}


def frame(stream: int, data: bytes) -> bytes:
    """One multiplexed frame: stream byte, three zero bytes, big-endian length, payload."""
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data
