"""When to send a request again, and how long to wait first."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timezone
from email.utils import parsedate_to_datetime

from airflow_provider_releases.utils.clock import EPOCH_MS_FLOOR

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# Methods whose request may create or change something: after it may have reached the vendor
# (a read timeout, a dropped connection, a 5xx) it is not sent again.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH"})

_EPOCH_S_FLOOR = 1e9  # 2001-09-09 in epoch seconds


@dataclass(frozen=True)
class RetryPolicy:
    """
    Bounded retries with exponential backoff and jitter.

    :param max_retries: how many times a request is sent again after the first attempt.
    :param backoff_base: the first backoff in seconds; it doubles with every retry.
    :param backoff_max: the longest single backoff in seconds.
    :param max_total_wait: the most seconds spent waiting between attempts of one request; a
        server asking for a longer wait ends the retries at once.
    """

    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    max_total_wait: float = 120.0

    def backoff(self, retry_number: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based): exponential, half jittered."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (retry_number - 1))
        draw = (rng or random).random()
        return ceiling * (0.5 + draw / 2)


def server_delay(
    headers: Mapping[str, str], reset_headers: Iterable[str], now: float | None = None
) -> float | None:
    """Return the seconds ``Retry-After`` or one of ``reset_headers`` asks to wait, or ``None``."""
    now = time.time() if now is None else now
    retry_after = headers.get("Retry-After")
    if retry_after:
        delay = _parse_retry_after(retry_after, now)
        if delay is not None:
            return delay
    for name in reset_headers:
        value = headers.get(name)
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            continue
        if number >= EPOCH_MS_FLOOR:
            return max(0.0, number / 1000 - now)
        if number >= _EPOCH_S_FLOOR:
            return max(0.0, number - now)
        return max(0.0, number)
    return None


def _parse_retry_after(value: str, now: float) -> float | None:
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, moment.timestamp() - now)
