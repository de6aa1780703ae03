"""The stack's variables, read from the same group_vars files the playbooks use, in the order
Ansible reads them (`load_environment`).

Values may be Jinja templates. A value that is exactly one `{{ name }}` reference, or a string
made of plain text and such references, is resolved here; anything else (filters, lookups,
expressions) stays unresolved, which is fine for every variable the plan does not read. A
variable the plan reads must come out as a plain value, or the plan names it and stops.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_TEMPLATE = re.compile(r"\{\{(.*?)\}\}|\{%|\{#", re.DOTALL)
_WHOLE = re.compile(r"\s*\{\{((?:(?!\}\}).)*)\}\}\s*", re.DOTALL)
_SIMPLE_REF = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*")


class UsageError(Exception):
    """Bad flags or an unreadable vars file: exit code 2."""


class VariableError(Exception):
    """A variable the plan needs is missing or has a value it cannot use: exit code 1."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{name}: {why}" for name, why in problems))
        self.problems = problems


@dataclass(frozen=True)
class Unresolved:
    """A template the plan does not evaluate (a filter, a lookup, an expression)."""

    text: str


def load_vars(path: Path) -> dict[str, Any]:
    """The variables in a YAML (or JSON) file; `-` reads them from standard input."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
    except OSError as exc:
        raise UsageError(f"cannot read the vars file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{path} must hold a mapping of variable names to values")
    return data


INVENTORIES = Path(__file__).resolve().parents[2] / "ansible" / "inventories"


# What Ansible takes for a vars file (C.YAML_FILENAME_EXTENSIONS, plus no extension).
_VARS_EXTENSIONS = ("", ".yml", ".yaml", ".json")


def environment_files(env: str, inventories: Path = INVENTORIES) -> list[Path]:
    """The files Ansible reads for the `all` group of ansible/inventories/<env>, first to last
    (a later one wins), found as Ansible finds them (DataLoader.find_vars_files): the first of
    group_vars/all, all.yml, all.yaml, all.json that exists; a folder is read whole, its
    entries by name, subfolders in place, hidden files and backups~ skipped."""
    folder = inventories / env / "group_vars"
    for ext in _VARS_EXTENSIONS:
        candidate = folder / f"all{ext}"
        if candidate.is_dir():
            files = _folder_files(candidate)
            break
        if candidate.is_file():
            files = [candidate]
            break
    else:
        files = []
    if not files:
        known = sorted(p.name for p in inventories.glob("*") if (p / "group_vars").is_dir())
        raise UsageError(f"no environment {env!r} (known: {', '.join(known) or 'none'})")
    return files


def _folder_files(folder: Path) -> list[Path]:
    found = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name.endswith("~"):
            continue
        if entry.is_dir() and not entry.suffix:
            found += _folder_files(entry)
        elif entry.is_file() and entry.suffix in _VARS_EXTENSIONS:
            found.append(entry)
    return found


def load_environment(env: str, inventories: Path = INVENTORIES) -> dict[str, Any]:
    """An environment's variables as Ansible sees them before templating: the files of
    `environment_files`, each variable from the last file that sets it."""
    merged: dict[str, Any] = {}
    for path in environment_files(env, inventories):
        merged.update(load_vars(path))
    return merged


def apply_overrides(variables: dict[str, Any], pairs: list[str]) -> dict[str, Any]:
    """`--set name=value` pairs on top of the file. The value is read as YAML (so `20` is a
    number and `bridge` a string); a name without the `project_` prefix gets it; a dotted name
    sets one key of a mapping (`container_environment.APP_DRAIN_SECONDS=5`)."""
    merged = dict(variables)
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--set {pair!r}: write NAME=VALUE")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        head, _, key = name.partition(".")
        if not head.startswith("project_"):
            head = f"project_{head}"
        if key:
            inner = merged.get(head)
            inner = dict(inner) if isinstance(inner, dict) else {}
            inner[key] = value
            merged[head] = inner
        else:
            merged[head] = value
    return merged


def resolve(value: Any, variables: dict[str, Any], _seen: frozenset[str] = frozenset()) -> Any:
    """Resolve simple `{{ name }}` references in `value`, recursively."""
    if isinstance(value, dict):
        return {k: resolve(v, variables, _seen) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, variables, _seen) for v in value]
    if not isinstance(value, str) or not _TEMPLATE.search(value):
        return value

    whole = _WHOLE.fullmatch(value)
    if whole:
        ref = _SIMPLE_REF.fullmatch(whole.group(1))
        if ref:
            return _lookup(ref.group(1), variables, _seen, value)
        return Unresolved(value)

    parts: list[str] = []
    position = 0
    for match in _TEMPLATE.finditer(value):
        ref = _SIMPLE_REF.fullmatch(match.group(1) or "")
        if match.group(1) is None or not ref:
            return Unresolved(value)
        parts.append(value[position : match.start()])
        resolved = _lookup(ref.group(1), variables, _seen, value)
        if isinstance(resolved, Unresolved | dict | list):
            return Unresolved(value)
        parts.append(str(resolved))
        position = match.end()
    parts.append(value[position:])
    return "".join(parts)


def _lookup(name: str, variables: dict[str, Any], seen: frozenset[str], text: str) -> Any:
    if name in seen or name not in variables:
        return Unresolved(text)
    return resolve(variables[name], variables, seen | {name})


class Reader:
    """Typed access to the resolved variables, collecting every problem before failing."""

    def __init__(self, variables: dict[str, Any]):
        self.variables = variables
        self.problems: list[tuple[str, str]] = []
        self.used: list[str] = []

    def raw(self, name: str, default: Any = ...) -> Any:
        """The resolved value, `default` when absent; None (and a problem) when required."""
        self.used.append(name)
        value = self.variables.get(name)
        if value is None:
            if default is ...:
                self.problems.append((name, "missing from the vars file"))
                return None
            return default
        value = resolve(value, self.variables, frozenset({name}))
        if isinstance(value, Unresolved):
            self.problems.append((name, f"the plan cannot evaluate {value.text.strip()!r}"))
            return None
        return value

    def number(self, name: str, default: Any = ..., minimum: float | None = None) -> float:
        value = self.raw(name, default)
        if value is None:
            return 0.0
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.problems.append((name, f"{value!r} is not a number"))
            return 0.0
        if minimum is not None and number < minimum:
            self.problems.append((name, f"{value!r} is below {minimum:g}"))
        return number

    def integer(self, name: str, default: Any = ..., minimum: int | None = None) -> int:
        value = self.number(name, default, minimum)
        if value != int(value):
            self.problems.append((name, f"{value!r} is not a whole number"))
        return int(value)

    def choice(self, name: str, choices: tuple[str, ...], default: Any = ...) -> str:
        value = self.raw(name, default)
        if value not in choices:
            if value is not None:  # None: already reported
                self.problems.append((name, f"{value!r} is not one of {', '.join(choices)}"))
            return choices[0]
        return str(value)

    def text(self, name: str, default: Any = ...) -> str:
        value = self.raw(name, default)
        return "" if value is None else str(value)

    def mapping(self, name: str, default: Any = ...) -> dict[str, Any]:
        value = self.raw(name, default)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problems.append((name, "must be a mapping"))
            return {}
        return value

    def check(self) -> None:
        if self.problems:
            raise VariableError(self.problems)
