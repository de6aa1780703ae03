"""The fleet observer against the AWS emulator: what it records, and what it says is missing.

The emulator scales nothing by itself, so the test plays auto scaling: it changes the service's
desired count while the observer polls, and checks that the record follows, on the load's clock.
"""

from __future__ import annotations

import json
import time
import uuid

import boto3
import pytest

from scaleout.loadtest.observe import FleetObserver, client_factory
from tests.conftest import FAKE_CREDENTIALS, require_tool
from tests.loadtest.loadtest_support import result_line, run_tool
from tests.support import wait_for

pytestmark = pytest.mark.emulator
FAKE = {k.lower(): v for k, v in FAKE_CREDENTIALS.items()}  # boto3 Session keyword arguments


@pytest.fixture
def fleet(emulator):
    """A cluster and a service of 2 tasks with a scalable target (min 2, max 6)."""
    name = f"lt-{uuid.uuid4().hex[:8]}"
    ecs = emulator.client("ecs")
    ecs.create_cluster(clusterName=name)
    ecs.register_task_definition(
        family=name, containerDefinitions=[{"name": "web", "image": "web:1", "memory": 256}]
    )
    ecs.create_service(cluster=name, serviceName="web", taskDefinition=name, desiredCount=2)
    emulator.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{name}/web",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=2,
        MaxCapacity=6,
    )
    return name


def records(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_record_follows_the_service_on_the_same_clock(emulator, fleet, tmp_path):
    out = tmp_path / "fleet.jsonl"
    session = boto3.session.Session(region_name=emulator.region, **FAKE)
    clients = client_factory(emulator.endpoint_url, session=session)
    observer = FleetObserver(fleet, "web", out, clients, interval=0.2, metrics_interval=0.2)
    before = time.time()
    observer.start()
    try:
        wait_for("two samples", lambda: observer.samples >= 2, limit=60, every=0.05)
        changed_at = time.time()
        emulator.client("ecs").update_service(cluster=fleet, service="web", desiredCount=4)
        seen = observer.samples
        wait_for(
            "two samples after the change",
            lambda: observer.samples >= seen + 2,
            limit=60,
            every=0.05,
        )
    finally:
        observer.stop()
    after = time.time()

    lines = records(out)
    kinds = [r["kind"] for r in lines]
    assert kinds[0] == "start" and kinds[-1] == "stop"
    assert [r["ts"] for r in lines] == sorted(r["ts"] for r in lines)
    assert all(before - 0.01 <= r["ts"] <= after + 0.01 for r in lines)

    (discovered,) = [r for r in lines if r["kind"] == "discovered"]
    assert discovered["scalable_target"] == {"min": 2, "max": 6}
    samples = [r for r in lines if r["kind"] == "sample"]
    desired = [(r["ts"], r["service"]["desired"]) for r in samples]
    assert {d for _, d in desired} == {2, 4}
    assert all(d == 2 for ts, d in desired if ts < changed_at)
    assert desired[-1][1] == 4
    assert samples[0]["service"]["deployments"][0]["task_definition"] == f"{fleet}:1"

    # What the emulator does not have is said once each, not raised, and not repeated per poll.
    missing = {r["piece"]: r["reason"] for r in lines if r["kind"] == "missing"}
    assert "auto_scaling_group" in missing  # no EC2 capacity provider here
    assert "metrics" in missing  # the emulator publishes no CloudWatch datapoints
    assert "load_balancer" in missing  # this service has no target group
    assert len([r for r in lines if r["kind"] == "missing"]) == len(missing)
    assert samples[-1]["asg"] is None


def test_a_service_that_does_not_exist_is_recorded_and_exits_1(emulator, tmp_path):
    out = tmp_path / "fleet.jsonl"
    result = run_tool(
        "--cluster",
        "no-such-cluster",
        "--service",
        "web",
        "--out",
        str(out),
        "--duration",
        "1s",
        "--interval",
        "0.5",
        env=emulator.env(),
        module="scaleout.loadtest.observe",
    )
    assert result.returncode == 1, result.stderr
    lines = records(out)
    assert [r["kind"] for r in lines if r["kind"] in {"start", "stop"}] == ["start", "stop"]
    assert any(r["kind"] == "missing" and r["piece"] == "service" for r in lines)
    assert not any(r["kind"] == "sample" for r in lines)


@pytest.mark.slow
def test_load_with_the_fleet_watched_reports_both(emulator, fleet, server, tmp_path):
    require_tool("hey", "the load test drives hey")
    out = tmp_path / "run"
    result = run_tool(
        "--url",
        server.url(),
        "--stages",
        "10:2s",
        "--out",
        str(out),
        "--loopback-only",
        "--cluster",
        fleet,
        "--service",
        "web",
        "--interval",
        "0.5",
        "--observe-before",
        "1s",
        env=emulator.env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result_line(result.stdout)["stages"][0]["requests"] == len(server.requests())
    run = json.loads((out / "run.json").read_text())
    samples = [r for r in records(out / "fleet.jsonl") if r["kind"] == "sample"]
    # The baseline was polled before the load began, on the load's clock.
    assert samples[0]["ts"] < run["started"] < run["ended"]
    assert [r["ts"] for r in samples] == sorted(r["ts"] for r in samples)
    summary = (out / "summary.md").read_text()
    assert f"### Fleet: service `web` in cluster `{fleet}`" in summary
    # The baseline is the last poll at or before the load began: the emulator's service may
    # still be starting its first tasks at the earlier polls.
    before = [r for r in samples if r["ts"] <= run["started"]]
    running = before[-1]["service"]["running"]
    assert f"| Tasks when the load began | 2 desired, {running} running (minimum 2) |" in summary
    assert "| First scale-out | none seen |" in summary
    assert "Not recorded: " in summary and "CloudWatch metrics" in summary
    assert (out / "timeline.png").stat().st_size > 10_000
