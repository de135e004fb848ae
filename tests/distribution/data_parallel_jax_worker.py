"""Runs the JAX data-parallel checks in a process of its own, with 8 simulated devices.

`XLA_FLAGS` must hold the device count before JAX starts, so the test starts this file
as a script (tests/distribution/test_data_parallel_jax.py) and reads the one JSON line
it prints after "RESULT ". The script computes; the test compares.
"""

import json
import os
import sys
import tempfile

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"
os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402
import numpy as np  # noqa: E402

import kerasfront  # noqa: E402
from kerasfront import distribution, layers  # noqa: E402

SAMPLES, FEATURES, CLASSES, BATCH = 70, 8, 3, 16  # the last batch of an epoch holds 6

# What `inspect_array_sharding` reports for the model's input while a step compiles:
# [devices the input lives on, whether each holds all of it, the shape of one device's share].
SEEN: list = []


def record_sharding(x):
    def record(sharding):
        shard_shape = sharding.shard_shape(x.shape)
        SEEN.append(
            [len(sharding.device_set), bool(sharding.is_fully_replicated), list(shard_shape)]
        )

    jax.debug.inspect_array_sharding(x, callback=record)
    return x


def build(seed=1):
    kerasfront.utils.set_random_seed(seed)
    return kerasfront.Sequential(
        [
            layers.Lambda(record_sharding, input_shape=(FEATURES,)),
            layers.Dense(16, activation="relu"),
            layers.BatchNormalization(),
            layers.Dense(CLASSES, activation="softmax"),
        ]
    )


def compile_model(model):
    model.compile(
        optimizer=kerasfront.optimizers.Adam(0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )


def weights(model):
    return [w.tolist() for w in model.get_weights()]


def train(model, x, y):
    """Fit, evaluate and predict; everything the test compares between runs."""
    seen = {}
    SEEN.clear()
    history = model.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0)
    seen["fit"], SEEN[:] = list(SEEN), []
    evaluated = model.evaluate(x, y, batch_size=BATCH, verbose=0)
    seen["evaluate"], SEEN[:] = list(SEEN), []
    predicted = model.predict(x, batch_size=BATCH, verbose=0).tolist()
    seen["predict"], SEEN[:] = list(SEEN), []
    return {
        "history": history.history,
        "weights": weights(model),
        "evaluate": evaluated,
        "predict": predicted,
        "seen": seen,
    }


def replication(model):
    """For every weight: how many devices hold it, whether it is a full copy on each, and
    whether the copies are equal (the replicas applied the same update)."""
    report = []
    for variable in model.weights:
        storage = variable.storage
        shards = [np.asarray(shard.data) for shard in storage.addressable_shards]
        report.append(
            {
                "devices": len(storage.sharding.device_set),
                "fully_replicated": bool(storage.sharding.is_fully_replicated),
                "copies_equal": all(np.array_equal(shards[0], s) for s in shards[1:]),
            }
        )
    return report


def error_text(make):
    try:
        make()
    except (ValueError, TypeError) as error:
        return f"{type(error).__name__}: {error}"
    return None


def main():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, FEATURES)).astype("float32")
    y = np.eye(CLASSES, dtype="float32")[rng.integers(0, CLASSES, SAMPLES)]
    result = {"devices": distribution.list_devices()}

    single = build()
    initial = single.get_weights()
    compile_model(single)
    result["single"] = train(single, x, y)

    # Built before the distribution exists: its weights move onto the mesh in the first step.
    parallel = build()
    parallel.set_weights(initial)
    strategy = distribution.DataParallel()
    with strategy:
        compile_model(parallel)
    result["parallel_devices"] = strategy.devices
    # An array read from a variable before training must survive the steps that donate
    # the variable's buffers.
    held = parallel.layers[1].kernel
    result["parallel"] = train(parallel, x, y)
    result["held_array_intact"] = bool(np.array_equal(np.asarray(held), initial[0]))
    result["replication"] = replication(parallel)

    with tempfile.TemporaryDirectory() as folder:
        # Distributed checkpoints load into a model without a distribution...
        parallel.save_weights(os.path.join(folder, "parallel.weights.h5"))
        parallel.save(os.path.join(folder, "parallel.keras"))
        from_weights = build(seed=2)
        from_weights.load_weights(os.path.join(folder, "parallel.weights.h5"))
        loaded = kerasfront.models.load_model(
            os.path.join(folder, "parallel.keras"),
            custom_objects={"record_sharding": record_sharding},
            safe_mode=False,
        )
        result["loaded_from_parallel"] = {
            "weights_file": from_weights.predict(x, batch_size=BATCH, verbose=0).tolist(),
            "keras_file": loaded.predict(x, batch_size=BATCH, verbose=0).tolist(),
        }
        # ...and a single-device checkpoint loads into a distributed model, after compile
        # (set_weights replaces storage the steps then place again).
        single.save_weights(os.path.join(folder, "single.weights.h5"))
        receiver = build(seed=3)
        with distribution.DataParallel(devices=4):
            compile_model(receiver)
        receiver.load_weights(os.path.join(folder, "single.weights.h5"))
        result["loaded_from_single"] = {
            "predict": receiver.predict(x, batch_size=BATCH, verbose=0).tolist(),
            "evaluate": receiver.evaluate(x, y, batch_size=BATCH, verbose=0),
            "devices": [len(v.storage.sharding.device_set) for v in receiver.weights],
        }

    # Keras 2's entry point, on 2 devices, and the global setting, on 4.
    old_style = build()
    old_style.set_weights(initial)
    old_style = kerasfront.utils.multi_gpu_model(old_style, gpus=2)
    compile_model(old_style)
    SEEN.clear()
    history = old_style.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0)
    result["multi_gpu_model"] = {
        "devices": old_style._distribution.devices,
        "history": history.history,
        "seen": list(SEEN),
    }
    distribution.set_distribution(distribution.DataParallel(devices=["cpu:1", "cpu:3"]))
    try:
        global_model = build()
        global_model.set_weights(initial)
        compile_model(global_model)
    finally:
        distribution.set_distribution(None)
    history = global_model.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0)
    result["set_distribution"] = {
        "devices": global_model._distribution.devices,
        "history": history.history,
        "weight_devices": sorted(
            f"{d.platform}:{d.id}" for d in global_model.weights[0].storage.sharding.device_set
        ),
    }

    result["errors"] = {
        "too_many": error_text(lambda: distribution.DataParallel(devices=9).devices),
        "unknown_name": error_text(lambda: distribution.DataParallel(["cpu:0", "gpu:0"]).plan),
        "repeated": error_text(lambda: distribution.DataParallel(["cpu:1", "cpu:1"]).plan),
        "zero": error_text(lambda: distribution.DataParallel(devices=0).plan),
        "string": error_text(lambda: distribution.DataParallel(devices="cpu:0").plan),
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
