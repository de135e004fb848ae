"""The Lambda layer: a user's function of the inputs as a layer (Keras 2's `Lambda`),
with its output shape and mask rules and its serialization (bytecode only with
`safe_mode=False` when loading)."""

from __future__ import annotations

import inspect

from kerasfront import tree
from kerasfront.backend.graph_functions import EagerGradientsError
from kerasfront.backend.registry import ADAPTER
from kerasfront.layers import lambda_graph, unseeded_draws
from kerasfront.layers.base import Layer, is_single_shape


class Lambda(Layer):
    """Wraps a function of tensors as a layer: `Lambda(lambda x: x ** 2)`.

    Args:
        function: called as `function(inputs, **arguments)`, plus `mask=` when it takes
            a `mask` argument.
        output_shape: the output shape without the batch axis (a tuple), or a function
            from the input shape(s) to the whole output shape; by default found by
            tracing `function`.
        mask: the output mask: a function `mask(inputs, input_mask)`, or a fixed mask.
            Given, the layer accepts masked inputs (Keras 2's `supports_masking`).
        arguments: extra keyword arguments for `function`.
    """

    _calls_user_code = True  # the function is the user's (see base._runs_user_code)

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        where = f"Lambda '{self.name}'"
        if not callable(function):
            raise TypeError(
                f"{where}: function must be callable, received {type(function).__name__}."
            )
        if output_shape is not None and not (
            isinstance(output_shape, (tuple, list)) or callable(output_shape)
        ):
            raise TypeError(
                f"{where}: output_shape must be a tuple, a list or a function, received "
                f"{type(output_shape).__name__}: {output_shape!r}."
            )
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(
                f"{where}: arguments must be a dict of keyword arguments, received "
                f"{type(arguments).__name__}."
            )
        self.function = function
        self._output_shape = tuple(output_shape) if isinstance(output_shape, list) else output_shape
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._function_takes_mask = _accepts_argument(function, "mask")
        # Set when the function needs graph tensors (K.gradients): see lambda_graph.
        self._graph_function = None

    def _users_function(self):
        return self.function

    def call(self, inputs, mask=None):
        if self._graph_function is not None:
            return self._graph_function(inputs)
        try:
            if self._function_takes_mask:
                outputs = self.function(inputs, mask=mask, **self.arguments)
            else:
                outputs = self.function(inputs, **self.arguments)
            # Keras 2 layers return a one-tensor list as the tensor (K.gradients gives one).
            return tree.unpack_singleton(outputs)
        except EagerGradientsError:
            if not self._inbound_nodes:
                raise  # traced for the first symbolic call: compute_output_spec records
            call_args = lambda_graph.graph_call_args(self)
            self._graph_function = lambda_graph.record(self, call_args)
        return self._graph_function(inputs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_spec(self, inputs, *args, **kwargs):
        if self._output_shape is None:
            try:
                return super().compute_output_spec(inputs, *args, **kwargs)
            except EagerGradientsError:
                if self._inbound_nodes:
                    lambda_graph.graph_call_args(self)  # raises: one symbolic call only
                self._graph_function = lambda_graph.record(self, inputs)
            return super().compute_output_spec(inputs, *args, **kwargs)
        self._trace_for_unseeded_draws(inputs, *args, **kwargs)
        from kerasfront.backend.tracing import Spec
        from kerasfront.layers.keras_tensor import KerasTensor

        single = isinstance(inputs, KerasTensor)
        first = inputs if single else inputs[0]
        input_shapes = first.shape if single else [t.shape for t in inputs]
        shape = self._declared_output_shape(input_shapes)
        if is_single_shape(shape):
            return Spec(tuple(shape), first.dtype)
        return [Spec(tuple(one), first.dtype) for one in shape]

    def _trace_for_unseeded_draws(self, inputs, *args, **kwargs) -> None:
        """Runs the function symbolically although `output_shape` gives the shape, as
        Keras 2's graph wiring always ran it: a function that draws without a seed
        (`K.random_normal` in the blog's VAE sampling Lambda) gets its seed generator
        here, outside the compiled steps that could not create it. The declared shape
        stays the answer; a trace that fails (a size the tracing batch does not match) is
        left to the real call."""
        if self.__dict__.get(unseeded_draws.ATTRIBUTE) is not None:
            return
        try:
            super().compute_output_spec(inputs, *args, **kwargs)
        except Exception:  # noqa: BLE001 - only a probe; the real call reports errors
            pass

    def _declared_output_shape(self, input_shape):
        """The output shape from `output_shape` (the base's compute_output_shape calls
        compute_output_spec, which comes here, so either entry point gives it)."""
        if callable(self._output_shape):
            shape = self._output_shape(input_shape)
            if not isinstance(shape, (tuple, list)):
                raise ValueError(
                    f"Lambda '{self.name}': the output_shape function must return a tuple or "
                    f"a list of tuples, returned {shape!r}."
                )
            return tuple(shape) if is_single_shape(shape) else [tuple(s) for s in shape]
        first = input_shape if is_single_shape(input_shape) else input_shape[0]
        batch = first[0] if first else None
        return (batch, *self._output_shape)

    def get_config(self):
        """The function, output_shape and mask by registered name when the registry knows
        them, else as Keras 2's marshalled bytecode (which loading runs only with
        `safe_mode=False`); NumPy `arguments` in tf.keras's `{"type": "ndarray"}` form."""
        from kerasfront.saving import functions

        config_ = dict(super().get_config())
        value, kind, module = functions.serialize_function(self.function)
        config_.update(function=value, function_type=kind, module=module)
        if callable(self._output_shape):
            value, kind, module = functions.serialize_function(self._output_shape)
            config_.update(output_shape=value, output_shape_type=kind, output_shape_module=module)
        else:
            config_.update(
                output_shape=self._output_shape, output_shape_type="raw", output_shape_module=None
            )
        if callable(self.mask):
            value, kind, module = functions.serialize_function(self.mask)
            config_.update(mask=value, mask_type=kind, mask_module=module)
        elif self.mask is not None:
            fixed = ADAPTER.convert_to_numpy(self.mask)
            config_.update(mask=functions.to_json_value(fixed), mask_type="raw")
        config_["arguments"] = {
            key: functions.to_json_value(value) for key, value in self.arguments.items()
        }
        return config_

    @classmethod
    def from_config(cls, config_: dict, custom_objects=None, safe_mode=None):
        """Rebuilds the layer; bytecode in the config is refused unless loading runs with
        `safe_mode=False` (or `safe_mode=False` is passed here)."""
        import contextlib

        from kerasfront.saving import functions

        config_ = dict(config_)
        where = f"Lambda '{config_.get('name')}'"
        if "function" not in config_:
            raise ValueError(f"{where}: the configuration has no 'function'.")
        scope = (
            contextlib.nullcontext() if safe_mode is None else functions.safe_mode_scope(safe_mode)
        )
        restored = {}
        with scope:
            for key, default_type in (
                ("function", None),
                ("output_shape", "raw"),
                ("mask", "raw"),
            ):
                value = config_.pop(key, None)
                kind = config_.pop(f"{key}_type", default_type)
                module = config_.pop("module" if key == "function" else f"{key}_module", None)
                if kind is None:  # old configs: a name, or the bytecode triple
                    kind = "function" if isinstance(value, str) else "lambda"
                if value is None or kind == "raw":
                    restored[key] = functions.from_json_value(value)
                    continue
                restored[key] = functions.deserialize_function(
                    value, kind, f"{where} ({key})", custom_objects, module
                )
        arguments = {
            key: functions.from_json_value(value)
            for key, value in (config_.pop("arguments", None) or {}).items()
        }
        return cls(
            restored["function"],
            output_shape=restored["output_shape"],
            mask=restored["mask"],
            arguments=arguments,
            **config_,
        )


def _accepts_argument(function, name: str) -> bool:
    try:
        return name in inspect.signature(function).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False
