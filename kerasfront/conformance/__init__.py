"""`kerasfront conformance`: do the engines compute the same numbers for a model?

The command runs one model (a user script) or a built-in suite in one process per
installed engine, all with the same weights and data, plus the NumPy reference backend
for the forward pass, and compares every layer's output and every weight's gradient
between them.

Modules: `command` (the command line, engine-free), `runner` (starts the processes,
engine-free), `worker` (what runs in each engine's process), `probes` (the per-layer
outputs and the gradients, inside a worker), `report` (the comparison and its table),
`suite` (the built-in models). Importing this package imports no engine.
"""
