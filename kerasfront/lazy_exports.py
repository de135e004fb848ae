"""Packages whose public names load on first use (PEP 562).

Why: `from kerasfront.utils.progbar import Progbar` runs `kerasfront/utils/__init__.py`
first; importing every utility there (downloads, HDF5, plotting, saving) would add tens
of milliseconds to every program's start for names it may never use.
"""

from __future__ import annotations

import importlib


def lazy_exports(package: str, exports: dict[str, str]):
    """`__getattr__` and `__dir__` for `package`, where `exports` maps each public name to
    the module that defines it. A name is imported on first access and then cached in
    the package."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str):
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
