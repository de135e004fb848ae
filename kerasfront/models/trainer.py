"""`compile`, `fit` and `train_on_batch` of `Model` (evaluate and predict: inference.py).

Data of every kind enters through one adapter (`data_adapters.get_adapter`), which
formats it for the model once; the loops only ask it for batches. Per batch the loop
does O(1) Python work: take the adapter's batch, call the compiled step.
Metric values stay on the device and are read only when the progress bar redraws, a
callback asks for batch logs, or an epoch ends.
"""

from __future__ import annotations

import contextlib

from kerasfront import callbacks as callbacks_module
from kerasfront import optimizers
from kerasfront.backend.contract import EAGER
from kerasfront.distribution import data_parallel
from kerasfront.models import data_adapters
from kerasfront.models import steps as step_builders
from kerasfront.models.compile_utils import CompiledLoss, CompiledMetrics, metrics_with_targets
from kerasfront.models.generator_methods import GeneratorMethods
from kerasfront.models.inference import BatchLogs, InferenceMethods
from kerasfront.models.loop_arguments import checked_callbacks, checked_count, checked_verbose


class Trainer(InferenceMethods, GeneratorMethods):
    """Mixed into `Model`: `compile`, `fit` and `train_on_batch` (evaluate and predict
    come from `InferenceMethods`)."""

    def __init__(self):
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self._jit_compile = None  # predict works before (and without) compile
        self.stop_training = False
        self.history = None
        self._distribution = None  # the DataParallel the steps run under, set by compile
        self._reset_compiled_functions()

    def _reset_compiled_functions(self):
        self._train_step = self._test_step = self._predict_step = None
        self._training_predict_step = None  # predict after K.set_learning_phase(1)
        # The weights `fit` updates, fixed by compile as in Keras 2 (see `compile`); None
        # until then, or when the graph changed since (a Sequential grew), so that the
        # first training step takes the trainable weights of that moment.
        self._collected_trainable_weights = None

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
                None (for the model, or for some outputs) means no loss there, as in
                Keras 2: those outputs take no targets (fit(x) with y=None when no output
                has one) and the objective is the sum of the other outputs' losses, the
                `add_loss` terms and the weight regularizers. Metrics need targets, so
                they apply only to outputs with a loss. A model with no loss at all is
                refused when fit, evaluate or *_on_batch first sees data.
            metrics: names ("accuracy"), functions or Metric objects; a list applies to
                every output, a dict gives lists per output name.
            weighted_metrics: like `metrics`, but weighted by `sample_weight` and
                `class_weight` (plain `metrics` ignore those weights, as in Keras).
            loss_weights: a list or dict of factors for the outputs' losses.
            sample_weight_mode: None (one weight per sample) or "temporal" (a weight per
                sample and time step, shape (samples, timesteps), for sequence outputs);
                a list or dict gives one per output.
            run_eagerly: skip the engine compilation (for debugging).
            jit_compile: True compiles the steps further. TensorFlow: XLA. PyTorch on a
                CUDA GPU: CUDA graphs, each step recorded once per batch shape (after two
                eager steps) and replayed with one launch, 5-12x faster per step than
                eager for the benchmark models on an H100 (see benchmarks/README.md); a
                step that reads a value back to the host (`.item()` in a custom layer)
                runs eagerly instead, with a warning. PyTorch on a CPU: `torch.compile`
                (its default mode), whose first step takes seconds to compile; it pays
                off for long runs of small steps. JAX always jits with XLA. Compiled
                steps read Python attributes of layers once, when they are traced or
                recorded.
            steps_per_execution: accepted as 1 only (tf.keras's default).
            target_tensors: Keras 2's argument, accepted as None only.
        """
        steps_per_execution = kwargs.pop("steps_per_execution", 1)
        if "target_tensors" in kwargs and kwargs["target_tensors"] is None:
            del kwargs["target_tensors"]  # Keras 2's default: targets come as data
        if kwargs:
            hint = (
                " Keras 2's target_tensors (tensors fed as targets) are not supported: pass "
                "the targets as y to fit, evaluate or train_on_batch."
                if "target_tensors" in kwargs
                else ""
            )
            raise TypeError(
                f"compile got unexpected keyword arguments {sorted(kwargs)}; it takes "
                "optimizer, loss, metrics, loss_weights, sample_weight_mode, "
                "weighted_metrics, run_eagerly, jit_compile and steps_per_execution "
                f"(target_tensors only as None).{hint}"
            )
        if steps_per_execution not in (1, None):
            raise ValueError(
                f"compile: steps_per_execution={steps_per_execution!r} is not supported; "
                "every batch runs one compiled step (leave it at 1)."
            )
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss  # Keras 2's attribute: what compile was given
        output_names = self._output_names_for_compile()
        compiled_loss = CompiledLoss(loss, loss_weights, output_names, sample_weight_mode)
        self._compiled_loss = compiled_loss
        self._compiled_metrics = CompiledMetrics(
            metrics_with_targets(metrics, compiled_loss, "metrics"),
            output_names,
            compiled_loss,
            metrics_with_targets(weighted_metrics, compiled_loss, "weighted_metrics"),
        )
        # What saving writes as Keras 2's training_config.
        self._compile_arguments = {
            "loss": loss,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "loss_weights": loss_weights,
            "sample_weight_mode": sample_weight_mode,
            "run_eagerly": run_eagerly,
            "jit_compile": jit_compile,
        }
        self._jit_compile = EAGER if run_eagerly else jit_compile
        # The distribution in effect now (a `with` block or set_distribution) is the
        # model's; multi_gpu_model sets one before compile.
        self._distribution = data_parallel.distribution() or self._distribution
        self.compiled = True
        self._reset_compiled_functions()
        # Keras 2 fixes the weights training updates at compile: setting `trainable` on
        # the model or a layer afterwards takes effect at the next compile only. The GAN
        # recipe relies on it: compile the discriminator, freeze it, build and compile
        # the combined model; the discriminator's own train_on_batch still trains it.
        if self.built:
            self._collected_trainable_weights = list(self.trainable_weights)

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
        # Known at compile, as in Keras 2 (the metric objects are built with the data).
        return self._compiled_metrics.names if self.compiled else []

    # ---- data ----------------------------------------------------------------------------
    def _adapter(self, x, y=None, sample_weight=None, *, purpose, **options):
        """The one place data enters the loops: formats it for the model (building the
        model and its metrics from it) and returns an adapter that gives batches."""
        return data_adapters.get_adapter(self, x, y, sample_weight, purpose=purpose, **options)

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
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        **kwargs,
    ):
        """Trains for `epochs` epochs and returns the `History` callback.

        `x` may be arrays (NumPy, lists or dicts of them, tensors, pandas; `y` then holds
        the targets), a `keras.utils.Sequence`, a Python generator (with
        `steps_per_epoch`), a `tf.data.Dataset` (TensorFlow) or a torch `DataLoader`
        (PyTorch), the last four yielding `(x, y)` or `(x, y, sample_weight)` batches.
        `validation_freq` is an int (every n epochs) or a list of epochs (1-based).
        """
        self._require_compiled("fit")
        if "nb_epoch" in kwargs:  # Keras 1's name
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError(f"fit got unexpected keyword arguments {sorted(kwargs)}.")
        epochs = checked_count("fit", "epochs", epochs)
        initial_epoch = checked_count("fit", "initial_epoch", initial_epoch)
        verbose = checked_verbose("fit", verbose)
        checked_callbacks("fit", callbacks)
        validation_epochs = _validation_epochs(validation_freq)
        feeding = {
            "max_queue_size": max_queue_size,
            "workers": workers,
            "use_multiprocessing": use_multiprocessing,
        }
        train = self._adapter(
            x, y, sample_weight, purpose="fit", batch_size=batch_size, steps=steps_per_epoch,
            steps_name="steps_per_epoch", shuffle=shuffle, class_weight=class_weight, **feeding,
        )  # fmt: skip
        validation = None
        try:
            if validation_data is not None:
                validation = data_adapters.get_validation_adapter(
                    self, validation_data, validation_batch_size or batch_size, validation_steps,
                    **feeding,
                )  # fmt: skip
            elif validation_split:
                train, validation = train.split(
                    validation_split, validation_batch_size or batch_size
                )
            return self._fit_loop(
                train, validation, validation_epochs, epochs, initial_epoch, verbose, callbacks
            )
        finally:
            train.close()
            if validation is not None:
                validation.close()

    def _fit_loop(self, train, validation, validation_epochs, epochs, initial_epoch, verbose,
                  callbacks):  # fmt: skip
        if self._train_step is None:
            self._train_step = step_builders.make_train_step(self, self._jit_compile)
        # Keras 2's order: the progress bar, the user's callbacks, then History, so that
        # what the user's callbacks add to the logs (the `lr` of ReduceLROnPlateau) is
        # recorded. A ProgbarLogger of the user's replaces the built-in one.
        history = callbacks_module.History()
        user_callbacks = list(callbacks or [])
        wants_bar = verbose and not any(
            isinstance(c, callbacks_module.ProgbarLogger) for c in user_callbacks
        )
        bar = [callbacks_module.ProgbarLogger(verbose)] if wants_bar else []
        callback_list = bar + user_callbacks + [history]
        names = self.metrics_names
        params = {
            "epochs": epochs,
            "steps": train.steps,
            "verbose": verbose,
            "samples": train.size,
            "batch_size": train.batch_size,
            "do_validation": validation is not None,
            "metrics": names + ([f"val_{n}" for n in names] if validation is not None else []),
        }
        callback_list = callbacks_module.CallbackList(callback_list, self, params)
        # Keras 2 gives callbacks the validation arrays (x, y, sample weights) when the
        # validation data are arrays; custom callbacks read `self.validation_data[0]`.
        keras2_validation_data = getattr(validation, "keras2_validation_data", None)
        if keras2_validation_data is not None:
            validation_arrays = keras2_validation_data()
            for callback in callback_list.callbacks:
                callback.validation_data = validation_arrays
        compiled = self._compiled_metrics
        train_step = self._train_step
        self.stop_training = False
        callback_list.call("on_train_begin", None)
        first_epoch = callback_list.resume_epoch(initial_epoch)  # BackupAndRestore
        wants_batch_begin = callback_list.wants("on_train_batch_begin")
        wants_batch_logs = callback_list.wants("on_train_batch_end")
        for epoch in range(first_epoch, epochs):
            compiled.reset()
            callback_list.call("on_epoch_begin", epoch, None)
            index = -1
            with contextlib.closing(train.batches(epoch)) as batches:
                for index, batch in enumerate(batches):
                    if wants_batch_begin:
                        logs = BatchLogs(index, batch)
                        callback_list.call("on_train_batch_begin", index, logs)
                    train_step(*batch)
                    if wants_batch_logs:
                        logs = BatchLogs(index, batch, compiled.results)
                        callback_list.call("on_train_batch_end", index, logs)
                    if self.stop_training:
                        break
            if index < 0:  # a generator that ran out: no epoch to report (Keras 2 stops)
                break
            train.on_epoch_end()
            logs = compiled.results()
            if validation is not None and (epoch + 1) in validation_epochs:
                val_logs = self._evaluation_loop(validation, callback_list, verbose=0)
                logs.update({f"val_{name}": value for name, value in val_logs.items()})
            callback_list.call("on_epoch_end", epoch, logs)
            if self.stop_training or train.exhausted:
                break
        callback_list.call("on_train_end", None)
        self.history = history
        return history

    # ---- single batches ------------------------------------------------------------------
    def train_on_batch(
        self,
        x,
        y=None,
        sample_weight=None,
        class_weight=None,
        reset_metrics=True,
        return_dict=False,
    ):
        """One gradient update on one batch; returns the loss (and metrics) of that batch.
        `y` may be left out when no output has a compiled loss (`compile(loss=None)`)."""
        self._require_compiled("train_on_batch")
        data = self._adapter(
            x, y, sample_weight, purpose="fit", class_weight=class_weight, whole=True
        )
        if self._train_step is None:
            self._train_step = step_builders.make_train_step(self, self._jit_compile)
        if reset_metrics:
            self._compiled_metrics.reset()
        self._train_step(*next(data.batches(0)))
        return self._format_results(self._compiled_metrics.results(), return_dict)


def _validation_epochs(validation_freq):
    """The 1-based epochs after which to validate: every n-th (an int) or those listed."""
    if isinstance(validation_freq, int) and not isinstance(validation_freq, bool):
        if validation_freq < 1:
            raise ValueError(f"validation_freq must be >= 1, received {validation_freq}.")
        return _EveryNth(validation_freq)
    if isinstance(validation_freq, (list, tuple, set, range)):
        return set(validation_freq)
    raise TypeError(
        "validation_freq must be an int (validate every n epochs) or a list of epochs "
        f"(1-based), received {type(validation_freq).__name__}: {validation_freq!r:.60}."
    )


class _EveryNth:
    def __init__(self, n: int):
        self.n = n

    def __contains__(self, epoch: int) -> bool:
        return epoch % self.n == 0
