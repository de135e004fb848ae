"""Every input kind fit/evaluate/predict take (generators, Sequences read by threads or
processes, pandas, tf.data, torch DataLoaders, arrays with steps) gives the same weights,
losses and predictions as NumPy arrays cut into the same batches; callbacks in evaluate
and predict; the errors for what an input kind cannot do."""

import math
import warnings

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import callbacks, layers, ops, optimizers
from kerasfront.models import data_adapters
from kerasfront.utils import Sequence, set_random_seed

SAMPLES, BATCH = 24, 8  # three batches of eight
CLASS_WEIGHT = {0: 1.0, 1: 3.0, 2: 0.5}


def make_data(samples=SAMPLES, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, 4)).astype("float32")
    labels = rng.integers(0, 3, samples)
    weights = rng.uniform(0.5, 1.5, samples).astype("float32")
    return x, np.eye(3, dtype="float32")[labels], weights


X, Y, W = make_data()


def make_model(seed=0, metrics=("accuracy",)):
    set_random_seed(seed)
    model = keras.Sequential(
        [layers.Dense(6, activation="tanh", input_dim=4), layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizers.SGD(0.1), "categorical_crossentropy", metrics=list(metrics))
    return model


def batches_of(*arrays, batch_size=BATCH):
    """The (x, y[, sample_weight]) batches of arrays, in order."""
    return [
        tuple(a[start : start + batch_size] for a in arrays)
        for start in range(0, len(arrays[0]), batch_size)
    ]


def forever(items):
    """A Keras 2 style generator: loops over its batches forever."""
    while True:
        yield from items


class ArraySequence(Sequence):
    """Picklable (module level) so worker processes can hold a copy."""

    def __init__(self, *arrays, batch_size=BATCH):
        self.arrays, self.batch_size = arrays, batch_size
        self.epochs_ended = 0
        self.shift = 0.0

    def __len__(self):
        return math.ceil(len(self.arrays[0]) / self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        batch = tuple(a[part] for a in self.arrays)
        return batch if len(batch) > 1 else batch[0]

    def on_epoch_end(self):
        self.epochs_ended += 1


class ShiftingSequence(ArraySequence):
    """Inputs move by the number of epochs ended: shows which copy a worker reads."""

    def __getitem__(self, index):
        x, *rest = super().__getitem__(index)
        return (x + self.epochs_ended, *rest)


def fit_both(model, fit_kind, fit_arrays):
    """Trains `model` once from arrays and once (from the same start) from another kind;
    returns both weight lists."""
    start = model.get_weights()
    fit_arrays(model)
    from_arrays = model.get_weights()
    model.set_weights(start)
    fit_kind(model)
    return from_arrays, model.get_weights()


def assert_same_weights(first, second):
    for a, b in zip(first, second):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# ---- generators --------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [0, 1])
def test_generator_fit_matches_arrays(workers):
    model = make_model()
    from_arrays, from_generator = fit_both(
        model,
        lambda m: m.fit(
            forever(batches_of(X, Y, W)),
            steps_per_epoch=3,
            epochs=2,
            class_weight=CLASS_WEIGHT,
            workers=workers,
            verbose=0,
        ),
        lambda m: m.fit(
            X,
            Y,
            sample_weight=W,
            class_weight=CLASS_WEIGHT,
            batch_size=BATCH,
            epochs=2,
            shuffle=False,
            verbose=0,
        ),
    )
    assert_same_weights(from_arrays, from_generator)


def test_generator_evaluate_and_predict_with_steps():
    model = make_model()
    expected = model.evaluate(X[:16], Y[:16], verbose=0)
    got = model.evaluate(forever(batches_of(X, Y)), steps=2, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    predictions = model.predict(X, verbose=0)
    # Inputs alone, (x,) and (x, y): predict takes the inputs of each.
    for items in ([x for x, _ in batches_of(X, Y)], batches_of(X), batches_of(X, Y)):
        np.testing.assert_allclose(
            model.predict(forever(items), steps=3), predictions, rtol=1e-5, atol=1e-6
        )


def test_generators_need_steps():
    model = make_model()
    with pytest.raises(ValueError, match="steps_per_epoch is required .* Python generator"):
        model.fit(forever(batches_of(X, Y)), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="steps is required"):
        model.evaluate(forever(batches_of(X, Y)), verbose=0)
    with pytest.raises(ValueError, match="steps is required"):
        model.predict(forever(batches_of(X)))
    with pytest.raises(ValueError, match="validation_steps is required"):
        model.fit(X, Y, validation_data=forever(batches_of(X, Y)), verbose=0)


def test_generator_that_runs_out_stops_training():
    model = make_model()
    finite = iter(batches_of(X, Y))
    with pytest.warns(UserWarning, match="ran out of data after 0 of the 3 batches"):
        history = model.fit(finite, steps_per_epoch=3, epochs=4, verbose=0)
    assert history.epoch == [0]  # the second epoch found no data: no epoch to report


def test_keras2_generator_methods():
    model = make_model()
    from_arrays, from_generator = fit_both(
        model,
        lambda m: m.fit_generator(
            forever(batches_of(X, Y)), steps_per_epoch=3, epochs=2, verbose=0
        ),
        lambda m: m.fit(X, Y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0),
    )
    assert_same_weights(from_arrays, from_generator)
    np.testing.assert_allclose(
        model.evaluate_generator(forever(batches_of(X, Y)), steps=3),
        model.evaluate(X, Y, batch_size=BATCH, verbose=0),
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        model.predict_generator(ArraySequence(X), workers=0),
        model.predict(X),
        rtol=1e-5,
        atol=1e-6,
    )


# ---- Sequence with workers ---------------------------------------------------------------


@pytest.mark.parametrize("use_multiprocessing", [False, True])
def test_sequence_with_workers_matches_arrays(use_multiprocessing):
    model = make_model()
    sequence = ArraySequence(X, Y, W)
    feeding = {"workers": 2, "use_multiprocessing": use_multiprocessing, "max_queue_size": 2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # JAX warns about os.fork
        from_arrays, from_sequence = fit_both(
            model,
            lambda m: m.fit(
                sequence, epochs=2, shuffle=False, class_weight=CLASS_WEIGHT, verbose=0, **feeding
            ),
            lambda m: m.fit(
                X,
                Y,
                sample_weight=W,
                class_weight=CLASS_WEIGHT,
                batch_size=BATCH,
                epochs=2,
                shuffle=False,
                verbose=0,
            ),
        )
        assert sequence.epochs_ended == 2
        assert_same_weights(from_arrays, from_sequence)
        np.testing.assert_allclose(
            model.evaluate(ArraySequence(X, Y), verbose=0, **feeding),
            model.evaluate(X, Y, verbose=0),
            rtol=1e-5,
        )
        np.testing.assert_allclose(
            model.predict(ArraySequence(X), **feeding), model.predict(X), rtol=1e-5, atol=1e-6
        )


def test_worker_processes_see_what_on_epoch_end_changed():
    model = make_model()
    model.compile(optimizers.SGD(0.0), "categorical_crossentropy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(
            ShiftingSequence(X, Y),
            epochs=2,
            shuffle=False,
            workers=2,
            use_multiprocessing=True,
            verbose=0,
        )
    # Forking the workers is quiet (JAX warns at every fork of its process otherwise).
    assert not [w for w in caught if "fork" in str(w.message)], [str(w.message) for w in caught]
    expected = [model.evaluate(X + shift, Y, batch_size=BATCH, verbose=0) for shift in (0, 1)]
    np.testing.assert_allclose(history.history["loss"], expected, rtol=1e-5)


def test_sequence_steps_validation_steps_and_validation_freq():
    model = make_model()
    seen = []
    recorder = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(("train", batch)),
        on_test_batch_end=lambda batch, logs: seen.append(("test", batch)),
    )
    history = model.fit(
        ArraySequence(X, Y),
        steps_per_epoch=2,
        epochs=4,
        initial_epoch=1,
        validation_data=ArraySequence(X, Y),
        validation_steps=1,
        validation_freq=[2, 4],
        shuffle=False,
        callbacks=[recorder],
        verbose=0,
    )
    assert history.epoch == [1, 2, 3]
    assert len(history.history["val_loss"]) == 2  # after the 2nd and the 4th epoch
    one_epoch = [("train", 0), ("train", 1)]
    assert seen == one_epoch + [("test", 0)] + one_epoch + one_epoch + [("test", 0)]
    # validation_steps=1: the first validation batch only.
    expected = model.evaluate(X[:BATCH], Y[:BATCH], verbose=0)[0]
    np.testing.assert_allclose(history.history["val_loss"][-1], expected, rtol=1e-5)
    history = model.fit(X, Y, epochs=3, validation_data=(X, Y), validation_freq=2, verbose=0)
    assert len(history.history["val_loss"]) == 1


# ---- arrays: steps, shuffle="batch", per-output sample weights ---------------------------


def test_steps_in_evaluate_and_predict_with_arrays():
    model = make_model()
    assert model.predict(X, batch_size=BATCH, steps=2).shape == (16, 3)
    np.testing.assert_allclose(
        model.evaluate(X, Y, batch_size=BATCH, steps=1, verbose=0),
        model.evaluate(X[:BATCH], Y[:BATCH], verbose=0),
        rtol=1e-5,
    )


def test_shuffle_batch_shuffles_whole_batches():
    model = make_model()
    x = np.arange(22 * 4, dtype="float32").reshape(22, 4)
    y = np.eye(3, dtype="float32")[np.arange(22) % 3]
    adapter = data_adapters.get_adapter(model, x, y, purpose="fit", batch_size=5, shuffle="batch")
    firsts = []
    for batch_x, _, _ in adapter.batches(0):
        rows = ops.convert_to_numpy(batch_x)[:, 0] / 4
        np.testing.assert_array_equal(rows, np.arange(rows[0], rows[0] + len(rows)))
        firsts.append(int(rows[0]))
    assert sorted(firsts) == [0, 5, 10, 15, 20]
    assert firsts[-1] == 20  # the partial batch stays last, as in Keras 2
    history = model.fit(x, y, batch_size=5, shuffle="batch", epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    with pytest.raises(ValueError, match="shuffle must be True, False or 'batch'"):
        model.fit(x, y, shuffle="samples", verbose=0)


def test_sample_weight_per_output_by_name():
    inputs = keras.Input(shape=(4,))
    first = layers.Dense(2, name="first")(inputs)
    second = layers.Dense(2, name="second")(inputs)
    model = keras.Model(inputs, [first, second])
    model.compile(optimizers.SGD(0.0), ["mse", "mse"])
    targets = [Y[:, :2], Y[:, 1:]]
    results = model.evaluate(
        X, targets, sample_weight={"first": W}, verbose=0, return_dict=True, batch_size=BATCH
    )
    p_first, p_second = model.predict(X)
    np.testing.assert_allclose(
        results["first_loss"], np.mean(np.mean((p_first - targets[0]) ** 2, -1) * W), rtol=1e-5
    )
    np.testing.assert_allclose(
        results["second_loss"], np.mean((p_second - targets[1]) ** 2), rtol=1e-5
    )


# ---- callbacks in evaluate and predict ---------------------------------------------------


class HookRecorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_test_begin(self, logs=None):
        self.events.append(("test_begin",))

    def on_test_batch_begin(self, batch, logs=None):
        self.events.append(("test_batch_begin", batch))

    def on_test_batch_end(self, batch, logs=None):
        self.events.append(("test_batch_end", batch, dict(logs)))

    def on_test_end(self, logs=None):
        self.events.append(("test_end", dict(logs)))

    def on_predict_begin(self, logs=None):
        self.events.append(("predict_begin",))

    def on_predict_batch_begin(self, batch, logs=None):
        self.events.append(("predict_batch_begin", batch))

    def on_predict_batch_end(self, batch, logs=None):
        self.events.append(("predict_batch_end", batch, logs["outputs"].shape))

    def on_predict_end(self, logs=None):
        self.events.append(("predict_end",))


def test_callbacks_run_in_evaluate_and_predict():
    model = make_model()
    recorder = HookRecorder()
    results = model.evaluate(
        X, Y, batch_size=BATCH, callbacks=[recorder], verbose=0, return_dict=True
    )
    kinds = [event[0] for event in recorder.events]
    assert kinds == ["test_begin"] + ["test_batch_begin", "test_batch_end"] * 3 + ["test_end"]
    assert [e[1] for e in recorder.events if e[0] == "test_batch_end"] == [0, 1, 2]
    assert recorder.events[-1][1] == results
    assert recorder.params["steps"] == 3
    assert recorder.model is model

    recorder.events.clear()
    model.predict(X, batch_size=10, callbacks=[recorder])
    assert recorder.events == [
        ("predict_begin",),
        ("predict_batch_begin", 0),
        ("predict_batch_end", 0, (10, 3)),
        ("predict_batch_begin", 1),
        ("predict_batch_end", 1, (10, 3)),
        ("predict_batch_begin", 2),
        ("predict_batch_end", 2, (4, 3)),
        ("predict_end",),
    ]


# ---- the errors --------------------------------------------------------------------------


def test_what_batch_sources_refuse():
    model = make_model()
    with pytest.raises(ValueError, match="validation_split is only supported .* a Sequence"):
        model.fit(ArraySequence(X, Y), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="validation_split is only supported .* generator"):
        model.fit(forever(batches_of(X, Y)), steps_per_epoch=3, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="y must not be given when x is a Sequence"):
        model.fit(ArraySequence(X, Y), Y, verbose=0)
    with pytest.raises(ValueError, match="sample_weight must not be given .* generator"):
        model.fit(forever(batches_of(X, Y)), sample_weight=W, steps_per_epoch=3, verbose=0)
    with pytest.raises(ValueError, match="held no targets"):
        model.fit(ArraySequence(X), verbose=0)
    with pytest.raises(ValueError, match="validation_freq must be >= 1"):
        model.fit(X, Y, validation_freq=0, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch must be a positive integer"):
        model.fit(X, Y, steps_per_epoch=0, verbose=0)


def fake_object(module, name):
    """An object whose type claims to come from `module`, as adapters detect kinds."""
    return type(name, (), {"__module__": module})()


@pytest.mark.skipif(K.backend() == "tensorflow", reason="tf.data is accepted on TensorFlow")
def test_tf_dataset_needs_the_tensorflow_backend():
    model = make_model()
    dataset = fake_object("tensorflow.python.data.ops.dataset_ops", "DatasetV2")
    with pytest.raises(ValueError, match="tf.data.Dataset needs the TensorFlow backend"):
        model.fit(dataset, verbose=0)


@pytest.mark.skipif(K.backend() == "torch", reason="torch data is accepted on torch")
def test_torch_data_needs_the_torch_backend():
    model = make_model()
    loader = fake_object("torch.utils.data.dataloader", "DataLoader")
    with pytest.raises(ValueError, match="torch DataLoader or Dataset needs the torch backend"):
        model.predict(loader)


# ---- pandas, tf.data, torch --------------------------------------------------------------


def test_pandas_data_matches_arrays():
    pandas = pytest.importorskip("pandas")
    model = make_model()
    frame = pandas.DataFrame(X, columns=list("abcd"))
    labels = pandas.Series(Y.argmax(-1))
    model.compile(optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    adapter = data_adapters.get_adapter(model, frame, labels, purpose="fit")
    assert isinstance(adapter, data_adapters.PandasAdapter)
    from_arrays, from_pandas = fit_both(
        model,
        lambda m: m.fit(
            frame,
            labels,
            sample_weight=pandas.Series(W),
            batch_size=BATCH,
            shuffle=False,
            validation_split=0.25,
            verbose=0,
        ),  # fmt: skip
        lambda m: m.fit(
            X,
            Y.argmax(-1),
            sample_weight=W,
            batch_size=BATCH,
            shuffle=False,
            validation_split=0.25,
            verbose=0,
        ),  # fmt: skip
    )
    assert_same_weights(from_arrays, from_pandas)
    np.testing.assert_allclose(
        model.evaluate(frame, labels, verbose=0), model.evaluate(X, Y.argmax(-1), verbose=0)
    )
    np.testing.assert_allclose(model.predict(frame), model.predict(X), rtol=1e-6)


@pytest.mark.skipif(K.backend() != "tensorflow", reason="tf.data only on TensorFlow")
def test_tf_dataset_matches_arrays():
    import tensorflow as tf

    model = make_model()
    dataset = tf.data.Dataset.from_tensor_slices((X, Y, W)).batch(BATCH)
    adapter = data_adapters.get_adapter(model, dataset, purpose="fit")
    assert isinstance(adapter, data_adapters.TFDatasetAdapter)
    assert adapter.steps == 3
    from_arrays, from_dataset = fit_both(
        model,
        lambda m: m.fit(dataset, epochs=2, class_weight=CLASS_WEIGHT, verbose=0),
        lambda m: m.fit(
            X,
            Y,
            sample_weight=W,
            class_weight=CLASS_WEIGHT,
            batch_size=BATCH,
            epochs=2,
            shuffle=False,
            verbose=0,
        ),  # fmt: skip
    )
    assert_same_weights(from_arrays, from_dataset)
    inputs_only = tf.data.Dataset.from_tensor_slices(X).batch(BATCH)
    np.testing.assert_allclose(model.predict(inputs_only), model.predict(X), rtol=1e-6)
    repeated = tf.data.Dataset.from_tensor_slices((X, Y)).batch(BATCH).repeat()
    np.testing.assert_allclose(
        model.evaluate(repeated, steps=2, verbose=0),
        model.evaluate(X[:16], Y[:16], verbose=0),
        rtol=1e-5,
    )
    with pytest.raises(ValueError, match="repeats forever: pass steps_per_epoch"):
        model.fit(repeated, verbose=0)


@pytest.mark.skipif(K.backend() != "torch", reason="torch data only on torch")
def test_torch_dataloader_and_dataset_match_arrays():
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    model = make_model()
    samples = TensorDataset(torch.from_numpy(X), torch.from_numpy(Y), torch.from_numpy(W))
    arrays_fit = lambda m: m.fit(  # noqa: E731
        X, Y, sample_weight=W, class_weight=CLASS_WEIGHT, batch_size=BATCH, epochs=2,
        shuffle=False, verbose=0,
    )  # fmt: skip
    for data in (DataLoader(samples, batch_size=BATCH), samples):
        adapter = data_adapters.get_adapter(model, data, purpose="fit", batch_size=BATCH)
        assert isinstance(adapter, data_adapters.TorchDataAdapter)
        assert adapter.steps == 3
        from_arrays, from_torch = fit_both(
            model,
            lambda m, data=data: m.fit(
                data,
                batch_size=BATCH,
                epochs=2,
                shuffle=False,
                class_weight=CLASS_WEIGHT,
                verbose=0,
            ),  # fmt: skip
            arrays_fit,
        )
        assert_same_weights(from_arrays, from_torch)
    inputs_only = DataLoader(TensorDataset(torch.from_numpy(X)), batch_size=BATCH)
    np.testing.assert_allclose(model.predict(inputs_only), model.predict(X), rtol=1e-6)


def test_errors_inside_a_generator_reach_the_caller():
    def failing():
        yield X[:BATCH], Y[:BATCH]
        raise RuntimeError("the generator broke")

    model = make_model()
    with pytest.raises(RuntimeError, match="the generator broke"):
        model.fit(failing(), steps_per_epoch=3, verbose=0)


def test_hdf5_matrices_are_read_batch_by_batch(tmp_path):
    h5py = pytest.importorskip("h5py")
    from kerasfront.utils import HDF5Matrix

    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as file:
        file["x"], file["y"] = X, Y
    x, y = HDF5Matrix(path, "x"), HDF5Matrix(path, "y")
    model = make_model()
    adapter = data_adapters.get_adapter(model, x, y, purpose="fit", batch_size=BATCH)
    assert adapter.x_arrays[0] is x  # not read into memory up front
    from_arrays, from_hdf5 = fit_both(
        model,
        lambda m: m.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0),
        lambda m: m.fit(X, Y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0),
    )
    assert_same_weights(from_arrays, from_hdf5)
    np.testing.assert_allclose(model.predict(x, batch_size=5), model.predict(X), rtol=1e-6)
    history = model.fit(x, y, batch_size=BATCH, shuffle="batch", verbose=0)
    assert np.isfinite(history.history["loss"][0])
