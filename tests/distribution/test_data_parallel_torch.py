"""PyTorch data parallelism: 2 gloo processes on the CPU against single-process runs.

One launch of `torchrun` (module fixture) runs tests/distribution/
data_parallel_torch_worker.py on 2 ranks; the tests compare what each rank reports with
the same functions run here in one process, and the ranks with each other.
Tolerance: float32, rtol 1e-5 / atol 1e-5 (the replicas add their shares of the
gradient in another order than one process does).
"""

import importlib.util
import json
import os
import pathlib
import socket
import subprocess
import sys

import numpy as np
import pytest

if os.environ.get("KERAS_BACKEND") != "torch":
    pytest.skip("PyTorch data parallelism runs with KERAS_BACKEND=torch", allow_module_level=True)

from kerasfront import distribution  # noqa: E402

HERE = pathlib.Path(__file__).parent
WORKER_PATH = HERE / "data_parallel_torch_worker.py"
RTOL = ATOL = 1e-5
WORLD = 2


def _load_worker():
    spec = importlib.util.spec_from_file_location("data_parallel_torch_worker", WORKER_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


worker = _load_worker()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _initial_weights(model) -> list:
    rng = np.random.default_rng(3)
    return [0.5 * rng.normal(size=w.shape).astype("float32") for w in model.get_weights()]


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """The reports of both ranks, and the folder holding the checkpoints."""
    folder = tmp_path_factory.mktemp("torch_data_parallel")
    # A checkpoint written by one process, which the distributed run starts from.
    model = worker.classifier()
    model.set_weights(_initial_weights(model))
    model.save_weights(str(folder / "initial.weights.h5"))
    command = [
        sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={WORLD}",
        "--master_addr=127.0.0.1", f"--master_port={_free_port()}",
        str(WORKER_PATH), str(folder),
    ]  # fmt: skip
    # gloo over CPU processes: on a GPU machine each rank would otherwise take the GPU.
    environment = {**os.environ, "KERAS_BACKEND": "torch", "OMP_NUM_THREADS": "1"}
    environment["CUDA_VISIBLE_DEVICES"] = ""
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-4000:]
    reports = [json.loads((folder / f"rank{r}.json").read_text()) for r in range(WORLD)]
    return reports, folder


@pytest.fixture(scope="module")
def reference(launched):
    """The classifier trained in this one process on the same global batches."""
    _, folder = launched
    model = worker.classifier()
    model.load_weights(str(folder / "initial.weights.h5"))
    histories = worker.fit_classifier(model, *worker.arrays(0, 21))
    return model, histories


def _assert_weights_close(received, expected):
    assert len(received) == len(expected)
    for got, want in zip(received, expected):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=RTOL, atol=ATOL)


def _assert_histories_close(received, expected):
    for got, want in zip(received, expected):
        assert sorted(got) == sorted(want)
        for name in want:
            np.testing.assert_allclose(got[name], want[name], rtol=RTOL, atol=ATOL)


def test_processes_are_the_replicas(launched):
    reports, _ = launched
    for report in reports:
        assert report["num_replicas"] == WORLD
        assert report["devices"] == ["cpu:0"] * WORLD


def test_ranks_shuffle_alike(launched):
    """The plan gives every rank rank 0's random states: a shuffled epoch orders the
    samples the same way on each rank, so the shares make up one global batch."""
    reports, _ = launched
    assert reports[0]["shuffled"] == reports[1]["shuffled"]


def test_loss_curve_metrics_and_weights_equal_one_process(launched, reference):
    """Epochs whose last batch holds 5 samples (shares 3 and 2) and 1 sample (rank 1's
    share empty): History's loss and accuracy and the final weights are those of one
    process on the same global batches; the run started from a single-process checkpoint."""
    reports, _ = launched
    model, histories = reference
    for report in reports:
        _assert_histories_close(report["histories"], histories)
        _assert_weights_close(report["weights"], model.get_weights())


def test_replicas_stay_identical_on_different_data(launched):
    """Each rank fits its own arrays from its own starting weights: rank 0's weights are
    broadcast, and after the all-reduced steps both ranks hold exactly the same weights,
    those of one process trained on the batches the ranks' shares make up."""
    reports, folder = launched
    for first, second in zip(reports[0]["mixed_weights"], reports[1]["mixed_weights"]):
        np.testing.assert_array_equal(first, second)
    assert reports[0]["mixed_history"] == reports[1]["mixed_history"]
    (x0, y0), (x1, y1) = worker.arrays(10, 8), worker.arrays(11, 8)
    # Global batches of 4: rank 0 takes rows 0-1 of its own batch, rank 1 rows 2-3 of its.
    steps = [(slice(b, b + 2), slice(b + 2, b + 4)) for b in (0, 4)]
    x = np.concatenate([part for first, second in steps for part in (x0[first], x1[second])])
    y = np.concatenate([part for first, second in steps for part in (y0[first], y1[second])])
    model = worker.classifier()
    model.load_weights(str(folder / "initial.weights.h5"))
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history
    _assert_histories_close([reports[0]["mixed_history"]], [history])
    _assert_weights_close(reports[0]["mixed_weights"], model.get_weights())


def test_batchnorm_statistics_are_averaged_over_replicas(launched):
    """Each replica normalizes with its own share's statistics (as tf.keras's
    MirroredStrategy does); the moving statistics are the share-weighted average of
    the replicas' updates, identical on both ranks."""
    reports, _ = launched
    for first, second in zip(reports[0]["batchnorm_weights"], reports[1]["batchnorm_weights"]):
        np.testing.assert_array_equal(first, second)
    model = worker.batchnorm_model()
    initial = worker.batchnorm_initial_weights(model)
    # get_weights lists layer by layer (Keras 2's Model.get_weights): the BatchNormalization
    # layer first, its weights gamma, beta, moving mean, moving variance.
    moving_mean, moving_variance = (w.astype("float64") for w in initial[2:4])
    x, _ = worker.batchnorm_arrays()
    momentum, epsilon = 0.8, 1e-3
    for start in range(0, len(x), 5):
        batch = x[start : start + 5].astype("float64")
        shares = np.array_split(batch, WORLD)
        mean = sum(len(s) / len(batch) * s.mean(axis=0) for s in shares)
        # Keras 2's moving variance: the share's variance times n / (n - 1 - epsilon).
        variance = sum(
            len(s) / len(batch) * s.var(axis=0) * len(s) / (len(s) - 1 - epsilon) for s in shares
        )
        moving_mean = momentum * moving_mean + (1 - momentum) * mean
        moving_variance = momentum * moving_variance + (1 - momentum) * variance
    weights = reports[0]["batchnorm_weights"]
    np.testing.assert_allclose(weights[2], moving_mean, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(weights[3], moving_variance, rtol=RTOL, atol=ATOL)


def test_evaluate_and_predict_equal_one_process(launched, reference):
    """13 samples in batches of 4: the last batch (1 sample) leaves rank 1 empty."""
    reports, _ = launched
    model, _ = reference
    x, y = worker.arrays(1, 13)
    expected_evaluation = model.evaluate(x, y, batch_size=4, verbose=0)
    expected_prediction = model.predict(x, batch_size=4)
    for report in reports:
        np.testing.assert_allclose(report["evaluation"], expected_evaluation, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(report["prediction"], expected_prediction, rtol=RTOL, atol=ATOL)


def test_multi_gpu_model_runs_on_the_processes(launched):
    """Keras 2's multi_gpu_model(model, gpus=2), compiled and evaluated on 2 ranks."""
    reports, folder = launched
    model = worker.classifier()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.load_weights(str(folder / "initial.weights.h5"))
    expected = model.evaluate(*worker.arrays(1, 13), batch_size=4, verbose=0)
    for report in reports:
        assert report["multi_gpu_replicas"] == WORLD
        np.testing.assert_allclose(report["multi_gpu_evaluation"], expected, rtol=RTOL, atol=ATOL)


def test_distributed_checkpoint_loads_in_one_process(launched):
    """Rank 0's save_weights, and the ModelCheckpoint file both ranks wrote at every epoch
    end (atomic saves: each rename puts a complete file in place), load here."""
    reports, folder = launched
    model = worker.classifier()
    for name in ("distributed.weights.h5", "checkpoint.weights.h5"):
        model.load_weights(str(folder / name))
        for got, want in zip(model.get_weights(), reports[0]["weights"]):
            np.testing.assert_array_equal(got, np.asarray(want, dtype=got.dtype))
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_one_bucket_per_collective(launched):
    """A training step all-reduces its gradients in one flat buffer and its metric
    accumulators in another, not one collective per tensor."""
    reports, _ = launched
    assert [report["all_reduces_per_step"] for report in reports] == [2, 2]


def test_device_count_must_match_the_world(launched):
    message = launched[0][0]["error"]
    assert "devices=3" in message and "WORLD_SIZE=2" in message
    assert "torchrun --nproc_per_node 3" in message


def test_one_process_outside_torchrun():
    """Without torchrun the world is this process: DataParallel() trains as one device
    would; more devices than processes is an error that says how to launch."""
    assert "WORLD_SIZE" not in os.environ
    x, y = worker.arrays(0, 9)
    plain = worker.classifier()
    start = plain.get_weights()
    strategy = distribution.DataParallel()
    assert strategy.num_replicas == 1
    with strategy:
        parallel = worker.classifier()
    parallel.set_weights(start)
    expected = plain.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history
    received = parallel.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history
    _assert_histories_close([received], [expected])
    _assert_weights_close(parallel.get_weights(), plain.get_weights())
    with pytest.raises(ValueError, match="torchrun --nproc_per_node 2"):
        distribution.DataParallel(devices=2).devices  # noqa: B018 - makes the plan


def test_logs_progress_and_backups_come_from_rank_zero(launched):
    reports, _ = launched
    assert [r["printed_progress"] for r in reports] == [True, False]
    assert [r["printed_evaluation"] for r in reports] == [True, False]
    rows = reports[0]["csv_rows"]
    assert rows[0].split(",")[0] == "epoch"
    assert [row.split(",")[0] for row in rows[1:]] == ["0", "1", "2"]  # once each
    assert not any(r["backup_left"] for r in reports)  # deleted once, after both finished


def test_ranks_draw_their_own_dropout_masks(launched):
    reports, _ = launched
    kept = [np.asarray(r["dropout_grads"]) != 0 for r in reports]
    assert all(0 < k.sum() < 16 for k in kept)  # a mask with both kinds of entry
    assert (kept[0] != kept[1]).any()  # the ranks' masks differ
    for report in reports:  # the seed state advances as in one process: shifts undone
        assert report["seed_state"] == report["single_seed_state"]
