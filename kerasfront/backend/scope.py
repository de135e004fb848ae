"""The stateless scope: a mapping from variables to values that stands in for storage.

Kept apart from `variables.py` so that adapters can import it while the registry is
still loading them.
"""

from __future__ import annotations

# The active scopes, innermost last. A plain list: pushing and reading are the hot path.
SCOPES: list[StatelessScope] = []


class StatelessScope:
    """Maps variables to values; assignments inside the scope are recorded, not applied.

    Example:
        with StatelessScope({layer.kernel_variable: new_kernel}) as scope:
            outputs = layer(inputs)  # reads new_kernel
        scope.values  # every variable assigned inside, with its new value
    """

    def __init__(self, mapping=None):
        self.values = dict(mapping or {})

    def __enter__(self):
        SCOPES.append(self)
        return self

    def __exit__(self, *exc_info):
        SCOPES.pop()


def in_stateless_scope() -> bool:
    return bool(SCOPES)
