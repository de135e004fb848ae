"""Seeds for random numbers a layer draws without a seed (`K.random_normal(shape)`,
`K.dropout(x, 0.5)` in a Lambda or a custom layer's `call`).

Such a draw must differ from one training step to the next, so its seed must come from
state that the compiled steps carry. Each drawing layer gets a `SeedGenerator` of its own,
made the first time it draws outside a compiled step: when a functional or Sequential
model is wired (a symbolic call), or on an eager call. A layer that first draws inside a
compiled step has no state the step carries; it raises an error that says what to do
rather than give every step the same numbers.
"""

from __future__ import annotations

from kerasfront.backend.scope import in_stateless_scope
from kerasfront.backend.variables import SeedGenerator

# The layers whose `call` runs now, innermost last; pushed and popped by `Layer.__call__`.
CALLING_LAYERS: list = []
# The symbolic calls in progress (shape tracing), innermost last.
SYMBOLIC_CALLS: list = []
# Layers that drew while their shapes were traced: they get a generator once tracing ends
# (TensorFlow refuses new variables inside the traced function).
_WAITING: list = []

ATTRIBUTE = "unseeded_draws_seed_generator"


def generator_for_unseeded_draws() -> SeedGenerator | None:
    """The generator of the innermost calling layer; None outside layer calls and while
    tracing shapes (any seed serves there: the values are never used)."""
    if not CALLING_LAYERS:
        return None
    layer = CALLING_LAYERS[-1]
    generator = layer.__dict__.get(ATTRIBUTE)
    if generator is not None:
        return generator
    if SYMBOLIC_CALLS:
        if not any(waiting is layer for waiting in _WAITING):
            _WAITING.append(layer)
        return None
    if not in_stateless_scope():  # an eager call: the generator can be made now
        return _give_generator(layer)
    raise RuntimeError(
        f"Layer '{layer.name}' ({type(layer).__name__}) draws random numbers without a seed "
        "inside a compiled step, before it ever drew outside one, so no state of the step "
        "would advance its seed and every step would draw the same numbers. Call the model "
        "once before fit (build it from an Input, or call it on a batch of data), so that "
        "the layer gets its own seed generator."
    )


def give_waiting_layers_generators() -> None:
    """Called when the outermost symbolic call ends."""
    while _WAITING:
        layer = _WAITING.pop()
        if layer.__dict__.get(ATTRIBUTE) is None:
            _give_generator(layer)


def _give_generator(layer) -> SeedGenerator:
    generator = SeedGenerator(name=f"{layer.name}/unseeded_draws")
    setattr(layer, ATTRIBUTE, generator)  # Layer.__setattr__ makes it forward state
    return generator
