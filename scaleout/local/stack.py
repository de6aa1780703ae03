"""The stages of `make up`, `make down` and `make status`, one line of progress each."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from plugins.module_utils.scaleout_contract import contract_problems
from scaleout import emulator
from scaleout import playbook as playbook_runner
from scaleout.plan.variables import load_environment


class StageFailed(Exception):
    def __init__(self, stage: str, what: str, todo: str, detail: str = "") -> None:
        self.stage, self.what, self.todo, self.detail = stage, what, todo, detail
        text = f"make up failed at stage '{stage}': {what}\n  what to do: {todo}"
        if detail:
            text += "\n  details:\n" + "\n".join(f"    {line}" for line in detail.splitlines())
        super().__init__(text)


def port_taken(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def http_get(url: str, timeout: float = 2) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback URLs
        return response.status, response.read()


@dataclass
class LocalStack:
    root: Path
    state_dir: Path
    port: int = 8080
    emulator_port: int = 5000
    base_image: str = "python:3.11-slim-bookworm"
    use_docker: bool = True
    verbose: bool = False

    # --- names and environment ---------------------------------------------------------------

    @property
    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.emulator_port}"

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return self.state_dir / "logs"

    def project_vars(self) -> dict:
        return load_environment("local", self.root / "ansible" / "inventories")

    @property
    def stack_name(self) -> str:
        v = self.project_vars()
        return f"{v['project_name']}-{v['project_env']}"

    @property
    def container_name(self) -> str:
        return self.stack_name if self.port == 8080 else f"{self.stack_name}-{self.port}"

    def env(self) -> dict[str, str]:
        region = self.project_vars().get("project_region", emulator.REGION)
        env = emulator.aimed_at(self.emulator_url, region)
        env.update(
            ANSIBLE_CONFIG=str(self.root / "ansible.cfg"),
            PYTHONPATH=f"{self.root / 'app'}:{self.root}",
            ANSIBLE_FORCE_COLOR="0",
        )
        return env

    def pid(self, name: str) -> int | None:
        path = self.state_dir / f"{name}.pid"
        try:
            return int(path.read_text())
        except (OSError, ValueError):
            return None

    # --- progress ----------------------------------------------------------------------------

    def stage(self, name: str, action) -> str:
        began = time.monotonic()
        tty = sys.stdout.isatty() and not self.verbose
        back = "\r" if tty else ""
        if tty:
            print(f"==> {name:<10} ...", end="", flush=True)
        try:
            detail = action()
        except StageFailed:
            print(f"{back}==> {name:<10} failed", flush=True)
            raise
        elapsed = time.monotonic() - began
        print(f"{back}==> {name:<10} {detail} ({elapsed:.1f} s)", flush=True)
        return detail

    # --- up ----------------------------------------------------------------------------------

    def up(self) -> None:
        began = time.monotonic()
        self.logs.mkdir(parents=True, exist_ok=True)
        changes: dict[str, int] = {}
        self.stage("emulator", self.start_emulator)
        changes["provision"] = self.run_stage("provision", "ansible/site.yml")
        docker = self.use_docker and self.docker_answers()
        if docker:
            base = self.stage("base", self.resolve_base_image)
            changes["serve"] = self.run_stage(
                "serve",
                "ansible/local.yml",
                local_service_base_image=base,
                local_service_port=self.port,
                local_service_container_name=self.container_name,
            )
        else:
            self.stage("serve", self.start_waitress)
        self.stage("check", self.check_service)
        self.summary(docker, changes, time.monotonic() - began)

    def start_emulator(self) -> str:
        pid = self.pid("emulator")
        if alive(pid) and self.emulator_answers():
            return f"running at {self.emulator_url} (pid {pid})"
        if port_taken(self.emulator_port):
            raise StageFailed(
                "emulator",
                f"port {self.emulator_port} is taken by another process",
                f"stop it, or choose another port: make up EMULATOR_PORT={self.emulator_port + 1}",
            )
        try:
            # In a session of its own: it outlives `make up` and ignores its Ctrl-C.
            proc, _ = emulator.start(
                self.emulator_port, log=self.logs / "emulator.log", env=self.env(), detach=True
            )
        except emulator.NotStarted as exc:
            raise StageFailed(
                "emulator",
                str(exc),
                "read the log; `make venv` reinstalls moto if it is broken",
                self.tail(self.logs / "emulator.log"),
            ) from None
        (self.state_dir / "emulator.pid").write_text(str(proc.pid))
        return f"started at {self.emulator_url} (pid {proc.pid})"

    def emulator_answers(self) -> bool:
        try:
            # The dashboard page: answers at once (data.json serialises every resource).
            return http_get(f"{self.emulator_url}/moto-api/")[0] == 200
        except OSError:
            return False

    def run_stage(self, name: str, playbook: str, **extra) -> int:
        changed = {}

        def action() -> str:
            changed["n"] = self.playbook(name, playbook, **extra)
            return "no change" if changed["n"] == 0 else f"{changed['n']} changed"

        self.stage(name, action)
        return changed["n"]

    def playbook(self, name: str, playbook: str, **extra) -> int:
        """Run a playbook, its output into logs/<name>.log; return how many tasks changed."""
        log_path = self.logs / f"{name}.log"
        with open(log_path, "w") as log:
            if self.verbose:
                print(flush=True)
            run = playbook_runner.run(
                self.root / playbook,
                extra_vars=extra or None,
                env=self.env(),
                log=log,
                tee=sys.stdout if self.verbose else None,
            )
        if run.returncode != 0:
            raise StageFailed(
                name,
                f"{playbook} failed (exit {run.returncode})",
                f"read the message below; the whole output is in {log_path}; "
                "fix and run make up again (it carries on from where it is)",
                self.failure_lines(run.output),
            )
        return run.changed

    def docker_answers(self) -> bool:
        try:
            return (
                subprocess.run(
                    ["docker", "info"], capture_output=True, timeout=20, check=False
                ).returncode
                == 0
            )
        except (OSError, subprocess.TimeoutExpired):
            return False

    def resolve_base_image(self) -> str:
        result = subprocess.run(
            [str(self.root / "scripts/docker-engine.sh"), "base", self.base_image],
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
        if result.returncode != 0:
            raise StageFailed(
                "base",
                f"no base image for the service ({self.base_image})",
                "pull it, or install debootstrap to build the stand-in",
                result.stderr[-2000:],
            )
        return result.stdout.strip()

    def start_waitress(self) -> str:
        pid = self.pid("service")
        if alive(pid):
            return f"running on {self.service_url} under waitress (pid {pid}); no Docker engine"
        if port_taken(self.port):
            raise StageFailed(
                "serve",
                f"port {self.port} is taken by another process",
                f"stop it, or choose another port: make up PORT={self.port + 1}",
            )
        log = open(self.logs / "service.log", "w")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            [sys.executable, "-m", "scaleout_app"],
            cwd=self.root,
            env={**self.env(), "APP_HOST": "127.0.0.1", "APP_PORT": str(self.port)},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        (self.state_dir / "service.pid").write_text(str(proc.pid))
        return f"started on {self.service_url} under waitress (pid {proc.pid}); no Docker engine"

    def check_service(self) -> str:
        deadline = time.monotonic() + 60
        last = ""
        while time.monotonic() < deadline:
            try:
                status, body = http_get(f"{self.service_url}/api")
                problems = contract_problems(body)
                if status == 200 and not problems:
                    return f"{self.service_url}/api answers 52 letters"
                last = f"unexpected answer {status}: {'; '.join(problems) or body[:80]!r}"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.2)
        raise StageFailed(
            "check",
            f"{self.service_url}/api does not answer: {last}",
            "make status shows what runs; the service log is in docker logs "
            f"{self.container_name} or {self.logs}/service.log",
        )

    def summary(self, docker: bool, changes: dict[str, int], seconds: float) -> None:
        import boto3

        env = self.env()
        kw = dict(
            endpoint_url=self.emulator_url,
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=env["AWS_SESSION_TOKEN"],
        )
        name = self.stack_name
        lines = []
        try:
            service = boto3.client("ecs", **kw).describe_services(cluster=name, services=[name])[
                "services"
            ][0]
            revision = service["taskDefinition"].rsplit("/", 1)[-1]
            aas = boto3.client("application-autoscaling", **kw)
            resource = f"service/{name}/{name}"
            target = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])[
                "ScalableTargets"
            ]
            policies = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)[
                "ScalingPolicies"
            ]
            scaling = ", ".join(
                f"{p['TargetTrackingScalingPolicyConfiguration']['PredefinedMetricSpecification']['PredefinedMetricType']}"
                f" -> {p['TargetTrackingScalingPolicyConfiguration']['TargetValue']:g}"
                for p in policies
                if "TargetTrackingScalingPolicyConfiguration" in p
            )
            lines.append(f"cluster     {name}")
            bounds = f"{target[0]['MinCapacity']}-{target[0]['MaxCapacity']}" if target else "?"
            lines.append(
                f"service     {name}: {service['desiredCount']} desired, tasks {bounds}, "
                f"{revision}; scaling on {scaling or 'nothing'}"
            )
            albs = boto3.client("elbv2", **kw).describe_load_balancers()["LoadBalancers"]
            for alb in albs:
                if alb["LoadBalancerName"].startswith(name[:20]):
                    lines.append(f"ALB         {alb['DNSName']} (emulated)")
            repos = boto3.client("ecr", **kw).describe_repositories()["repositories"]
            lines += [f"ECR         {r['repositoryUri']}" for r in repos]
        except Exception as exc:  # noqa: BLE001 - the summary must not hide a working stack
            lines.append(f"(could not read the stack back from the emulator: {exc})")
        total = sum(changes.values())
        print()
        print(
            f"http-scale-out is up in {seconds:.0f} s "
            f"({'no change' if total == 0 else f'{total} change' + ('s' if total > 1 else '')}):"
        )
        for line in lines:
            print(f"  {line}")
        where = f"container {self.container_name}" if docker else "waitress, no Docker engine"
        print(f"  service     {self.service_url} ({where})")
        print(f"  emulator    {self.emulator_url}")
        print("next:")
        print(f"  curl {self.service_url}/api")
        print(f"  make loadtest URL={self.service_url}/api")
        print("  make status | make down")

    # --- down and status ---------------------------------------------------------------------

    def down(self) -> None:
        if self.docker_answers():
            self.stage("container", self.remove_container)
        for name in ("service", "emulator"):
            self.stage(name, lambda name=name: self.stop_process(name))
        for path in sorted(self.logs.glob("*.log")) if self.logs.exists() else []:
            path.unlink()
        if self.logs.exists():
            self.logs.rmdir()
        if self.state_dir.exists() and not any(self.state_dir.iterdir()):
            self.state_dir.rmdir()

    def remove_container(self) -> str:
        result = subprocess.run(
            ["docker", "inspect", self.container_name], capture_output=True, check=False
        )
        if result.returncode != 0:
            return "none"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.playbook(
            "down",
            "ansible/local.yml",
            local_service_state="absent",
            local_service_container_name=self.container_name,
            local_service_port=self.port,
        )
        return f"removed {self.container_name}"

    def stop_process(self, name: str) -> str:
        pid = self.pid(name)
        pidfile = self.state_dir / f"{name}.pid"
        if not alive(pid):
            pidfile.unlink(missing_ok=True)
            return "not running"
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.killpg(pid, signal.SIGKILL)
        pidfile.unlink(missing_ok=True)
        return f"stopped (pid {pid})"

    def status(self) -> int:
        emulator = self.pid("emulator")
        up = alive(emulator) and self.emulator_answers()
        print(
            f"emulator   {'running at ' + self.emulator_url if up else 'not running'}"
            + (f" (pid {emulator})" if up else "")
        )
        service = "not running"
        if alive(self.pid("service")):
            service = f"waitress (pid {self.pid('service')})"
        elif self.docker_answers():
            result = subprocess.run(
                [
                    "docker",
                    "inspect",
                    "-f",
                    "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
                    self.container_name,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode == 0:
                service = f"container {self.container_name}: {result.stdout.strip()}"
        try:
            health = http_get(f"{self.service_url}/healthz")[0]
        except OSError as exc:
            health = f"no answer ({getattr(exc, 'reason', exc)})"
        print(f"service    {service}; {self.service_url}/healthz: {health}")
        return 0 if up and health == 200 else 1

    # --- helpers -----------------------------------------------------------------------------

    @staticmethod
    def tail(path: Path, lines: int = 15) -> str:
        try:
            return "\n".join(path.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    @staticmethod
    def failure_lines(output: str) -> str:
        lines = output.splitlines()
        picked = [
            line
            for i, line in enumerate(lines)
            if line.startswith(("fatal:", "failed:", "ERROR!", "[ERROR]"))
            or (i and lines[i - 1].startswith("TASK [") and "FAILED" in line)
        ]
        task = [line for line in lines if line.startswith("TASK [")]
        head = f"last task: {task[-1]}" if task else ""
        return "\n".join([head, *picked[-8:]] if picked else [head, *lines[-15:]])
