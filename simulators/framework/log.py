"""Every request a simulator served: counts and timings per route."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
import re


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One served request."""

    time: float
    """Simulated time it arrived (POSIX timestamp)."""
    method: str
    path: str
    route: str
    """The route pattern it matched (``/device/{id}``), or the path when none did."""
    status: int
    duration: float
    """Seconds the simulator took to answer, injected delays included."""
    fault: str | None = None


class RequestLog:
    """Keep the requests served, to count calls in budget tests and benchmarks."""

    def __init__(self, max_records: int = 100_000) -> None:
        """Keep at most ``max_records`` records (oldest dropped)."""
        self.max_records = max_records
        self.records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        """Add a record."""
        self.records.append(record)
        if len(self.records) > self.max_records:
            del self.records[: len(self.records) - self.max_records]

    def clear(self) -> None:
        """Forget every record."""
        self.records.clear()

    def matching(
        self, pattern: str | None = None, method: str | None = None
    ) -> list[RequestRecord]:
        """Return the records whose path matches the regular expression (and method)."""
        regex = re.compile(pattern) if pattern else None
        return [
            r
            for r in self.records
            if (regex is None or regex.search(r.path))
            and (method is None or r.method == method.upper())
        ]

    def count(self, pattern: str | None = None, method: str | None = None) -> int:
        """Return how many requests matched."""
        return len(self.matching(pattern, method))

    def by_route(self) -> dict[str, int]:
        """Return the count per ``METHOD route``."""
        return dict(Counter(f"{r.method} {r.route}" for r in self.records))

    def busy_seconds(self, pattern: str | None = None) -> float:
        """Return the total time spent answering the matching requests."""
        return sum(r.duration for r in self.matching(pattern))

    def summary(self) -> dict[str, object]:
        """Return counts and timings per route, for the control API and benchmarks."""
        routes: dict[str, dict[str, float]] = {}
        for r in self.records:
            entry = routes.setdefault(
                f"{r.method} {r.route}", {"count": 0, "total_seconds": 0.0, "max_seconds": 0.0}
            )
            entry["count"] += 1
            entry["total_seconds"] += r.duration
            entry["max_seconds"] = max(entry["max_seconds"], r.duration)
        return {"total": len(self.records), "routes": routes}

    def as_list(self, last: int | None = None) -> list[dict[str, object]]:
        """Return the records as dicts (the last ``last`` ones)."""
        records = self.records if last is None else self.records[-last:]
        return [asdict(r) for r in records]
