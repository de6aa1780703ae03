"""The one mechanism every patch module uses to change moto: `wrap`.

A patch replaces a method of a moto class (a response class, which parses the request, or a
backend/model class) with a function that receives the method it replaces as its first
argument. Two patch modules may wrap the same method: both run, the later one in apply()
order (module name) outermost, so patches stay independent of each other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def wrap(owner: type, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Install the decorated function as `owner.name`, called as fn(original, self, ...).

    `original` is the attribute it replaces, or None where moto has no such method yet (moto
    dispatches an API action to the response method named after it, so adding one implements
    an action moto lacks).
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        original = getattr(owner, name, None)

        @functools.wraps(fn)
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            return fn(original, self, *args, **kwargs)

        setattr(owner, name, method)
        return fn

    return decorate
