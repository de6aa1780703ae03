"""The one /api contract check (plugins/module_utils/scaleout_contract.py, which the deploy module,
`make up`, the benchmarks and the tests use), against the real app's /api."""

from __future__ import annotations

import json

import pytest

from plugins.module_utils.scaleout_contract import contract_problems
from scaleout_app import create_app


def test_the_apps_answers_hold_the_contract():
    client = create_app({"ACCESS_LOG": False}).test_client()
    for _ in range(20):
        assert contract_problems(client.get("/api").data) == []


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({str(i): "a" for i in range(51)}, "keys are not exactly '0' to '51' (51 keys)"),
        ({**{str(i): "a" for i in range(52)}, "52": "b"}, "(53 keys)"),
        ({**{str(i): "a" for i in range(52)}, "7": "ab"}, "one ASCII letter under key(s) 7"),
        ({**{str(i): "a" for i in range(52)}, "3": "é"}, "one ASCII letter under key(s) 3"),
        ({**{str(i): "a" for i in range(52)}, "9": 1}, "one ASCII letter under key(s) 9"),
        (list("abc"), "not a JSON object"),
    ],
)
def test_broken_answers_are_named(document, problem):
    problems = contract_problems(json.dumps(document))
    assert any(problem in p for p in problems), problems


def test_an_answer_that_is_not_json_is_a_problem():
    assert contract_problems(b"<html>502 Bad Gateway</html>") == ["the answer is not JSON"]
