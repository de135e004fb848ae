"""TensorFlow data parallelism (`tf.distribute.MirroredStrategy`) on 2 logical CPUs.

Logical devices must be configured before TensorFlow starts, so every check runs in one
subprocess (data_parallel_tf_worker.py) that prints its results as JSON; the tests here
compare them with a single-device run and with NumPy references.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
    pytest.skip(
        "TensorFlow data parallelism runs with KERAS_BACKEND=tensorflow", allow_module_level=True
    )

RTOL, ATOL = 1e-5, 1e-5  # float32; the replicas sum in another order than one device
WORKER = os.path.join(os.path.dirname(__file__), "data_parallel_tf_worker.py")


@pytest.fixture(scope="module")
def result():
    completed = subprocess.run(
        [sys.executable, WORKER],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        # Logical CPU devices: on a GPU machine TensorFlow would otherwise take the GPU.
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    assert completed.returncode == 0 and lines, completed.stderr[-4000:]
    return json.loads(lines[-1][len("RESULT ") :])


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for each in sockets:
        each.bind(("localhost", 0))
    ports = [str(each.getsockname()[1]) for each in sockets]
    for each in sockets:
        each.close()
    return ports


def assert_histories_close(received, expected):
    assert sorted(received) == sorted(expected)
    for name in expected:
        np.testing.assert_allclose(received[name], expected[name], rtol=RTOL, atol=ATOL)


def assert_lists_close(received, expected):
    assert len(received) == len(expected)
    for got, want in zip(received, expected):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def assert_copies_equal(copies_per_weight, replicas=2):
    for copies in copies_per_weight:
        assert len(copies) == replicas
        for copy in copies[1:]:
            np.testing.assert_array_equal(copy, copies[0])


def test_fit_evaluate_predict_match_one_device(result):
    assert result["devices"] == ["cpu:0", "cpu:1"] and result["num_replicas"] == 2
    assert result["mirrored_in_scope"] == [True] * 4  # made under `with DataParallel()`
    single, parallel = result["single"], result["parallel"]
    # Batches of 5: the last holds 3 (2 + 1 per replica); validation batches too.
    assert_histories_close(parallel["history_uneven"], single["history_uneven"])
    # Batches of 4: the last holds 1 sample, so the second replica's share is empty.
    assert_histories_close(parallel["history_last_one"], single["history_last_one"])
    assert_lists_close(parallel["weights"], single["weights"])
    np.testing.assert_allclose(parallel["evaluate"], single["evaluate"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(parallel["predict"], single["predict"], rtol=RTOL, atol=ATOL)
    assert np.shape(parallel["predict"]) == (13, 2)  # the whole batch, in order
    assert_copies_equal(result["replica_copies"])


def test_each_replica_sees_its_slice_and_gradients_are_all_reduced(result):
    check = result["all_reduce"]
    x, y = np.asarray(result["X"])[:5], np.asarray(result["Y"])[:5]
    kernel, bias = (np.asarray(w) for w in check["before"])

    def mse_gradients(xs, ys):
        # d/dW of mean((x W + b - y)^2) over samples and outputs.
        error = xs @ kernel + bias - ys
        scale = 2.0 / error.size
        return xs.T @ error * scale, error.sum(axis=0) * scale

    assert check["sizes"] == [3, 2]  # contiguous shares, the first one larger
    first, second = check["local_kernel_grads"]
    np.testing.assert_allclose(first, mse_gradients(x[:3], y[:3])[0], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(second, mse_gradients(x[3:], y[3:])[0], rtol=RTOL, atol=ATOL)
    assert not np.allclose(first, second)
    # Every copy took the step of the whole batch's gradient (SGD, learning rate 0.1).
    kernel_gradient, bias_gradient = mse_gradients(x, y)
    for copy in check["kernel_copies"]:
        np.testing.assert_allclose(copy, kernel - 0.1 * kernel_gradient, rtol=RTOL, atol=ATOL)
    for copy in check["bias_copies"]:
        np.testing.assert_allclose(copy, bias - 0.1 * bias_gradient, rtol=RTOL, atol=ATOL)
    assert_copies_equal([check["kernel_copies"], check["bias_copies"]])


def test_batch_normalization_statistics_are_averaged_over_replicas(result):
    check = result["batch_norm"]
    x = np.asarray(result["X"], dtype=np.float64)[:11]
    epsilon, momentum = check["epsilon"], 0.5
    mean, variance = np.zeros(4), np.ones(4)
    # Batches of 6 and 5; each replica normalizes its own share, and the moving statistics
    # take the replicas' (Keras 2.2.4 corrected) statistics weighted by share size.
    for shares in ((x[0:3], x[3:6]), (x[6:9], x[9:11])):
        total = sum(len(share) for share in shares)
        batch_mean = sum(len(s) / total * s.mean(axis=0) for s in shares)
        batch_variance = sum(
            len(s) / total * s.var(axis=0) * len(s) / (len(s) - 1.0 - epsilon) for s in shares
        )
        mean = mean * momentum + batch_mean * (1 - momentum)
        variance = variance * momentum + batch_variance * (1 - momentum)
    np.testing.assert_allclose(check["moving_mean"], mean, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(check["moving_variance"], variance, rtol=RTOL, atol=ATOL)
    # The mean is linear in the data, so it equals the one-device run's.
    np.testing.assert_allclose(
        check["moving_mean"], check["single_moving_mean"], rtol=RTOL, atol=ATOL
    )
    assert_copies_equal(check["copies"])
    assert check["loss_finite"]


def test_checkpoints_move_between_distributed_and_single_device_models(result):
    parallel = result["parallel"]
    loaded = result["loaded_from_parallel"]
    np.testing.assert_allclose(loaded["weights_file"], parallel["predict"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(loaded["keras_file"], parallel["predict"], rtol=RTOL, atol=ATOL)
    received = result["loaded_from_single"]
    assert_lists_close(received["weights"], result["single"]["weights"])
    np.testing.assert_allclose(
        received["predict"], result["single"]["predict"], rtol=RTOL, atol=ATOL
    )
    assert_copies_equal(received["copies"])
    for copies, weight in zip(received["copies"], result["single"]["weights"]):
        np.testing.assert_allclose(copies[1], weight, rtol=RTOL, atol=ATOL)


def test_multi_gpu_model_mirrors_a_model_built_before(result):
    check = result["multi_gpu_model"]
    assert check["same_model"]
    assert check["mirrored_before"] == [False] * 4
    assert_copies_equal(check["copies"])  # re-created as mirrored when the step was built
    assert_histories_close(check["history"], check["single_history"])
    assert_lists_close(check["weights"], check["single_weights"])


def test_bad_devices_arguments_name_what_exists(result):
    errors = result["errors"]
    assert errors["too_many"].startswith("ValueError: DataParallel: devices=3")
    assert "['cpu:0', 'cpu:1']" in errors["too_many"]
    assert errors["unknown"].startswith("ValueError") and "'gpu:5'" in errors["unknown"]
    assert "'cpu:1'" in errors["unknown"]
    assert errors["twice"].startswith("ValueError") and "twice" in errors["twice"]


def test_two_workers_of_a_tf_config_cluster_train_as_one_device(result):
    ports = free_ports(2)
    workers = [
        subprocess.Popen(
            [sys.executable, WORKER, "multi-worker", str(index), *ports],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    outputs = []
    try:
        for worker in workers:
            stdout, stderr = worker.communicate(timeout=300)
            lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
            assert worker.returncode == 0 and lines, stderr[-4000:]
            outputs.append(json.loads(lines[-1][len("RESULT ") :]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    single = result["single"]
    for output in outputs:
        assert output["multi_worker"]
        assert output["devices"] == ["cpu:0"] and output["num_replicas"] == 2
        assert_histories_close(output["history_uneven"], single["history_uneven"])
        assert_histories_close(output["history_last_one"], single["history_last_one"])
        assert_lists_close(output["weights"], single["weights"])
        np.testing.assert_allclose(output["evaluate"], single["evaluate"], rtol=RTOL, atol=ATOL)
        # Every worker gets the outputs of the whole batch, gathered from both hosts.
        np.testing.assert_allclose(output["predict"], single["predict"], rtol=RTOL, atol=ATOL)


def test_replicas_draw_their_own_dropout_masks(result):
    check = result["dropout"]
    kept = [np.asarray(g).ravel() != 0 for g in check["local_kernel_grads"]]
    assert all(0 < k.sum() < 16 for k in kept)  # a mask with both kinds of entry
    assert (kept[0] != kept[1]).any()  # the replicas' masks differ
    # The seed state advances as on one device: the replicas' shifts are undone.
    np.testing.assert_array_equal(check["seed_state"], check["single_seed_state"])
