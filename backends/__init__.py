"""Engine adapters, one package per engine, installed as `kerasfront.backends`.

Each adapter implements the whole contract of `kerasfront.backend.contract` and imports
only its own engine. The registry imports exactly one of them.
"""
