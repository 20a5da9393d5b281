"""How the tenancy core finds each capability's optional pieces (dashboard cards, demo data, the 1C
exchange's handlers)."""

import importlib
from collections.abc import Iterator
from types import ModuleType

CAPABILITY_APPS = ["pricing", "cabinet", "auctions", "ratings"]


def capability_modules(name: str, *, package: str = "") -> Iterator[tuple[str, ModuleType]]:
    """``(app, module)`` for each capability app that has ``[package.]<app>.<name>``."""
    for app in CAPABILITY_APPS:
        path = f"{package}.{app}.{name}" if package else f"{app}.{name}"
        try:
            module = importlib.import_module(path)
        except ModuleNotFoundError as error:
            if not path.startswith(error.name or "?"):
                raise  # the module exists but something it imports does not
            continue
        yield app, module
