"""Retrying refused submissions (`overloaded`) with capped exponential backoff and jitter."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterator, Tuple


@dataclass(frozen=True)
class RetryPolicy:
    """How `call()` retries a request the coordinator refused at once as `overloaded`.

    A refused id is not remembered by the coordinator, so the retry resubmits the same id.
    The n-th retry waits a random time in [d/2, d] with d = min(max_delay, base_delay * 2**n)
    ("equal jitter"), so that many clients refused together do not come back together.
    `RetryPolicy(retries=0)` never retries."""
    retries: int = 3
    base_delay: float = 0.1
    max_delay: float = 2.0
    codes: Tuple[str, ...] = ("overloaded",)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delays(self) -> Iterator[float]:
        """The waits before each retry, `retries` of them."""
        for attempt in range(self.retries):
            ceiling = min(self.max_delay, self.base_delay * (2 ** attempt))
            yield ceiling / 2 + self.rng.random() * ceiling / 2

    def applies_to(self, code: str) -> bool:
        return code in self.codes


NO_RETRY = RetryPolicy(retries=0)
