"""The contract of `GET /api`, checked in one place for everything that checks it: the deploy
module (before blue/green moves production), `make up`, the benchmarks and the tests.

The contract: a JSON object whose keys are exactly "0" to "51", each value one ASCII letter.
Plain Python with no Ansible: the modules import it as `ansible.module_utils.scaleout_contract`
(ansible.cfg points `module_utils` here), everything else as
`plugins.module_utils.scaleout_contract`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

CONTRACT_KEYS = [str(i) for i in range(52)]
LETTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def contract_problems(body):
    """What is wrong with one /api answer (an empty list when it holds the contract)."""
    try:
        document = json.loads(body)
    except ValueError:
        return ["the answer is not JSON"]
    if not isinstance(document, dict):
        return ["the answer is not a JSON object"]
    problems = []
    if sorted(document, key=lambda k: (len(k), k)) != CONTRACT_KEYS:
        problems.append(f"keys are not exactly '0' to '51' ({len(document)} keys)")
    bad = [k for k, v in document.items() if not (isinstance(v, str) and v in LETTERS)]
    if bad:
        problems.append(f"not one ASCII letter under key(s) {', '.join(sorted(bad)[:5])}")
    return problems


def check_contract(url, requests, timeout=5.0):
    """Ask `url` `requests` times; every answer must be a 200 that holds the contract."""
    problems = []
    for attempt in range(1, requests + 1):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, b""
        except (urllib.error.URLError, OSError) as exc:
            problems.append(f"request {attempt}: {getattr(exc, 'reason', exc)}")
            continue
        if status != 200:
            problems.append(f"request {attempt}: HTTP {status}")
            continue
        problems.extend(f"request {attempt}: {p}" for p in contract_problems(body))
    return {"url": url, "requests": requests, "passed": not problems, "problems": problems}
