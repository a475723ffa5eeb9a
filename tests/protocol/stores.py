"""In-memory key and counter stores for verifier tests."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DictKeys:
    keys: dict[tuple[int, int], bytes] = field(default_factory=dict)
    asked: list[tuple[int, int]] = field(default_factory=list)

    def key_for(self, network: int, src: int) -> bytes | None:
        self.asked.append((network, src))
        return self.keys.get((network, src))


@dataclass
class DictCounters:
    last: dict[tuple[int, int], tuple[int, bytes]] = field(default_factory=dict)

    def last_accepted(self, network: int, src: int) -> tuple[int, bytes] | None:
        return self.last.get((network, src))

    def store(self, network: int, src: int, counter: int, data: bytes) -> None:
        self.last[(network, src)] = (counter, data)
