"""`kerasfront bench`: the same model through kerasfront, Keras 3 and each engine's best
hand-written training loop, on every installed engine and device.

Modules: `command` (the CLI's arguments), `runner` (one worker process per engine and
device), `worker` (runs in that process), `harness` (the timed sides and their
alternation), `models` (the benchmark models), `native_*` (the hand-written loops) and
`report` (table and chart). No engine is imported here: each worker binds its own.
"""
