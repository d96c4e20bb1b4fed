"""How many property tests ran, with how many examples and counterexamples (one line at the session's end)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Tally:
    properties: int = 0
    examples: int = 0
    counterexamples: int = 0

    def export(self) -> dict[str, int]:
        """The counts as a plain dict, to send from a pytest-xdist worker."""
        return asdict(self)

    def merge(self, counts: dict[str, int]) -> None:
        """Add a worker's counts."""
        self.properties += counts["properties"]
        self.examples += counts["examples"]
        self.counterexamples += counts["counterexamples"]

    def line(self) -> str | None:
        """The summary line, or ``None`` when no property test ran."""
        if not self.properties:
            return None
        return (
            f"property tests: {self.properties} properties, {self.examples} examples, "
            f"{self.counterexamples} counterexamples"
        )


TALLY = Tally()
