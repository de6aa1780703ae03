"""The plan's data: instance types (instance_types.json) and prices (prices.json).

Both live next to this module as data, each with its date and sources, so that updating a
figure is an edit to a JSON file that a reviewer can check against the source it names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
INSTANCE_TYPES_FILE = HERE / "instance_types.json"
PRICES_FILE = HERE / "prices.json"


@dataclass(frozen=True)
class InstanceType:
    name: str
    vcpus: int
    memory_mib: int
    max_enis: int

    @property
    def cpu_units(self) -> int:
        # ECS registers 1024 CPU units per vCPU.
        return self.vcpus * 1024


@dataclass(frozen=True)
class Price:
    usd: float
    source: str | None  # a key of prices.json's "sources"; None: not confirmed

    @property
    def confirmed(self) -> bool:
        return self.source is not None


@cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def instance_types() -> dict[str, InstanceType]:
    data = _load(INSTANCE_TYPES_FILE)
    return {name: InstanceType(name, **spec) for name, spec in data["types"].items()}


def memory_overhead_percent() -> float:
    return float(_load(INSTANCE_TYPES_FILE)["memory_overhead_percent"])


class PriceTable:
    def __init__(self, data: dict[str, Any] | None = None):
        self.data = data if data is not None else _load(PRICES_FILE)

    @property
    def as_of(self) -> str:
        return str(self.data["as_of"])

    def sources(self) -> dict[str, str]:
        return dict(self.data.get("sources", {}))

    def regions(self) -> list[str]:
        return sorted(self.data["regions"])

    def _price(self, entry: dict[str, Any] | None) -> Price | None:
        if not entry:
            return None
        return Price(float(entry["usd"]), entry.get("source"))

    def ec2(self, region: str, instance_type: str) -> Price | None:
        return self._price(self.data["regions"].get(region, {}).get("ec2", {}).get(instance_type))

    def fargate(self, region: str) -> tuple[Price, Price] | None:
        table = self.data["regions"].get(region, {}).get("fargate")
        if not table:
            return None
        vcpu, gb = self._price(table.get("vcpu_hour")), self._price(table.get("gb_hour"))
        return (vcpu, gb) if vcpu and gb else None

    def alb(self, region: str) -> tuple[Price, Price] | None:
        table = self.data["regions"].get(region, {}).get("alb")
        if not table:
            return None
        hour, lcu = self._price(table.get("hour")), self._price(table.get("lcu_hour"))
        return (hour, lcu) if hour and lcu else None

    def public_ipv4(self) -> Price:
        price = self._price(self.data["public_ipv4_hour"])
        assert price is not None
        return price
