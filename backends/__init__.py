"""Engine adapters, one package per engine, installed as `kerasfront.backends`.

Each adapter implements the whole contract of `kerasfront.backend.contract` and imports
only its own engine. The registry imports exactly one of them.
"""

# An adapter imported directly (`import kerasfront.backends.numpy`) imports kerasfront's
# backend package, whose registry loads the active adapter. Were that the adapter being
# imported, the registry would find it half-initialised; binding the engine here, first,
# lets the registry load it whole.
import kerasfront.backend  # noqa: E402, F401
