"""Runs the TensorFlow data-parallel checks in a process of its own, on 2 logical CPUs.

Logical devices must be configured before TensorFlow initialises, so the test
(tests/distribution/test_data_parallel_tf.py) starts this file as a script and reads the
one JSON line it prints after "RESULT ". The script computes; the test compares.

`data_parallel_tf_worker.py multi-worker INDEX PORT0 PORT1` is instead worker INDEX of a
two-worker TF_CONFIG cluster on this host (one CPU each, MultiWorkerMirroredStrategy),
which trains the MLP as the single-device run does.
"""

import json
import os
import sys
import tempfile

os.environ["KERAS_BACKEND"] = "tensorflow"
MULTI_WORKER = sys.argv[1:2] == ["multi-worker"]
if MULTI_WORKER:  # TF_CONFIG must be set before kerasfront starts TensorFlow
    os.environ["TF_CONFIG"] = json.dumps(
        {
            "cluster": {"worker": [f"localhost:{port}" for port in sys.argv[3:5]]},
            "task": {"type": "worker", "index": int(sys.argv[2])},
        }
    )

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

if not MULTI_WORKER:
    _CPU = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(_CPU, [tf.config.LogicalDeviceConfiguration()] * 2)

import kerasfront  # noqa: E402
from kerasfront import distribution, layers  # noqa: E402

SAMPLES, FEATURES, OUTPUTS = 13, 4, 2
rng = np.random.default_rng(0)
X = rng.normal(size=(SAMPLES, FEATURES)).astype("float32")
Y = rng.normal(size=(SAMPLES, OUTPUTS)).astype("float32")
X_VAL = rng.normal(size=(7, FEATURES)).astype("float32")
Y_VAL = rng.normal(size=(7, OUTPUTS)).astype("float32")


def mlp(seed=1):
    kerasfront.utils.set_random_seed(seed)
    return kerasfront.Sequential(
        [
            layers.Dense(5, activation="tanh", input_shape=(FEATURES,)),
            layers.Dense(OUTPUTS),
        ]
    )


def compile_mlp(model):
    model.compile(optimizer=kerasfront.optimizers.Adam(0.05), loss="mse", metrics=["mae"])


def listed(values):
    return [np.asarray(v).tolist() for v in values]


def copies(variable):
    """Every device's copy of a weight (one entry for a plain variable)."""
    storage = variable.storage
    if isinstance(storage, tf.distribute.DistributedValues):
        return [part.numpy().tolist() for part in storage.values]
    return [storage.numpy().tolist()]


def fit_twice(model):
    """Two fits in a row: batches of 5 (the last holds 3: 2 + 1 per device) with
    validation, then batches of 4 (the last holds 1: one device gets nothing)."""
    first = model.fit(
        X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0, validation_data=(X_VAL, Y_VAL)
    )
    second = model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return {
        "history_uneven": first.history,
        "history_last_one": second.history,
        "weights": listed(model.get_weights()),
        "evaluate": model.evaluate(X_VAL, Y_VAL, batch_size=3, verbose=0),
        "predict": model.predict(X, batch_size=4).tolist(),
    }


def run_mlp(result):
    single = mlp()
    compile_mlp(single)
    result["single"] = fit_twice(single)

    strategy = distribution.DataParallel()
    result["devices"] = strategy.devices
    result["num_replicas"] = strategy.num_replicas
    with strategy:
        parallel = mlp()
        compile_mlp(parallel)
    result["parallel"] = fit_twice(parallel)
    result["replica_copies"] = [copies(v) for v in parallel.weights]
    result["mirrored_in_scope"] = [
        isinstance(v.storage, tf.distribute.DistributedValues) for v in parallel.weights
    ]
    return single, parallel


def run_checkpoints(result, single, parallel, directory):
    """Weights and whole models written by one kind of run, read by the other."""
    loaded = {}
    path = os.path.join(directory, "parallel.weights.h5")
    parallel.save_weights(path)
    receiver = mlp(seed=7)
    receiver.load_weights(path)
    loaded["weights_file"] = receiver.predict(X, batch_size=4).tolist()
    keras_path = os.path.join(directory, "parallel.keras")
    parallel.save(keras_path)
    loaded["keras_file"] = kerasfront.models.load_model(keras_path).predict(X).tolist()
    result["loaded_from_parallel"] = loaded

    # A single-device model's weights, loaded into the distributed model, reach every copy.
    single_path = os.path.join(directory, "single.weights.h5")
    single.save_weights(single_path)
    parallel.load_weights(single_path)
    result["loaded_from_single"] = {
        "weights": listed(parallel.get_weights()),
        "copies": [copies(v) for v in parallel.weights],
        "predict": parallel.predict(X, batch_size=5).tolist(),
    }


def run_all_reduce_check(result):
    """One step of a linear model on 5 samples (3 + 2): what each replica computed."""
    strategy = distribution.DataParallel(devices=["cpu:0", "cpu:1"])
    plan = strategy.plan
    original = plan.reduce_gradients
    local_kernel_grads = [tf.Variable(tf.zeros((FEATURES, OUTPUTS))) for _ in range(2)]
    sizes = {}

    def recording(grads, local_batch_size):
        context = tf.distribute.get_replica_context()
        replica = int(tf.get_static_value(context.replica_id_in_sync_group))
        sizes[replica] = local_batch_size
        local_kernel_grads[replica].assign(grads[0])
        return original(grads, local_batch_size)

    plan.reduce_gradients = recording
    with strategy:
        model = kerasfront.Sequential([layers.Dense(OUTPUTS, input_shape=(FEATURES,))])
        model.compile(optimizer=kerasfront.optimizers.SGD(0.1), loss="mse")
    before = listed(model.get_weights())
    model.train_on_batch(X[:5], Y[:5])
    result["all_reduce"] = {
        "before": before,
        "sizes": [sizes[0], sizes[1]],
        "local_kernel_grads": listed(local_kernel_grads),
        "kernel_copies": copies(model.weights[0]),
        "bias_copies": copies(model.weights[1]),
    }


def dropout_model():
    return kerasfront.Sequential(
        [
            layers.Dropout(0.5, seed=3, input_shape=(16,)),
            layers.Dense(1, use_bias=False, kernel_initializer="ones"),
        ]
    )


def run_dropout(result):
    """One step on two identical samples, one per replica: the kernel gradient each
    replica computed is zero where its dropout mask dropped the input."""
    strategy = distribution.DataParallel(devices=["cpu:0", "cpu:1"])
    plan = strategy.plan
    original = plan.reduce_gradients
    local_grads = [tf.Variable(tf.zeros((16, 1))) for _ in range(2)]

    def recording(grads, local_batch_size):
        context = tf.distribute.get_replica_context()
        local_grads[int(tf.get_static_value(context.replica_id_in_sync_group))].assign(grads[0])
        return original(grads, local_batch_size)

    plan.reduce_gradients = recording
    with strategy:
        model = dropout_model()
        model.compile(optimizer=kerasfront.optimizers.SGD(0.1), loss="mse")
    single = dropout_model()
    single.compile(optimizer=kerasfront.optimizers.SGD(0.1), loss="mse")
    x, y = np.ones((2, 16), "float32"), np.zeros((2, 1), "float32")
    for trained in (model, single):
        trained.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    result["dropout"] = {
        "local_kernel_grads": listed(local_grads),
        "seed_state": listed([model.layers[0].seed_generator.state.numpy()]),
        "single_seed_state": listed([single.layers[0].seed_generator.state.numpy()]),
    }


def run_batch_norm(result):
    """BatchNormalization first, so its moving statistics depend on the data alone."""

    def build():
        kerasfront.utils.set_random_seed(3)
        return kerasfront.Sequential(
            [
                layers.BatchNormalization(momentum=0.5, input_shape=(FEATURES,)),
                layers.Dense(OUTPUTS),
            ]
        )

    x, y = X[:11], Y[:11]  # batches of 6 (3 + 3) and 5 (3 + 2)
    single = build()
    single.compile(optimizer="sgd", loss="mse")
    single.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    with distribution.DataParallel(2):
        parallel = build()
        parallel.compile(optimizer="sgd", loss="mse")
    history = parallel.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0)
    norm = parallel.layers[0]
    result["batch_norm"] = {
        "single_moving_mean": np.asarray(single.layers[0].moving_mean).tolist(),
        "moving_mean": np.asarray(norm.moving_mean).tolist(),
        "moving_variance": np.asarray(norm.moving_variance).tolist(),
        "epsilon": norm.epsilon,
        "copies": [copies(v) for v in parallel.weights],
        "loss_finite": bool(np.isfinite(history.history["loss"][0])),
    }


def run_multi_gpu_model(result):
    single = mlp()
    compile_mlp(single)
    single_history = single.fit(X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    model = mlp()  # built before the distribution exists: its weights are plain variables
    before = [isinstance(v.storage, tf.distribute.DistributedValues) for v in model.weights]
    parallel = kerasfront.utils.multi_gpu_model(model, gpus=2)
    compile_mlp(parallel)
    history = parallel.fit(X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    result["multi_gpu_model"] = {
        "same_model": parallel is model,
        "mirrored_before": before,
        "copies": [copies(v) for v in model.weights],
        "history": history.history,
        "single_history": single_history.history,
        "weights": listed(model.get_weights()),
        "single_weights": listed(single.get_weights()),
    }


def run_errors(result):
    errors = {}
    for key, devices in (("too_many", 3), ("unknown", ["gpu:5"]), ("twice", ["cpu:0", "cpu:0"])):
        try:
            errors[key] = repr(distribution.DataParallel(devices).devices)  # no error
        except (TypeError, ValueError) as error:
            errors[key] = f"{type(error).__name__}: {error}"
    result["errors"] = errors


def run_multi_worker():
    strategy = distribution.DataParallel()
    with strategy:
        model = mlp()
        compile_mlp(model)
    result = fit_twice(model)
    result["devices"], result["num_replicas"] = strategy.devices, strategy.num_replicas
    result["multi_worker"] = isinstance(
        strategy.plan.strategy, tf.distribute.MultiWorkerMirroredStrategy
    )
    return result


def main():
    if MULTI_WORKER:
        sys.stdout.write("RESULT " + json.dumps(run_multi_worker()) + "\n")
        return
    result = {"X": X.tolist(), "Y": Y.tolist()}
    single, parallel = run_mlp(result)
    with tempfile.TemporaryDirectory() as directory:
        run_checkpoints(result, single, parallel, directory)
    run_all_reduce_check(result)
    run_batch_norm(result)
    run_dropout(result)
    run_multi_gpu_model(result)
    run_errors(result)
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
