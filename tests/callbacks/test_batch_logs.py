"""Keras 2's batch logs: every batch hook of fit, evaluate and predict receives `batch` (the
index in the epoch) and `size` (the samples in that batch, so the last one may be short);
the end of a training or test batch adds the running loss and metrics."""

import numpy as np

from kerasfront import callbacks
from tests.callbacks.common import X, Y, compiled_model


class Recorder(callbacks.Callback):
    """Copies each batch hook's logs, with keys in their order."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def _record(self, hook, batch, logs):
        self.seen.append((hook, batch, dict(logs)))

    def on_batch_begin(self, batch, logs=None):
        self._record("train_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._record("train_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._record("test_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._record("test_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._record("predict_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._record("predict_end", batch, logs)


def test_batch_and_size_in_every_batch_hook():
    samples = 12  # batches of 8 and 4
    model = compiled_model()
    recorder = Recorder()
    model.fit(X[:samples], Y[:samples], batch_size=8, epochs=1, verbose=0, callbacks=[recorder])
    model.evaluate(X[:samples], Y[:samples], batch_size=8, verbose=0, callbacks=[recorder])
    predicted = model.predict(X[:samples], batch_size=8, callbacks=[recorder])

    hooks = [(hook, batch) for hook, batch, _ in recorder.seen]
    assert hooks == [
        (f"{kind}_{edge}", index)
        for kind in ("train", "test", "predict")
        for index in (0, 1)
        for edge in ("begin", "end")
    ]
    sizes = {8: 0, 4: 1}
    for hook, batch, logs in recorder.seen:
        assert logs["batch"] == batch
        assert sizes[logs["size"]] == batch, (hook, logs)
        if hook.endswith("begin"):
            assert set(logs) == {"batch", "size"}, hook
    # Keras 2's order: batch and size first, then the loss and the metrics.
    ends = {hook: logs for hook, batch, logs in recorder.seen if batch == 1}
    for kind in ("train", "test"):
        keys = list(ends[f"{kind}_end"])
        assert keys[:2] == ["batch", "size"] and keys[2:] == model.metrics_names, keys
        assert np.isfinite(ends[f"{kind}_end"]["loss"])
    np.testing.assert_array_equal(ends["predict_end"]["outputs"], predicted[8:])


def test_progress_counts_the_short_last_batch(capsys):
    # Counting samples takes each batch's size: 12 of 12, not 16 of 12.
    model = compiled_model()
    bar = callbacks.ProgbarLogger(count_mode="samples")
    model.fit(X[:12], Y[:12], batch_size=8, epochs=1, verbose=1, callbacks=[bar])
    assert "12/12" in capsys.readouterr().out
