"""Symbolic shapes with unknown dimensions: the engine's symbolic answer or a safe probe.

Slicing a fixed number of entries off an unknown axis used to give a size-0 axis (the
probe sizes were 2 and 3); a function that branches on a size, or leaves the engine, must
still get the right shape; an error of the function itself must surface as it is.
"""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.tracing import PROBE_SIZES, Spec, merge_probes


def symbolic_shape(function, input_shape):
    return layers.Lambda(function)(keras.Input(input_shape)).shape


def test_slicing_a_fixed_count_off_an_unknown_axis():
    function = lambda z: z[:, 4:] - z[:, :-4]  # noqa: E731
    assert symbolic_shape(function, (None,)) == (None, None)
    inputs = keras.Input((None,))
    model = keras.Model(inputs, layers.Lambda(function)(inputs))
    for width in (10, 7):
        x = np.arange(2 * width, dtype="float32").reshape(2, width)
        np.testing.assert_array_equal(model.predict(x, verbose=0), x[:, 4:] - x[:, :-4])


def test_known_axes_stay_known_next_to_unknown_ones():
    assert symbolic_shape(lambda z: z[:, 1:, ::2] * 2.0, (None, 6)) == (None, None, 3)
    assert symbolic_shape(lambda z: ops.sum(z, axis=1), (None, 5)) == (None, 5)
    assert symbolic_shape(lambda z: ops.reshape(z, (-1, 5)), (4, 5)) == (None, 5)


def test_a_python_branch_on_an_unknown_size_falls_back_to_probing():
    def function(z):
        # A size compared in Python: symbolic dims cannot answer, probe sizes can.
        return z[:, :3] if ops.shape(z)[1] > 3 else z

    assert symbolic_shape(function, (None,)) == (None, 3)


def test_probe_sizes_are_large_and_coprime():
    first, second = PROBE_SIZES
    assert min(PROBE_SIZES) >= 64 and np.gcd(first, second) == 1


def test_merge_probes_marks_changing_dims_unknown_and_refuses_rank_changes():
    merged = merge_probes([Spec((83, 4), "float32")], [Spec((89, 4), "float32")])
    assert merged == [Spec((None, 4), "float32")]
    with pytest.raises(ValueError, match="rank"):
        merge_probes(Spec((83,), "float32"), Spec((89, 1), "float32"))


def test_an_error_of_the_function_surfaces_with_the_layer_name():
    def wrong(z):
        raise ValueError("the function's own error")

    with pytest.raises(ValueError, match=r"lambda.*the function's own error"):
        layers.Lambda(wrong)(keras.Input((3,)))


@pytest.mark.skipif(ADAPTER.NAME != "torch", reason="torch's meta-tensor probe")
def test_torch_does_not_rerun_a_failing_function_on_real_data():
    devices = []

    def wrong(z):
        devices.append(z.device.type)
        raise ValueError("shape problem")

    with pytest.raises(ValueError, match="shape problem"):
        layers.Lambda(wrong)(keras.Input((None, 3)))
    assert devices == ["meta"]


@pytest.mark.skipif(ADAPTER.NAME != "torch", reason="torch's meta-tensor probe")
def test_torch_runs_functions_that_leave_the_engine_on_real_zeros():
    def leaves_torch(z):
        scale = float(ops.convert_to_numpy(ops.sum(z) * 0.0 + 2.0))  # needs real data
        return z[:, 2:] * scale

    assert symbolic_shape(leaves_torch, (None,)) == (None, None)
