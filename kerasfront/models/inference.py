"""`evaluate`, `predict`, `test_on_batch` and `predict_on_batch` of `Model`, and the
evaluation loop that `fit` also runs for validation.

Like `fit`, the loops take batches from one data adapter and call a compiled step per
batch; metric values stay on the device until the progress bar or a callback reads them.
"""

from __future__ import annotations

import contextlib
from collections.abc import MutableMapping

import numpy as np

from kerasfront import callbacks as callbacks_module
from kerasfront import tree
from kerasfront.backend.graph_functions import learning_phase_value
from kerasfront.backend.registry import ADAPTER
from kerasfront.distribution import data_parallel
from kerasfront.models import steps as step_builders
from kerasfront.models.loop_arguments import checked_callbacks, checked_verbose
from kerasfront.utils.progbar import Progbar


class BatchLogs(MutableMapping):
    """The logs a batch hook receives: Keras 2's `batch` (the index in the epoch) and
    `size` (the samples in the batch), known on the host, then, at the batch's end, the
    metric values, read from the device only if someone looks at them.

    Args:
        index: the batch's index in the epoch.
        batch: the arguments of the step (inputs first), for `size`.
        read: returns the metric values; None at a batch's beginning.
        extra: further host values (predict's `outputs`).
    """

    __slots__ = ("_index", "_batch", "_read", "_extra", "_values")

    def __init__(self, index: int, batch: tuple, read=None, extra: dict | None = None):
        self._index = index
        self._batch = batch
        self._read = read
        self._extra = extra
        self._values = None

    def _load(self) -> dict:
        if self._values is None:
            values = {"batch": self._index, "size": _samples_in(self._batch)}
            if self._read is not None:
                values.update(self._read())
            if self._extra:
                values.update(self._extra)
            self._values = values
        return self._values

    def __getitem__(self, key):
        # Answered without the device: a callback counting samples waits for nothing.
        if self._values is None:
            if key == "batch":
                return self._index
            if key == "size":
                return _samples_in(self._batch)
        return self._load()[key]

    # Keras 2's batch logs were a dict that callbacks wrote into (`logs["lr"] = ...`) and
    # printed or copied; writing reads the values first, so later readers see them all.
    def __setitem__(self, key, value):
        self._load()[key] = value

    def __delitem__(self, key):
        del self._load()[key]

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())

    def copy(self) -> dict:
        return dict(self._load())

    def __repr__(self) -> str:
        return repr(self._load())


def _samples_in(batch: tuple) -> int | None:
    """The leading dimension of the batch's first input array (None with no inputs)."""
    leaves = tree.flatten(batch[0]) if batch else []
    for leaf in leaves:
        shape = getattr(leaf, "shape", None)
        if shape:
            return int(shape[0])
    return None


class InferenceMethods:
    """Mixed into `Model` through `Trainer`: the inference loops."""

    # ---- evaluate ------------------------------------------------------------------------
    def _evaluation_loop(self, data, callback_list, verbose) -> dict:
        if self._test_step is None:
            self._test_step = step_builders.make_test_step(self, self._jit_compile)
        test_step, compiled = self._test_step, self._compiled_metrics
        compiled.reset()
        callback_list.call("on_test_begin", None)
        progbar = _progress_bar(self, data.steps, verbose)
        wants_batch_begin = callback_list.wants("on_test_batch_begin")
        wants_batch_logs = callback_list.wants("on_test_batch_end")
        index = -1
        with contextlib.closing(data.batches(0)) as batches:
            for index, batch in enumerate(batches):
                if wants_batch_begin:
                    callback_list.call("on_test_batch_begin", index, BatchLogs(index, batch))
                test_step(*batch)
                if wants_batch_logs:
                    logs = BatchLogs(index, batch, compiled.results)
                    callback_list.call("on_test_batch_end", index, logs)
                if progbar is not None and progbar.due(index + 1):
                    progbar.update(index + 1, compiled.results())
        data.on_epoch_end()
        results = compiled.results()
        if progbar is not None and progbar.target != index + 1:
            progbar.update(index + 1, results, finalize=True)
        compiled.reset()  # so training logs of the next epoch start fresh
        callback_list.call("on_test_end", results)
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
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        return_dict=False,
        **kwargs,
    ):
        """The loss and metrics on the data (any input kind `fit` takes): a scalar when
        there are no metrics, else a list in the order of `metrics_names` (or a dict with
        return_dict=True). `steps` limits the batches (required for a generator)."""
        self._require_compiled("evaluate")
        if kwargs:
            raise TypeError(f"evaluate got unexpected keyword arguments {sorted(kwargs)}.")
        verbose = checked_verbose("evaluate", verbose)
        checked_callbacks("evaluate", callbacks)
        data = self._adapter(
            x, y, sample_weight, purpose="evaluate", batch_size=batch_size, steps=steps,
            max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing,
        )  # fmt: skip
        try:
            params = {"verbose": verbose, "steps": data.steps}
            callback_list = callbacks_module.CallbackList(callbacks or [], self, params)
            results = self._evaluation_loop(data, callback_list, verbose)
        finally:
            data.close()
        return self._format_results(results, return_dict)

    def _format_results(self, results: dict, return_dict: bool):
        if return_dict:
            return results
        values = list(results.values())
        return values[0] if len(values) == 1 else values

    # ---- predict -------------------------------------------------------------------------
    def predict(
        self,
        x,
        batch_size=None,
        verbose=0,
        steps=None,
        callbacks=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        **kwargs,
    ):
        """The model's outputs as NumPy arrays (a list for several outputs), for any input
        kind `fit` takes (targets in the batches are ignored)."""
        if kwargs:
            raise TypeError(f"predict got unexpected keyword arguments {sorted(kwargs)}.")
        verbose = checked_verbose("predict", verbose)
        checked_callbacks("predict", callbacks)
        data = self._adapter(
            x, purpose="predict", batch_size=batch_size, steps=steps,
            max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing,
        )  # fmt: skip
        try:
            params = {"verbose": verbose, "steps": data.steps}
            callback_list = callbacks_module.CallbackList(callbacks or [], self, params)
            return self._prediction_loop(data, callback_list, verbose)
        finally:
            data.close()

    def _prediction_loop(self, data, callback_list, verbose):
        if learning_phase_value() is True:
            # K.set_learning_phase(1) (or a learning_phase_scope(1)): Keras 2 predicted
            # in the training phase then, the basis of Monte Carlo dropout.
            if self._training_predict_step is None:
                self._training_predict_step = step_builders.make_predict_step(
                    self, self._jit_compile, training=True
                )
            predict_step = self._training_predict_step
        else:
            if self._predict_step is None:
                self._predict_step = step_builders.make_predict_step(self, self._jit_compile)
            predict_step = self._predict_step
        to_numpy = ADAPTER.convert_to_numpy
        callback_list.call("on_predict_begin", None)
        progbar = _progress_bar(self, data.steps, verbose)
        wants_batch_begin = callback_list.wants("on_predict_batch_begin")
        wants_batch_logs = callback_list.wants("on_predict_batch_end")
        outputs = []
        with contextlib.closing(data.batches(0)) as batches:
            for index, batch in enumerate(batches):
                if wants_batch_begin:
                    callback_list.call("on_predict_batch_begin", index, BatchLogs(index, batch))
                result = tree.map_structure(to_numpy, predict_step(*batch))
                outputs.append(result)
                if wants_batch_logs:
                    logs = BatchLogs(index, batch, extra={"outputs": result})
                    callback_list.call("on_predict_batch_end", index, logs)
                if progbar is not None and progbar.due(index + 1):
                    progbar.update(index + 1, {})
        data.on_epoch_end()
        callback_list.call("on_predict_end", None)
        return _concatenate_outputs(outputs)

    # ---- single batches ------------------------------------------------------------------
    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """The loss (and metrics) on one batch, without updating the weights."""
        self._require_compiled("test_on_batch")
        data = self._adapter(x, y, sample_weight, purpose="evaluate", whole=True)
        if self._test_step is None:
            self._test_step = step_builders.make_test_step(self, self._jit_compile)
        if reset_metrics:
            self._compiled_metrics.reset()
        self._test_step(*next(data.batches(0)))
        return self._format_results(self._compiled_metrics.results(), return_dict)

    def predict_on_batch(self, x):
        """The outputs for one batch, as NumPy arrays."""
        data = self._adapter(x, purpose="predict", whole=True)
        return self._prediction_loop(data, callbacks_module.CallbackList([], self, {}), 0)


def _concatenate_outputs(parts: list):
    if not parts:
        raise ValueError("predict received no samples.")
    first = parts[0]
    if isinstance(first, (list, tuple, dict)):
        flat_parts = [tree.flatten(p) for p in parts]
        joined = [np.concatenate(column) for column in zip(*flat_parts)]
        return tree.pack_like(first, joined)
    return np.concatenate(parts)


def _progress_bar(model, steps, verbose):
    """The bar of an evaluate or predict call, None when silent or when this process is
    not the first of several training the model (one bar per run, as for fit)."""
    if not verbose or not data_parallel.is_chief(model):
        return None
    return Progbar(steps, verbose=verbose)
