"""Variables as handles over engine storage, and the scope that makes steps pure.

A `Variable` owns engine storage (a `tf.Variable`, a `torch.nn.Parameter` or tensor, a
JAX array). Inside a `StatelessScope`, reading a variable gives the value the scope maps
it to and assigning records the new value in the scope instead of touching the storage.
That is how one stateful `call`/`apply` serves a pure, compiled JAX step as well as the
TensorFlow and PyTorch steps.
"""

from __future__ import annotations

import weakref

import numpy as np

from kerasfront import config
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import SCOPES as _SCOPES

_NAME_COUNTS: dict[str, int] = {}

# Every variable alive, to find the one behind a weight read as its value (below).
_LIVE: weakref.WeakSet = weakref.WeakSet()


def variable_holding(value) -> Variable | None:
    """The variable whose storage `value` is, None when none is.

    A layer attribute holding a weight reads as its value, so Keras 2 code such as
    `K.set_value(model.layers[0].kernel, w)` passes the engine's tensor (outside a step,
    the storage itself) where Keras 2 had the variable.
    """
    if isinstance(value, Variable):
        return value
    for variable in list(_LIVE):
        if variable._storage is value:
            return variable
    return None


def unique_name(base: str) -> str:
    """`dense`, `dense_1`, `dense_2`, ... as Keras names layers and variables."""
    count = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


class Variable:
    """A named, optionally trainable array held by a layer, optimizer or metric.

    Args:
        initial_value: anything NumPy can turn into an array (the value is copied).
        trainable: whether optimizers update it.
        name: a readable name; shown in `summary()` and used by saving.
        dtype: defaults to the dtype of `initial_value`, float values to `floatx()`.
    """

    __slots__ = (
        "_storage",
        "_handed_out",
        "name",
        "trainable",
        "shape",
        "dtype",
        "constraint",
        "__weakref__",
    )

    def __init__(self, initial_value, trainable: bool = True, name: str = "variable", dtype=None):
        value = np.asarray(initial_value)
        if dtype is None and value.dtype.kind == "f":
            dtype = config.floatx()
        if dtype is not None:
            value = value.astype(dtype)
        self.name = name
        self.trainable = bool(trainable)
        self.constraint = None  # a function applied after each optimizer update
        self.shape = tuple(value.shape)
        self.dtype = str(value.dtype)
        self._storage = ADAPTER.create_variable(value, self.trainable, name)
        _LIVE.add(self)
        # Set when the storage itself was given out (a read outside a step): a JAX step,
        # which donates the buffers of the state it updates, then works on a copy, so the
        # array the user holds stays valid.
        self._handed_out = False

    @property
    def value(self):
        """The current value: the scope's value inside a stateless scope, else the storage."""
        if _SCOPES:
            scoped = _SCOPES[-1].values.get(self)
            if scoped is not None:
                return scoped
        self._handed_out = True
        return ADAPTER.read_variable(self._storage)

    @property
    def storage(self):
        """The engine object itself (`tf.Variable`, `torch.nn.Parameter`, JAX array). On
        JAX the next training step may donate it (its buffer is reused): read `value` to
        keep an array that stays valid."""
        return self._storage

    def assign(self, value) -> None:
        """Sets a new value; checks the shape so a mistake is not silently broadcast."""
        if _SCOPES:
            _SCOPES[-1].values[self] = value
            return
        value_shape = tuple(np.shape(value)) if not hasattr(value, "shape") else tuple(value.shape)
        if value_shape != self.shape:
            raise ValueError(
                f"Variable {self.name!r} has shape {self.shape}; cannot assign a value of "
                f"shape {value_shape}."
            )
        self._storage = ADAPTER.assign_variable(self._storage, value)
        self._handed_out = False  # a new storage: nobody holds it yet

    def _set_storage(self, storage) -> None:
        """Replaces the storage with a value computed by a compiled step (no checks)."""
        self._storage = storage
        self._handed_out = False

    def assign_add(self, delta) -> None:
        self.assign(self.value + delta)

    def numpy(self) -> np.ndarray:
        """A writable copy of the current value. Never a view: on CPU, torch shares
        memory with NumPy and the fused optimizers update storage in place, so a view
        taken as a snapshot (EarlyStopping's best weights) would change with training."""
        value = self.value if _SCOPES else ADAPTER.read_variable(self._storage)
        return np.array(ADAPTER.convert_to_numpy(value), copy=True)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array.astype(dtype) if dtype is not None else array

    def __repr__(self) -> str:
        return f"<Variable {self.name!r} shape={self.shape} dtype={self.dtype}>"

    # Arithmetic reads the value, so `variable * 2` works as it does on the engine's own.
    def __add__(self, other):
        return self.value + unwrap(other)

    def __radd__(self, other):
        return unwrap(other) + self.value

    def __sub__(self, other):
        return self.value - unwrap(other)

    def __rsub__(self, other):
        return unwrap(other) - self.value

    def __mul__(self, other):
        return self.value * unwrap(other)

    def __rmul__(self, other):
        return unwrap(other) * self.value

    def __truediv__(self, other):
        return self.value / unwrap(other)

    def __rtruediv__(self, other):
        return unwrap(other) / self.value

    def __neg__(self):
        return -self.value

    def __pow__(self, other):
        return self.value ** unwrap(other)

    def __matmul__(self, other):
        return self.value @ unwrap(other)

    def __rmatmul__(self, other):
        return unwrap(other) @ self.value

    def __getitem__(self, index):
        return self.value[index]


def unwrap(value):
    """The current value of a Variable (also inside lists and tuples); others as they are."""
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap(item) for item in value)
    return value.value if isinstance(value, Variable) else value


class SeedGenerator:
    """A source of fresh random seeds whose state is a variable.

    Because the state is a `Variable`, a compiled step advances it like any other
    state, and a seeded generator gives the same stream on every run of one engine.
    """

    def __init__(self, seed: int | None = None, name: str = "seed_generator"):
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        elif isinstance(seed, (bool, str, float)) or not isinstance(seed, (int, np.integer)):
            raise TypeError(
                f"{name}: seed must be an integer or None, received {type(seed).__name__}: "
                f"{seed!r:.60}."
            )
        self.state = Variable(np.array([seed, 0], dtype="int32"), trainable=False, name=name)

    def next(self):
        """Returns the current seed (a length-2 int tensor) and advances the state."""
        # A copy: on engines whose assignment updates storage in place, the value read
        # here would otherwise change with the assignment below.
        current = self.state.value * 1
        # [0, 1] made where the state lives (a range, not a NumPy constant copied from the
        # host at every call: on an accelerator that copy waits for the device).
        self.state.assign(current + ADAPTER.arange(2, dtype="int32"))
        return current
