"""Data parallelism on JAX over 8 simulated CPU devices, against the same model on one.

The device count must be set before JAX starts, so every check runs in one subprocess
(data_parallel_jax_worker.py) that prints its results as JSON; the reference for each
distributed number is the single-device run on the same global batches (70 samples in
batches of 16: four batches split 8 ways and a last one of 6, which does not divide).
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "jax",
    reason="JAX's sharding over simulated devices; runs in the KERAS_BACKEND=jax run",
)

WORKER = pathlib.Path(__file__).with_name("data_parallel_jax_worker.py")
# float32: the devices' partial sums are added in another order than one device's sum.
RTOL, ATOL = 1e-5, 1e-5


@pytest.fixture(scope="module")
def result():
    completed = subprocess.run(
        [sys.executable, str(WORKER)],
        # Simulated CPU devices: on a GPU machine JAX would otherwise take the GPU.
        env={**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    line = next(line for line in completed.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def assert_histories_close(actual, expected):
    assert actual.keys() == expected.keys()
    for name in expected:
        np.testing.assert_allclose(actual[name], expected[name], rtol=RTOL, atol=ATOL)


def assert_all_close(actual, expected):
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_fit_equals_one_device_on_the_same_global_batches(result):
    # BatchNormalization's moments and statistics, Adam's state, loss and accuracy.
    assert result["parallel_devices"] == result["devices"] and len(result["devices"]) == 8
    assert_histories_close(result["parallel"]["history"], result["single"]["history"])
    assert_all_close(result["parallel"]["weights"], result["single"]["weights"])


def test_an_array_read_before_fit_stays_valid(result):
    assert result["held_array_intact"]


def test_evaluate_and_predict_equal_one_device(result):
    np.testing.assert_allclose(
        result["parallel"]["evaluate"], result["single"]["evaluate"], rtol=RTOL, atol=ATOL
    )
    predicted = np.asarray(result["parallel"]["predict"])
    assert predicted.shape == (70, 3)  # the outputs of the whole batch, gathered
    np.testing.assert_allclose(predicted, result["single"]["predict"], rtol=RTOL, atol=ATOL)


def test_each_device_takes_its_share_of_the_batch(result):
    # What the model's input looked like inside each compiled step: the batches of 16 are
    # split into 8 shares of 2 rows, the last batch of 6 (not divisible) is on every device.
    split, whole = [8, False, [2, 8]], [8, True, [6, 8]]
    for phase in ("fit", "evaluate", "predict"):
        assert result["parallel"]["seen"][phase] == [split, whole], phase
        assert result["single"]["seen"][phase] == [[1, True, [16, 8]], [1, True, [6, 8]]]


def test_weights_stay_replicated_and_equal_on_every_device(result):
    # Each device saw other data; equal copies mean the gradients were all-reduced.
    assert len(result["replication"]) == 8  # 2 Dense x 2 and BatchNormalization's 4
    for weight in result["replication"]:
        assert weight == {"devices": 8, "fully_replicated": True, "copies_equal": True}


def test_checkpoints_move_between_distributed_and_single_device_models(result):
    single, parallel = result["single"]["predict"], result["parallel"]["predict"]
    loaded = result["loaded_from_parallel"]
    np.testing.assert_allclose(loaded["weights_file"], parallel, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(loaded["keras_file"], parallel, rtol=RTOL, atol=ATOL)
    received = result["loaded_from_single"]
    np.testing.assert_allclose(received["predict"], single, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        received["evaluate"], result["single"]["evaluate"], rtol=RTOL, atol=ATOL
    )
    # Loaded after compile, the weights were placed on the 4 devices when a step ran.
    assert received["devices"] == [4] * len(received["devices"])


def test_multi_gpu_model_and_set_distribution(result):
    old_style = result["multi_gpu_model"]
    assert old_style["devices"] == ["cpu:0", "cpu:1"]
    # 16 -> 2 x 8; the last batch, 6, divides by 2 as well.
    assert old_style["seen"] == [[2, False, [8, 8]], [2, False, [3, 8]]]
    assert_histories_close(old_style["history"], result["single"]["history"])
    global_setting = result["set_distribution"]
    assert global_setting["devices"] == ["cpu:1", "cpu:3"]
    assert global_setting["weight_devices"] == ["cpu:1", "cpu:3"]
    assert_histories_close(global_setting["history"], result["single"]["history"])


def test_bad_devices_arguments_name_what_exists(result):
    errors = result["errors"]
    for key in ("too_many", "unknown_name", "zero"):
        assert errors[key].startswith("ValueError: DataParallel"), errors[key]
        assert "'cpu:7'" in errors[key], errors[key]
    assert "'gpu:0'" in errors["unknown_name"]
    assert "9 devices" in errors["too_many"]
    assert errors["repeated"].startswith("ValueError") and "twice" in errors["repeated"]
    assert errors["string"].startswith("TypeError") and "received str" in errors["string"]
