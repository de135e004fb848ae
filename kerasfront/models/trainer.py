"""`compile`, `fit`, `evaluate`, `predict` and the `*_on_batch` methods of `Model`.

Per batch the loop does O(1) Python work: slice, convert, call the compiled step.
Metric values stay on the device and are read only when the progress bar redraws, a
callback asks for batch logs, or an epoch ends.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kerasfront import callbacks as callbacks_module
from kerasfront import optimizers, tree
from kerasfront.backend.contract import EAGER
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import StatelessScope
from kerasfront.models import data as data_module
from kerasfront.models import steps as step_builders
from kerasfront.models.compile_utils import CompiledLoss, CompiledMetrics
from kerasfront.utils.progbar import Progbar


class LazyLogs(Mapping):
    """Batch logs read from the device only if someone looks at them."""

    def __init__(self, read):
        self._read = read
        self._values = None

    def _load(self):
        if self._values is None:
            self._values = self._read()
        return self._values

    def __getitem__(self, key):
        return self._load()[key]

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())


class Trainer:
    """Mixed into `Model`: the training and inference loops."""

    def __init__(self):
        self.optimizer = None
        self.compiled = False
        self._jit_compile = None  # predict works before (and without) compile
        self.stop_training = False
        self.history = None
        self._reset_compiled_functions()

    def _reset_compiled_functions(self):
        self._train_step = self._test_step = self._predict_step = None

    # ---- compile -------------------------------------------------------------------------
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        metrics=None,
        loss_weights=None,
        sample_weight_mode=None,
        weighted_metrics=None,
        run_eagerly=False,
        jit_compile=None,
        **kwargs,
    ):
        """Sets the optimizer, the loss(es) and the metrics.

        Args:
            optimizer: a name ("sgd", "rmsprop", "adam") or an Optimizer.
            loss: a name, a function f(y_true, y_pred), or a list/dict with one per output.
            metrics: names ("accuracy"), functions or Metric objects; a list applies to
                every output, a dict gives lists per output name.
            weighted_metrics: like `metrics`, but weighted by `sample_weight` and
                `class_weight` (plain `metrics` ignore those weights, as in Keras).
            loss_weights: a list or dict of factors for the outputs' losses.
            sample_weight_mode: None (one weight per sample) or "temporal" (a weight per
                sample and time step, shape (samples, timesteps), for sequence outputs);
                a list or dict gives one per output.
            run_eagerly: skip the engine compilation (for debugging).
            jit_compile: XLA for TensorFlow, torch.compile for PyTorch (JAX always jits).
            steps_per_execution: accepted as 1 only (tf.keras's default).
        """
        steps_per_execution = kwargs.pop("steps_per_execution", 1)
        if kwargs:
            raise TypeError(
                f"compile got unexpected keyword arguments {sorted(kwargs)}; it takes "
                "optimizer, loss, metrics, loss_weights, sample_weight_mode, "
                "weighted_metrics, run_eagerly, jit_compile and steps_per_execution."
            )
        if steps_per_execution not in (1, None):
            raise ValueError(
                f"compile: steps_per_execution={steps_per_execution!r} is not supported; "
                "every batch runs one compiled step (leave it at 1)."
            )
        if loss is None:
            raise ValueError(
                "compile: loss is required, e.g. loss='categorical_crossentropy' or a function "
                "f(y_true, y_pred)."
            )
        self.optimizer = optimizers.get(optimizer)
        output_names = self._output_names_for_compile()
        self._compiled_loss = CompiledLoss(loss, loss_weights, output_names, sample_weight_mode)
        self._compiled_metrics = CompiledMetrics(
            metrics, output_names, self._compiled_loss, weighted_metrics
        )
        # What saving writes as Keras 2's training_config.
        self._compile_arguments = {
            "loss": loss,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "loss_weights": loss_weights,
            "sample_weight_mode": sample_weight_mode,
        }
        self._jit_compile = EAGER if run_eagerly else jit_compile
        self.compiled = True
        self._reset_compiled_functions()

    def _output_names_for_compile(self):
        if getattr(self, "_graph", None) is not None:
            return list(self.output_names)
        return ["output"]

    def _require_compiled(self, method: str):
        if not self.compiled:
            raise RuntimeError(
                f"You must compile the model before calling {method}: "
                "model.compile(optimizer=..., loss=...)."
            )

    @property
    def metrics_names(self) -> list[str]:
        if not self.compiled or self._compiled_metrics.metrics is None:
            return ["loss"] if self.compiled else []
        return self._compiled_metrics.names

    # ---- data preparation ----------------------------------------------------------------
    def _prepare_inputs(self, x) -> list[np.ndarray]:
        if x is None:
            raise ValueError(f"Model '{self.name}': x is required.")
        if getattr(self, "_graph", None) is None:
            return [data_module.expand_1d(data_module.to_array(x, "Input"), 2)]
        flat = self.flatten_inputs(x)
        arrays = [
            data_module.expand_1d(data_module.to_array(a, f"Input '{n}'"), len(t.shape))
            for a, n, t in zip(flat, self.input_names, self.inputs)
        ]
        self.check_input_shapes(arrays)
        return arrays

    def _ensure_built(self, x_arrays) -> None:
        """Creates the weights of a model built from data, outside any compiled step."""
        if self.built:
            return
        sample = [ADAPTER.convert_to_tensor(a[:1]) for a in x_arrays]
        with StatelessScope():
            self(sample[0] if len(sample) == 1 else sample, training=False)

    def _output_shapes(self) -> list:
        if getattr(self, "_graph", None) is not None:
            return [t.shape for t in self.outputs]
        return [None]

    def _prepare(self, x, y, sample_weight=None, class_weight=None):
        x_arrays = self._prepare_inputs(x)
        y_arrays = data_module.flatten_targets(self, y)
        if y_arrays is None:
            raise ValueError(f"Model '{self.name}': y (the targets) is required.")
        count = data_module.count_samples(
            x_arrays + y_arrays,
            [f"x[{i}]" for i in range(len(x_arrays))] + [f"y[{i}]" for i in range(len(y_arrays))],
        )
        weights = [None] * len(y_arrays)
        if sample_weight is not None:
            sample_weight = data_module.to_array(sample_weight, "sample_weight").reshape(count, -1)[
                :, 0
            ]
            weights = [sample_weight] * len(y_arrays)
        if class_weight is not None:
            # Both given: each sample counts sample_weight * class_weight (as tf.keras 2).
            weights = [
                data_module.class_weights_to_sample_weights(t, class_weight)
                * (1 if w is None else w)
                for t, w in zip(y_arrays, weights)
            ]
        self._ensure_built(x_arrays)
        y_arrays = self._compiled_loss.expand_targets(y_arrays, self._output_shapes())
        self._compiled_loss.check_targets(y_arrays, self._output_shapes())
        self._compiled_metrics.build([t.shape for t in y_arrays], self._output_shapes_or(y_arrays))
        return x_arrays, y_arrays, weights

    def _output_shapes_or(self, y_arrays):
        shapes = self._output_shapes()
        return [s if s is not None else t.shape for s, t in zip(shapes, y_arrays)]

    def _batches(self, x_arrays, y_arrays, weights, batch_size, shuffle):
        # Weights are present for every output or for none; only present ones are batched.
        arrays = x_arrays + y_arrays + [w for w in weights if w is not None]
        return data_module.ArrayBatches(arrays, batch_size or 32, shuffle)

    def _whole_batch(self, x_arrays, y_arrays, weights):
        """The arrays as one batch of tensors, in the form the steps take."""
        only = self._batches(x_arrays, y_arrays, weights, len(x_arrays[0]), False)
        return self._split_batch(next(only.epoch()), len(x_arrays), len(y_arrays))

    def _split_batch(self, batch, n_inputs, n_outputs):
        x = batch[:n_inputs]
        y = batch[n_inputs : n_inputs + n_outputs]
        sw = batch[n_inputs + n_outputs :] or [None] * n_outputs
        return (x[0] if n_inputs == 1 else x), y, sw

    # ---- fit -------------------------------------------------------------------------------
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose=1,
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
        **kwargs,
    ):
        """Trains for `epochs` epochs and returns the `History` callback."""
        self._require_compiled("fit")
        if "nb_epoch" in kwargs:  # Keras 1's name
            epochs = kwargs.pop("nb_epoch")
        unknown = set(kwargs) - {"max_queue_size", "workers", "use_multiprocessing"}
        if unknown:
            raise TypeError(f"fit got unexpected keyword arguments {sorted(unknown)}.")
        if data_module.is_sequence(x):
            train = data_module.SequenceBatches(x, shuffle=shuffle)
            self._build_from_sequence(x)
            n_inputs = n_outputs = None
        else:
            x_arrays, y_arrays, weights = self._prepare(x, y, sample_weight, class_weight)
            if validation_split and validation_data is None:
                (x_arrays, y_arrays, weights), validation_data = data_module.split_validation(
                    x_arrays, y_arrays, weights, validation_split
                )
            train = self._batches(x_arrays, y_arrays, weights, batch_size, shuffle)
            n_inputs, n_outputs = len(x_arrays), len(y_arrays)
        if self._train_step is None:
            self._train_step = step_builders.make_train_step(self, self._jit_compile)

        history = callbacks_module.History()
        callback_list = [history] + list(callbacks or [])
        if verbose:
            callback_list.append(callbacks_module.ProgbarLogger(verbose))
        params = {"epochs": epochs, "steps": steps_per_epoch or len(train), "verbose": verbose}
        callback_list = callbacks_module.CallbackList(callback_list, self, params)
        compiled = self._compiled_metrics
        self.stop_training = False
        callback_list.call("on_train_begin", None)
        wants_batch_logs = callback_list.wants("on_train_batch_end")
        for epoch in range(initial_epoch, epochs):
            compiled.reset()
            callback_list.call("on_epoch_begin", epoch, None)
            for index, batch in enumerate(train.epoch()):
                if steps_per_epoch is not None and index >= steps_per_epoch:
                    break
                callback_list.call("on_train_batch_begin", index, None)
                self._train_step(*self._batch_arguments(batch, n_inputs, n_outputs))
                if wants_batch_logs:
                    callback_list.call("on_train_batch_end", index, LazyLogs(compiled.results))
                if self.stop_training:
                    break
            train.on_epoch_end()
            logs = compiled.results()
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_data(
                    validation_data,
                    validation_batch_size or batch_size,
                    steps_limit=validation_steps,
                )
                logs.update({f"val_{name}": value for name, value in val_logs.items()})
            callback_list.call("on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        callback_list.call("on_train_end", None)
        self.history = history
        return history

    def _batch_arguments(self, batch, n_inputs, n_outputs):
        if n_inputs is None:  # a Sequence: (x, y) or (x, y, sample_weight)
            x, y = batch[0], batch[1]
            y_list = self._compiled_loss.expand_targets(self._target_list(y), self._output_shapes())
            sw = (
                [batch[2]] * len(y_list)
                if len(batch) > 2 and batch[2] is not None
                else [None] * len(y_list)
            )
            if getattr(self, "_graph", None) is not None and isinstance(x, dict):
                x = self.flatten_inputs(x)
            return x, y_list, sw
        return self._split_batch(batch, n_inputs, n_outputs)

    def _target_list(self, y) -> list:
        """Targets of one batch as a list in the order of the model's outputs."""
        if isinstance(y, dict):
            names = list(getattr(self, "output_names", None) or sorted(y))
            return data_module.select_by_name(y, names, self.name, "targets for output(s)")
        return tree.flatten(y) if isinstance(y, (list, tuple)) else [y]

    def _build_from_sequence(self, sequence):
        first = sequence[0]
        x_arrays = [data_module.to_array(a, "Input") for a in tree.flatten(first[0])]
        y_arrays = [data_module.to_array(a, "Target") for a in self._target_list(first[1])]
        self._ensure_built(x_arrays)
        y_arrays = self._compiled_loss.expand_targets(y_arrays, self._output_shapes())
        self._compiled_loss.check_targets(y_arrays, self._output_shapes())
        self._compiled_metrics.build([t.shape for t in y_arrays], self._output_shapes_or(y_arrays))

    # ---- evaluate ------------------------------------------------------------------------
    def _evaluate_data(self, data, batch_size, sample_weight=None, verbose=0, steps_limit=None):
        if data_module.is_sequence(data):
            batches = data_module.SequenceBatches(data)
            self._build_from_sequence(data)
            n_inputs = n_outputs = None
        else:
            if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
                raise ValueError(
                    "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
                    f"sample_weights), received {type(data).__name__} of length "
                    f"{len(data) if hasattr(data, '__len__') else '?'}."
                )
            sw = data[2] if len(data) == 3 else sample_weight
            x_arrays, y_arrays, weights = self._prepare(data[0], data[1], sw)
            batches = self._batches(x_arrays, y_arrays, weights, batch_size, False)
            n_inputs, n_outputs = len(x_arrays), len(y_arrays)
        if self._test_step is None:
            self._test_step = step_builders.make_test_step(self, self._jit_compile)
        compiled = self._compiled_metrics
        compiled.reset()
        progbar = Progbar(len(batches), verbose=verbose) if verbose else None
        for index, batch in enumerate(batches.epoch()):
            if steps_limit is not None and index >= steps_limit:
                break
            self._test_step(*self._batch_arguments(batch, n_inputs, n_outputs))
            if progbar is not None and progbar.due(index + 1):
                progbar.update(index + 1, compiled.results())
        results = compiled.results()
        compiled.reset()  # so training logs of the next epoch start fresh
        return results

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose=1,
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        **kwargs,
    ):
        """The loss and metrics on the data: a scalar when there are no metrics, else a
        list in the order of `metrics_names` (or a dict with return_dict=True)."""
        self._require_compiled("evaluate")
        data = x if data_module.is_sequence(x) else (x, y)
        results = self._evaluate_data(data, batch_size, sample_weight, verbose, steps)
        return self._format_results(results, return_dict)

    def _format_results(self, results: dict, return_dict: bool):
        if return_dict:
            return results
        values = list(results.values())
        return values[0] if len(values) == 1 else values

    # ---- predict -------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, **kwargs):
        """The model's outputs as NumPy arrays (a list for several outputs)."""
        if data_module.is_sequence(x):
            parts = [
                self.predict_on_batch(item[0] if isinstance(item, tuple) else item)
                for item in (x[i] for i in range(len(x)))
            ]
            return _concatenate_outputs(parts)
        x_arrays = self._prepare_inputs(x)
        self._ensure_built(x_arrays)
        if self._predict_step is None:
            self._predict_step = step_builders.make_predict_step(self, self._jit_compile)
        batch_size = batch_size or 32
        size = len(x_arrays[0])
        outputs = []
        for start in range(0, size, batch_size):
            batch = [data_module.to_step_input(a[start : start + batch_size]) for a in x_arrays]
            result = self._predict_step(batch[0] if len(batch) == 1 else batch)
            outputs.append(tree.map_structure(ADAPTER.convert_to_numpy, result))
        return _concatenate_outputs(outputs)

    # ---- single batches ------------------------------------------------------------------
    def train_on_batch(
        self, x, y, sample_weight=None, class_weight=None, reset_metrics=True, return_dict=False
    ):
        """One gradient update on one batch; returns the loss (and metrics) of that batch."""
        self._require_compiled("train_on_batch")
        x_arrays, y_arrays, weights = self._prepare(x, y, sample_weight, class_weight)
        if self._train_step is None:
            self._train_step = step_builders.make_train_step(self, self._jit_compile)
        if reset_metrics:
            self._compiled_metrics.reset()
        self._train_step(*self._whole_batch(x_arrays, y_arrays, weights))
        return self._format_results(self._compiled_metrics.results(), return_dict)

    def test_on_batch(self, x, y, sample_weight=None, reset_metrics=True, return_dict=False):
        """The loss (and metrics) on one batch, without updating the weights."""
        self._require_compiled("test_on_batch")
        x_arrays, y_arrays, weights = self._prepare(x, y, sample_weight)
        if self._test_step is None:
            self._test_step = step_builders.make_test_step(self, self._jit_compile)
        if reset_metrics:
            self._compiled_metrics.reset()
        self._test_step(*self._whole_batch(x_arrays, y_arrays, weights))
        return self._format_results(self._compiled_metrics.results(), return_dict)

    def predict_on_batch(self, x):
        """The outputs for one batch, as NumPy arrays."""
        return self.predict(
            x, batch_size=max(len(tree.flatten(x)[0]), 1) if not isinstance(x, dict) else None
        )


def _concatenate_outputs(parts: list):
    if not parts:
        raise ValueError("predict received no samples.")
    first = parts[0]
    if isinstance(first, (list, tuple, dict)):
        flat_parts = [tree.flatten(p) for p in parts]
        joined = [np.concatenate(column) for column in zip(*flat_parts)]
        return tree.pack_like(first, joined)
    return np.concatenate(parts)
