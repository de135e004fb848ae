"""The PyTorch data-parallel checks, run by every process `torchrun` starts.

tests/distribution/test_data_parallel_torch.py launches this file with
`python -m torch.distributed.run --nproc_per_node 2 ... <folder>`; each rank writes
`<folder>/rank<r>.json`. The script computes; the test compares with single-process
runs of the same functions, which it imports from here.
"""

import contextlib
import io
import json
import os
import sys

import numpy as np
import torch.distributed as dist

import kerasfront
from kerasfront import distribution, layers, optimizers, regularizers

FEATURES, CLASSES = 5, 3


def classifier():
    """A small classifier with optimizer state (Adam), a regularizer and a metric."""
    model = kerasfront.Sequential(
        [
            layers.Dense(
                6,
                activation="tanh",
                kernel_regularizer=regularizers.l2(0.01),
                input_shape=(FEATURES,),
            ),
            layers.Dense(CLASSES, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=optimizers.Adam(0.05),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def batchnorm_model():
    """BatchNormalization first, so its moving statistics depend on the data only."""
    model = kerasfront.Sequential(
        [layers.BatchNormalization(momentum=0.8, input_shape=(4,)), layers.Dense(2)]
    )
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    return model


def arrays(seed: int, samples: int, features: int = FEATURES, classes: int = CLASSES):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, features)).astype("float32")
    y = rng.integers(0, classes, size=samples)
    return x, y


def batchnorm_arrays():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(12, 4)) * [1.0, 2.0, 0.5, 3.0] + [0.5, -1.0, 2.0, 0.0]
    return x.astype("float32"), rng.normal(size=(12, 2)).astype("float32")


def fit_classifier(model, x, y, callbacks=None) -> list:
    """Two epochs of 21 samples in batches of 8 (the last holds 5: shares of 3 and 2),
    then one epoch of 17 (the last batch holds 1 sample: one rank's share is empty)."""
    options = {"batch_size": 8, "shuffle": False, "verbose": 0, "callbacks": callbacks}
    first = model.fit(x, y, epochs=2, **options)
    second = model.fit(x[:17], y[:17], epochs=1, **options)
    return [first.history, second.history]


def as_lists(weights) -> list:
    return [np.asarray(w).tolist() for w in weights]


def main(folder: str) -> None:
    rank = int(os.environ["RANK"])
    initial = os.path.join(folder, "initial.weights.h5")
    strategy = distribution.DataParallel()
    report = {"devices": strategy.devices, "num_replicas": strategy.num_replicas}
    # fit(shuffle=True) draws from NumPy's generator, unseeded here: the plan shared it.
    report["shuffled"] = np.random.permutation(1000)[:8].tolist()

    # The same global batches on every rank, from a checkpoint written by one process.
    with strategy:
        model = classifier()
    model.load_weights(initial)
    # Every rank saves the same checkpoint file at each epoch end, concurrently.
    checkpoint = kerasfront.callbacks.ModelCheckpoint(
        os.path.join(folder, "checkpoint.weights.h5"), save_weights_only=True
    )
    report["histories"] = fit_classifier(model, *arrays(0, 21), callbacks=[checkpoint])
    report["weights"] = as_lists(model.get_weights())
    x_test, y_test = arrays(1, 13)  # batches of 4, 4, 4 and 1
    report["evaluation"] = model.evaluate(x_test, y_test, batch_size=4, verbose=0)
    report["prediction"] = model.predict(x_test, batch_size=4).tolist()
    if rank == 0:
        model.save_weights(os.path.join(folder, "distributed.weights.h5"))

    # Different data on each rank, and different starting weights: rank 0's are
    # broadcast, then only all-reduced gradients can keep the replicas equal.
    with strategy:
        mixed = classifier()
    mixed.load_weights(initial)
    if rank == 1:
        mixed.set_weights([w + 1.0 for w in mixed.get_weights()])
    x_own, y_own = arrays(10 + rank, 8)
    report["mixed_history"] = mixed.fit(
        x_own, y_own, batch_size=4, epochs=1, shuffle=False, verbose=0
    ).history
    report["mixed_weights"] = as_lists(mixed.get_weights())
    report["all_reduces_per_step"] = count_all_reduces(mixed, x_own, y_own)

    with strategy:
        normalized = batchnorm_model()
    normalized.set_weights(batchnorm_initial_weights(normalized))
    normalized.fit(*batchnorm_arrays(), batch_size=5, epochs=1, shuffle=False, verbose=0)
    report["batchnorm_weights"] = as_lists(normalized.get_weights())

    # Keras 2's entry point: the model compiled after it runs on the 2 processes.
    replicated = kerasfront.utils.multi_gpu_model(classifier(), gpus=2)
    replicated.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    replicated.load_weights(initial)
    report["multi_gpu_replicas"] = replicated._distribution.num_replicas
    report["multi_gpu_evaluation"] = replicated.evaluate(x_test, y_test, batch_size=4, verbose=0)

    report.update(chief_only_callbacks(strategy, folder))
    report.update(dropout_masks(strategy))

    try:
        devices = distribution.DataParallel(devices=3).devices
        report["error"] = f"no error; devices {devices}"
    except ValueError as error:
        report["error"] = str(error)

    with open(os.path.join(folder, f"rank{rank}.json"), "w") as handle:
        json.dump(report, handle)


def dropout_masks(strategy) -> dict:
    """Two identical samples, one per rank, through Dropout: the kernel gradient this rank
    computed is zero where its mask dropped the input. Also the seed state afterwards,
    and a single-process twin's (the rank shift must be undone)."""

    def model():
        return kerasfront.Sequential(
            [
                layers.Dropout(0.5, seed=3, input_shape=(16,)),
                layers.Dense(1, use_bias=False, kernel_initializer="ones"),
            ]
        )

    with strategy:
        parallel = model()
        parallel.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    plan, recorded = strategy.plan, []
    original = plan.reduce_gradients

    def recording(grads, local_batch_size):
        recorded.append(grads[0].detach().cpu().numpy().ravel().tolist())
        return original(grads, local_batch_size)

    plan.reduce_gradients = recording
    x, y = np.ones((2, 16), "float32"), np.zeros((2, 1), "float32")
    try:
        parallel.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    finally:
        plan.reduce_gradients = original
    single = model()
    single.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    single.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    return {
        "dropout_grads": recorded[0],
        "seed_state": parallel.layers[0].seed_generator.state.numpy().tolist(),
        "single_seed_state": single.layers[0].seed_generator.state.numpy().tolist(),
    }


def chief_only_callbacks(strategy, folder: str) -> dict:
    """Progress, CSV rows and backups of one training, written by rank 0 alone: each rank
    records whether it printed a progress bar; rank 0 reads the CSV log afterwards."""
    with strategy:
        model = classifier()
    callbacks = [
        kerasfront.callbacks.CSVLogger(os.path.join(folder, "log.csv")),
        kerasfront.callbacks.BackupAndRestore(os.path.join(folder, "backup")),
    ]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        model.fit(*arrays(0, 21), batch_size=8, epochs=3, verbose=1, callbacks=callbacks)
    evaluated = io.StringIO()
    with contextlib.redirect_stdout(evaluated):
        model.evaluate(*arrays(1, 13), batch_size=4, verbose=1)
    strategy.barrier()  # rank 0 has closed the log
    with open(os.path.join(folder, "log.csv"), encoding="utf-8") as log:
        rows = log.read().splitlines()
    return {
        "printed_progress": "Epoch 1/3" in printed.getvalue(),
        "printed_evaluation": "loss" in evaluated.getvalue(),
        "csv_rows": rows,
        "backup_left": os.path.exists(os.path.join(folder, "backup")),
    }


def count_all_reduces(model, x, y) -> float:
    """All-reduces per training step: the gradients in one, the metrics in another."""
    original, calls = dist.all_reduce, []

    def counted(tensor, *args, **kwargs):
        calls.append(tensor.dtype)
        return original(tensor, *args, **kwargs)

    dist.all_reduce = counted
    try:
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    finally:
        dist.all_reduce = original
    return len(calls) / 2  # 8 samples in batches of 4


def batchnorm_initial_weights(model) -> list:
    rng = np.random.default_rng(7)
    return [np.abs(rng.normal(size=w.shape)).astype("float32") + 0.5 for w in model.get_weights()]


if __name__ == "__main__":
    main(sys.argv[1])
