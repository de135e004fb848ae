"""`Input()`: the symbolic entry point of a functional model, and its `InputLayer`."""

from __future__ import annotations

from kerasfront import config
from kerasfront.layers.base import Layer
from kerasfront.layers.keras_tensor import KerasTensor, Node
from kerasfront.layers.layer_arguments import check_dtype_argument, checked_shape


class InputLayer(Layer):
    """A layer with no computation that holds the model's input placeholder.

    Args:
        input_shape: the shape of one sample (no batch axis).
        batch_size: a fixed batch size, or None.
        batch_input_shape: the whole shape, batch axis first (instead of the two above).
        dtype: the input dtype (default `floatx()`).
        input_tensor: an existing tensor the input stands for (as `Input(tensor=...)`).
        sparse: refused (kerasfront has no sparse inputs).
        name: the layer's name.
    """

    def __init__(
        self,
        input_shape=None,
        batch_size=None,
        batch_input_shape=None,
        dtype=None,
        input_tensor=None,
        sparse=False,
        name=None,
        ragged=False,
        **kwargs,
    ):
        # Keras 2's positional order (input_shape, batch_size, batch_input_shape, dtype,
        # input_tensor, sparse, name); ragged is tf.keras's.
        if input_tensor is not None:
            from kerasfront.layers.input_source import tensor_shape_and_dtype

            batch_input_shape, dtype = tensor_shape_and_dtype(
                input_tensor,
                shape=input_shape,
                batch_size=batch_size,
                batch_shape=batch_input_shape,
                name=name,
                dtype=dtype,
            )
        if batch_input_shape is None and input_shape is None:
            raise ValueError(
                "An Input needs a shape: pass shape=(...) for one sample (e.g. shape=(784,)) "
                "or batch_shape=(None, ...)."
            )
        if sparse or ragged:
            kind = "sparse" if sparse else "ragged"
            raise ValueError(
                f"InputLayer '{name}': {kind} inputs are not supported by kerasfront; pass "
                "dense arrays (tf.keras configs carry ragged=False, which is accepted)."
            )
        where = f"InputLayer '{name}'" if name else "Input"
        check_dtype_argument(where, dtype)
        if batch_input_shape is None:
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_input_shape = (batch_size, *checked_shape(where, "shape", input_shape))
        else:
            batch_input_shape = checked_shape(where, "batch_shape", batch_input_shape)
        super().__init__(name=name, dtype=dtype or config.floatx(), **kwargs)
        self._batch_input_shape = tuple(batch_input_shape)
        self.built = True
        tensor = KerasTensor(self._batch_input_shape, self.dtype, name=self.name)
        tensor.keras_history = (self, 0, 0)
        self._inbound_nodes.append(Node(self, [], {}, tensor))
        if input_tensor is not None:
            # In a tuple: a Variable set as a layer attribute would read as its current value.
            self._input_source = (input_tensor,)

    def get_config(self):
        return {
            "batch_input_shape": self._batch_input_shape,
            "dtype": self.dtype,
            "sparse": False,
            "name": self.name,
        }


def Input(  # noqa: N802 (Keras's name)
    shape=None,
    batch_shape=None,
    name=None,
    dtype=None,
    sparse=False,
    tensor=None,
    batch_size=None,
    *,
    input_dtype=None,
) -> KerasTensor:
    """A symbolic input tensor: `Input(shape=(784,))` stands for a batch of 784-vectors.

    Arguments in Keras 2.2.4's positional order (shape, batch_shape, name, dtype, sparse,
    tensor); batch_size (tf.keras) and input_dtype (Keras 1's dtype) by keyword.

    `tensor=` (Keras 2) makes the input stand for an existing tensor: a graph tensor
    (`K.concatenate([K.variable(a), K.placeholder(...)])`, as the style-transfer example
    feeds VGG19), a Variable or a concrete array. A model built from it takes it as an
    ordinary input; `K.function` and `K.gradients` see through it to the tensor, so a
    loss on the model's layers is computed from that tensor's own inputs (a Variable is
    read at each run, an array is a constant). See `kerasfront/layers/input_source.py`.
    """
    if input_dtype is not None:  # Keras 1's name, which Keras 2 still converted
        if dtype is not None:
            raise TypeError(f"Input {name!r}: give dtype or input_dtype (Keras 1), not both.")
        dtype = input_dtype
    if tensor is not None:
        from kerasfront.layers.input_source import input_from_tensor

        return input_from_tensor(
            tensor,
            shape=shape,
            batch_size=batch_size,
            batch_shape=batch_shape,
            name=name,
            dtype=dtype,
            sparse=sparse,
        )
    layer = InputLayer(
        input_shape=shape,
        batch_size=batch_size,
        name=name,
        dtype=dtype,
        batch_input_shape=batch_shape,
        sparse=sparse,
    )
    return layer._inbound_nodes[0].outputs
