"""The letters are uniform over a-z A-Z and independent, by chi-square tests.

The generator is seeded so the test is repeatable; a biased or correlated implementation
(a smaller alphabet, a letter reused across keys, a cached document) fails it for any seed.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import string
from collections import Counter

import pytest

from scaleout_app import letters_document

DRAWS = 3000  # documents, so 156,000 letters
LETTERS = string.ascii_letters


def chi2_critical(df: int, z: float = 3.0902) -> float:
    """Upper 0.1% point of chi-square with `df` degrees of freedom (Wilson-Hilferty)."""
    a = 2 / (9 * df)
    return df * (1 - a + z * math.sqrt(a)) ** 3


def chi2(observed: Counter, categories, expected: float) -> float:
    return sum((observed.get(c, 0) - expected) ** 2 / expected for c in categories)


@pytest.fixture(scope="module")
def documents() -> list[list[str]]:
    random.seed(20261126)
    return [list(json.loads(letters_document()).values()) for _ in range(DRAWS)]


def test_every_letter_is_equally_likely(documents):
    counts = Counter(letter for doc in documents for letter in doc)
    assert set(counts) == set(LETTERS)
    assert chi2(counts, LETTERS, DRAWS * 52 / 52) < chi2_critical(51)


def test_every_key_draws_from_the_whole_alphabet_uniformly(documents):
    # 52 tests at 0.1% each: use a Bonferroni-corrected bound (z for 0.1%/52).
    bound = chi2_critical(51, z=4.06)
    for key in range(52):
        counts = Counter(doc[key] for doc in documents)
        assert chi2(counts, LETTERS, DRAWS / 52) < bound, key


def test_neighbouring_keys_are_independent(documents):
    # Case of key i against case of key i+1 over the disjoint pairs (0,1), (2,3)...: four
    # cells each expected a quarter of the time, so chi-square with 3 df. (Overlapping pairs
    # would share keys, and the statistic would no longer follow chi-square.)
    table = Counter(
        (doc[i].isupper(), doc[i + 1].isupper()) for doc in documents for i in range(0, 52, 2)
    )
    n = sum(table.values())
    statistic = sum((table[cell] - n / 4) ** 2 / (n / 4) for cell in table)
    assert statistic < chi2_critical(3)
    # And equal neighbours happen 1 time in 52.
    equal = sum(doc[i] == doc[i + 1] for doc in documents for i in range(51))
    expected = len(documents) * 51 / 52
    assert abs(equal - expected) < 4 * math.sqrt(expected)


def test_consecutive_documents_are_independent(documents):
    same = sum(a[k] == b[k] for a, b in itertools.pairwise(documents) for k in range(52))
    expected = (DRAWS - 1) * 52 / 52
    assert abs(same - expected) < 4 * math.sqrt(expected)
