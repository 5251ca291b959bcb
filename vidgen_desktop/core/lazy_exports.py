"""Package attributes that import their module on first use (PEP 562).

Used where a package's public names pull in heavy dependencies (pydantic models, HTTP and
WebSocket clients) that the GUI does not need until a worker talks to a server.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` serving `name` from `package.<exports[name]>`."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
