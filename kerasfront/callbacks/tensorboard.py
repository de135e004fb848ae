"""TensorBoard: event files of the training logs, weight histograms and the model's
structure, written by `tensorboard_events` without any engine."""

from __future__ import annotations

import json
import os
import warnings

from kerasfront.callbacks import tensorboard_events
from kerasfront.callbacks.base import Callback

# Arguments of Keras 2 / tf.keras 2 this callback does not implement, with the value
# that means "off": any other value is refused rather than ignored.
_UNSUPPORTED = {
    "write_grads": False,
    "write_images": False,
    "write_steps_per_second": False,
    "profile_batch": 0,
    "embeddings_freq": 0,
    "embeddings_layer_names": None,
    "embeddings_metadata": None,
    "embeddings_data": None,
}


class TensorBoard(Callback):
    """Writes event files that TensorBoard reads, as tf.keras 2 lays them out.

    - `log_dir/train`: `epoch_<name>` scalars of the training logs at step `epoch`;
      with `update_freq` "batch" or an int N, `batch_<name>` scalars every N batches at
      step = the optimizer's update count; weight histograms (tag
      `<weight name>/histogram`) every `histogram_freq` epochs.
    - `log_dir/validation`: `epoch_<name>` scalars of the `val_*` logs (prefix removed).

    With `write_graph=True` the model's structure is written as TensorBoard's Keras
    "conceptual graph" (tag `keras`, the model's JSON config, as tf.keras does), which the
    Graphs dashboard draws layer by layer. No op-level graph is written: the engines'
    compiled steps (XLA, torch) are not TensorFlow `GraphDef`s. A model whose config is not
    JSON-serializable gets a warning and no graph.

    Args:
        log_dir: the directory of the run.
        histogram_freq: every how many epochs to write weight histograms (0: never).
        batch_size: Keras 2's argument (sizes of activation histograms); unused.
        write_grads, write_images, embeddings_freq, embeddings_layer_names,
            embeddings_metadata, embeddings_data: Keras 2's arguments, in its positional
            order; only their "off" defaults are accepted (see below).
        write_graph: whether to write the model's conceptual graph.
        update_freq: "epoch", "batch", or an int: write batch scalars every N batches.

    `write_grads`, `write_images`, `profile_batch` and the embeddings arguments are not
    implemented; giving them a value other than their default raises a ValueError.
    """

    chief_only = True  # one per training, written by the first process

    def __init__(
        self,
        log_dir="./logs",
        histogram_freq=0,
        batch_size=32,
        write_graph=True,
        write_grads=False,
        write_images=False,
        embeddings_freq=0,
        embeddings_layer_names=None,
        embeddings_metadata=None,
        embeddings_data=None,
        update_freq="epoch",
        **kwargs,
    ):
        super().__init__()
        # Keras 2.2's positional order: its unimplemented arguments keep their places so
        # that update_freq (and any later argument) given by position lands right.
        kwargs.update(
            write_grads=write_grads,
            write_images=write_images,
            embeddings_freq=embeddings_freq,
            embeddings_layer_names=embeddings_layer_names,
            embeddings_metadata=embeddings_metadata,
            embeddings_data=embeddings_data,
        )
        for name, value in kwargs.items():
            if name not in _UNSUPPORTED:
                raise TypeError(f"TensorBoard got an unexpected argument {name!r}.")
            # Keras 2 reads the embeddings' layers, metadata and data only when
            # embeddings_freq > 0, so they may be set while it is 0.
            if name.startswith("embeddings_") and name != "embeddings_freq" and not embeddings_freq:
                continue
            default = _UNSUPPORTED[name]
            # `is None` since embeddings_data may be an array (no truth value for `!=`).
            if (value is not None) if default is None else (value != default):
                raise ValueError(
                    f"TensorBoard: {name}={value!r} is not supported by kerasfront (only "
                    f"{_UNSUPPORTED[name]!r}); scalars, weight histograms and the model "
                    "graph are written."
                )
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (
            isinstance(update_freq, bool) or not isinstance(update_freq, int) or update_freq < 1
        ):
            raise ValueError(
                "TensorBoard: update_freq must be 'epoch', 'batch' or a positive int, "
                f"received {update_freq!r}."
            )
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError(
                f"TensorBoard: histogram_freq must be an int >= 0, received {histogram_freq!r}."
            )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.batch_size = batch_size
        self.write_graph = write_graph
        self.update_freq = update_freq
        self._writers: dict[str, tensorboard_events.EventFileWriter] = {}

    def _writer(self, run: str) -> tensorboard_events.EventFileWriter:
        if run not in self._writers:
            self._writers[run] = tensorboard_events.EventFileWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def on_train_begin(self, logs=None):
        self._close()
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        self._train_step = int(iterations.numpy()) if iterations is not None else 0
        self._batches_since_write = 0
        if self.write_graph:
            self._write_model_graph()

    def _write_model_graph(self) -> None:
        try:
            if hasattr(self.model, "to_json"):
                text = self.model.to_json()
            else:
                config = {"class_name": type(self.model).__name__, "config": None}
                config["config"] = self.model.get_config()
                text = json.dumps(config)
        except (TypeError, ValueError, NotImplementedError) as error:
            warnings.warn(
                f"TensorBoard: model '{self.model.name}' has a config that is not JSON "
                f"({error}); no graph is written.",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        value = tensorboard_events.string_tensor_value(
            "keras", text, plugin_name="graph_keras_model", content=b"1"
        )
        self._writer("train").add_summary([value], step=0)

    def on_train_batch_end(self, batch, logs=None):
        self._train_step += 1
        if self.update_freq == "epoch":
            return
        self._batches_since_write += 1
        if self._batches_since_write >= self.update_freq:
            self._batches_since_write = 0
            # `batch` and `size` (Keras 2's batch keys) say which batch, they are no metric.
            values = {k: v for k, v in (logs or {}).items() if k not in ("batch", "size")}
            self._writer("train").add_scalars(values, step=self._train_step, prefix="batch_")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {name: value for name, value in logs.items() if not name.startswith("val_")}
        validation = {name[4:]: value for name, value in logs.items() if name.startswith("val_")}
        if train:
            self._writer("train").add_scalars(train, step=epoch, prefix="epoch_")
        if validation:
            self._writer("validation").add_scalars(validation, step=epoch, prefix="epoch_")
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _write_histograms(self, epoch: int) -> None:
        values = [
            tensorboard_events.histogram_value(
                weight.name.replace(":", "_") + "/histogram", weight.numpy()
            )
            for layer in self.model.layers
            for weight in layer.weights
        ]
        self._writer("train").add_summary(values, step=epoch)

    def on_train_end(self, logs=None):
        self._close()

    def _close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
