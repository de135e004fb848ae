"""Tests for kerasfront.utils.io_utils.HDF5Matrix, using small files under tmp_path."""

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from kerasfront.utils.io_utils import HDF5Matrix  # noqa: E402

DATA = np.arange(60, dtype="float32").reshape(20, 3)


@pytest.fixture
def h5_path(tmp_path):
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as f:
        f["x"] = DATA
        f.create_group("group")["y"] = DATA[:, 0]
        f["soft"] = h5py.SoftLink("/group/y")
    return path


def test_view_properties(h5_path):
    matrix = HDF5Matrix(h5_path, "x", start=5, end=15)
    assert len(matrix) == 10
    assert matrix.shape == (10, 3) and matrix.ndim == 2 and matrix.size == 30
    assert matrix.dtype == np.float32
    assert matrix.data.file.mode == "r"
    assert HDF5Matrix(str(h5_path), "x").shape == (20, 3)


@pytest.mark.parametrize(
    "key",
    [
        0,
        9,
        -1,
        np.int64(3),
        slice(None),
        slice(2, 5),
        slice(4, 100),
        slice(None, None, 3),
        slice(None, None, -2),
        slice(8, 2, -1),
        slice(5, 5),
        [3, 1, 1],
        [],
        np.array([9, 0]),
        [-1, -10],
        np.arange(10) % 3 == 0,
    ],
)
def test_indexing_matches_numpy(h5_path, key):
    matrix = HDF5Matrix(h5_path, "x", start=5, end=15)
    np.testing.assert_array_equal(matrix[key], DATA[5:15][key])


def test_normalizer_and_soft_link(h5_path):
    matrix = HDF5Matrix(h5_path, "x", normalizer=lambda v: v.astype("float64") / 2)
    assert matrix.dtype == np.float64
    np.testing.assert_array_equal(matrix[1:3], DATA[1:3] / 2)
    np.testing.assert_array_equal(HDF5Matrix(h5_path, "soft")[:4], DATA[:4, 0])
    np.testing.assert_array_equal(HDF5Matrix(h5_path, "/group/y")[[2]], DATA[[2], 0])


def test_bad_indices(h5_path):
    matrix = HDF5Matrix(h5_path, "x", start=5, end=15)
    for key in (10, -11, [0, 10]):
        with pytest.raises(IndexError, match="10 rows"):
            matrix[key]
    with pytest.raises(TypeError, match="float"):
        matrix[1.5]
    with pytest.raises(TypeError):
        matrix[np.zeros((2, 2), dtype=int)]


def test_bad_construction(h5_path):
    with pytest.raises(KeyError, match="missing"):
        HDF5Matrix(h5_path, "missing")
    with pytest.raises(ValueError, match="Group"):
        HDF5Matrix(h5_path, "group")
    with pytest.raises(ValueError, match="start=5, end=2"):
        HDF5Matrix(h5_path, "x", start=5, end=2)
    with pytest.raises(ValueError, match="end=30"):
        HDF5Matrix(h5_path, "x", end=30)


def test_refuses_data_outside_the_file(tmp_path):
    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as f:
        f["x"] = DATA
    path = tmp_path / "links.h5"
    with h5py.File(path, "w") as f:
        f["external"] = h5py.ExternalLink(str(source), "/x")
        f.create_group("g")["deeper"] = h5py.ExternalLink(str(source), "/")
        layout = h5py.VirtualLayout(shape=(20, 3), dtype="float32")
        layout[:] = h5py.VirtualSource(str(source), "x", shape=(20, 3))
        f.create_virtual_dataset("virtual", layout)
        f.create_dataset("raw", (4,), dtype="f4", external=[(str(tmp_path / "raw.bin"), 0, 16)])
    with pytest.raises(ValueError, match="external link"):
        HDF5Matrix(path, "external")
    with pytest.raises(ValueError, match="external link"):
        HDF5Matrix(path, "g/deeper/x")
    with pytest.raises(ValueError, match="virtual"):
        HDF5Matrix(path, "virtual")
    with pytest.raises(ValueError, match="external raw files"):
        HDF5Matrix(path, "raw")
