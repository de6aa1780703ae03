"""Hourly cost of the stack at a given size: compute, the load balancer, public IPv4 addresses.

Upper-bound habits: an internet-facing ALB holds one public address per zone; every EC2
instance in a public subnet has one (no NAT gateway by default, so instances reach ECS and ECR
through it); every Fargate task has one for the same reason. ALB capacity units (LCUs) are
estimated from a request rate counting one new connection per request, the costliest case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalog import Price, PriceTable
from .settings import Settings

# One LCU: 25 new connections per second, 3000 active connections per minute, or 1 GB
# processed per hour (rule evaluations stay inside the free first 10 rules here).
LCU_NEW_CONNECTIONS_PER_SECOND = 25
LCU_GB_PER_HOUR = 1.0
# Request and response with headers for GET /api (a 52-letter JSON object).
BYTES_PER_REQUEST = 1500


@dataclass(frozen=True)
class Cost:
    compute: float | None
    load_balancer: float | None
    public_ipv4: float
    lcus: float
    addresses: int
    unconfirmed: tuple[str, ...] = field(default=())

    @property
    def total(self) -> float | None:
        if self.compute is None or self.load_balancer is None:
            return None
        return self.compute + self.load_balancer + self.public_ipv4


def lcus_for(requests_per_second: float) -> float:
    by_connections = requests_per_second / LCU_NEW_CONNECTIONS_PER_SECOND
    by_bytes = requests_per_second * BYTES_PER_REQUEST * 3600 / 1e9 / LCU_GB_PER_HOUR
    return max(by_connections, by_bytes)


def hourly(
    settings: Settings,
    prices: PriceTable,
    tasks: int,
    instances: int,
    requests_per_second: float,
) -> Cost:
    unconfirmed: list[str] = []

    def use(label: str, price: Price) -> float:
        if not price.confirmed:
            unconfirmed.append(label)
        return price.usd

    compute: float | None = None
    if settings.compute == "fargate":
        fargate = prices.fargate(settings.region)
        if fargate:
            vcpu, gb = fargate
            per_task = use("Fargate vCPU-hour", vcpu) * settings.task_cpu / 1024
            per_task += use("Fargate GB-hour", gb) * settings.task_memory / 1024
            compute = tasks * per_task
        addresses = tasks + settings.availability_zones
    else:
        price = prices.ec2(settings.region, settings.instance_type)
        if price:
            compute = instances * use(f"{settings.instance_type} hour", price)
        addresses = instances + settings.availability_zones

    lcus = lcus_for(requests_per_second)
    load_balancer: float | None = None
    alb = prices.alb(settings.region)
    if alb:
        hour, lcu = alb
        load_balancer = use("ALB hour", hour) + lcus * use("ALB LCU-hour", lcu)
    ipv4 = addresses * use("public IPv4 hour", prices.public_ipv4())
    return Cost(compute, load_balancer, ipv4, lcus, addresses, tuple(dict.fromkeys(unconfirmed)))
