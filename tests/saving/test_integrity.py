"""Integrity of the files we write: every weight array carries a CRC32, so one changed
byte in it is reported with the file, the layer and the weight, and nothing is loaded;
truncated and damaged files give a clear ValueError, never a crash or a hang.

The byte to flip is found with h5py (`dataset.id.get_offset()`, plus the member's
position in the zip for `.keras` files, whose weights member is stored uncompressed).
"""

import io
import os
import re
import signal
import struct
import zipfile
import zlib
from contextlib import contextmanager

import h5py
import numpy as np
import pytest

import kerasfront as keras
from kerasfront import callbacks, layers
from kerasfront.saving import keras_zip


@contextmanager
def no_hang(seconds=20):
    """Fails the test instead of waiting forever on a load that loops."""

    def fail(signum, frame):
        raise AssertionError(f"a load took more than {seconds} s (hang)")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def model():
    """A compiled model whose optimizer holds state (set, not trained: no compile of a
    step is needed to write it)."""
    network = keras.Sequential(
        [layers.Dense(3, input_shape=(2,), name="hidden"), layers.Dense(1, name="out")]
    )
    network.compile(keras.optimizers.SGD(0.1, momentum=0.9), loss="mse")
    rng = np.random.default_rng(3)
    network.set_weights([rng.normal(size=w.shape).astype("float32") for w in network.weights])
    momenta = [rng.normal(size=w.shape).astype("float32") for w in network.weights]
    network.optimizer.set_weights([np.array(7, "int64"), *momenta])
    return network


def flip_byte(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def dataset_offset(source, dataset_path):
    """Where the dataset's first byte lies in `source` (a path or bytes of HDF5)."""
    opened = io.BytesIO(source) if isinstance(source, bytes) else source
    with h5py.File(opened, "r") as handle:
        offset = handle[dataset_path].id.get_offset()
    assert offset is not None, f"{dataset_path} is not stored contiguously"
    return offset


def member_offset(path, name):
    """Where member `name`'s data starts in the zip at `path`."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
    name_length, extra_length = struct.unpack("<2H", header[26:30])
    return info, info.header_offset + 30 + name_length + extra_length


def weights_unchanged(network, before):
    for old, now in zip(before, network.get_weights(), strict=True):
        np.testing.assert_array_equal(old, now)


def test_flipped_byte_in_each_weight_of_a_weights_file_is_named(model, tmp_path):
    path = tmp_path / "model.weights.h5"
    model.save_weights(path)
    pristine = path.read_bytes()
    before = model.get_weights()
    for layer_name, weight in [("hidden", "kernel"), ("hidden", "bias"), ("out", "kernel")]:
        dataset = f"{layer_name}/{layer_name}/{weight}:0"
        path.write_bytes(pristine)
        flip_byte(path, dataset_offset(path, dataset) + 1)
        expected = (
            rf"{re.escape(str(path))}.*layer '{layer_name}', weight "
            rf"'{layer_name}/{weight}:0'.*fails its checksum"
        )
        with pytest.raises(ValueError, match=expected):
            model.load_weights(path)
        weights_unchanged(model, before)  # nothing assigned, not even the sound layers


def test_flipped_byte_in_a_whole_model_h5_weight_or_optimizer_weight(model, tmp_path):
    path = tmp_path / "model.h5"
    model.save(path)
    pristine = path.read_bytes()
    with h5py.File(path, "r") as handle:
        optimizer_names = [n.decode() for n in handle["optimizer_weights"].attrs["weight_names"]]
    cases = [
        ("model_weights/out/out/kernel:0", r"layer 'out', weight 'out/kernel:0'"),
        (f"optimizer_weights/{optimizer_names[2]}", f"optimizer weight '{optimizer_names[2]}'"),
    ]
    for dataset, named in cases:
        path.write_bytes(pristine)
        flip_byte(path, dataset_offset(path, dataset))
        with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*{named}.*checksum"):
            keras.models.load_model(path)
    path.write_bytes(pristine)
    restored = keras.models.load_model(path)
    weights_unchanged(restored, model.get_weights())
    weights_unchanged(restored.optimizer, model.optimizer.get_weights())


def test_flipped_byte_in_a_keras_file_names_the_weight_or_member(model, tmp_path):
    path = tmp_path / "model.keras"
    model.save(path)
    pristine = path.read_bytes()
    info, start = member_offset(path, keras_zip.WEIGHTS_MEMBER)
    assert info.compress_type == zipfile.ZIP_STORED  # so the HDF5 bytes lie in the zip as is
    member = pristine[start : start + info.file_size]
    with h5py.File(io.BytesIO(member), "r") as handle:
        optimizer_names = [n.decode() for n in handle["optimizer_weights"].attrs["weight_names"]]
    cases = [
        ("model_weights/hidden/hidden/bias:0", r"layer 'hidden', weight 'hidden/bias:0'"),
        (f"optimizer_weights/{optimizer_names[1]}", f"optimizer weight '{optimizer_names[1]}'"),
    ]
    before = model.get_weights()
    for dataset, named in cases:
        path.write_bytes(pristine)
        flip_byte(path, start + dataset_offset(member, dataset))
        pattern = rf"{re.escape(str(path))}.*{keras_zip.WEIGHTS_MEMBER}.*{named}.*checksum"
        with pytest.raises(ValueError, match=pattern):
            keras.models.load_model(path)
        with pytest.raises(ValueError, match=pattern):
            model.load_weights(path)
        weights_unchanged(model, before)
    # The compressed config: the zip's CRC-32 or the inflater catches it, naming the member.
    path.write_bytes(pristine)
    _, config_start = member_offset(path, keras_zip.CONFIG_MEMBER)
    flip_byte(path, config_start + 3)
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*'config.json'"):
        keras.models.load_model(path)


def test_flipped_byte_in_a_backup_is_refused_at_restore(model, tmp_path):
    backup_dir = tmp_path / "backup"
    writer = callbacks.BackupAndRestore(str(backup_dir))
    writer.set_model(model)
    writer.on_epoch_end(0)
    backup = backup_dir / "epoch_0.h5"
    flip_byte(backup, dataset_offset(backup, "model_weights/out/out/bias:0"))
    reader = callbacks.BackupAndRestore(str(backup_dir))
    reader.set_model(model)
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"epoch_0\.h5.*layer 'out', weight 'out/bias:0'"):
        reader.on_train_begin()
    weights_unchanged(model, before)


@pytest.mark.parametrize("kind", ["keras", "h5", "weights.h5"])
def test_truncated_files_give_a_clear_error(model, tmp_path, kind):
    path = tmp_path / f"model.{kind}"
    model.save(path) if kind != "weights.h5" else model.save_weights(path)
    pristine = path.read_bytes()
    load = keras.models.load_model if kind != "weights.h5" else model.load_weights
    size = len(pristine)
    for cut in sorted({0, 1, 4, 64, 512, size // 4, size // 2, 3 * size // 4, size - 22, size - 1}):
        path.write_bytes(pristine[:cut])
        with no_hang(), pytest.raises(ValueError, match=re.escape(str(path))):
            load(path)


@pytest.mark.parametrize("kind", ["keras", "h5", "weights.h5"])
def test_any_flipped_byte_is_refused_or_harmless(model, tmp_path, kind):
    """Flips bytes across the whole file (structure, attributes, data, zip headers): each
    load raises a ValueError or gives exactly the saved weights (a byte HDF5 never reads,
    such as padding or free space); never another error, a crash, a hang or other weights."""
    path = tmp_path / f"model.{kind}"
    model.save(path) if kind != "weights.h5" else model.save_weights(path)
    pristine = path.read_bytes()
    expected = model.get_weights()
    refused = 0
    for offset in range(0, len(pristine), max(1, len(pristine) // 120)):
        path.write_bytes(pristine)
        flip_byte(path, offset)
        with no_hang():
            try:
                if kind != "weights.h5":
                    loaded = keras.models.load_model(path, compile=False).get_weights()
                else:
                    model.load_weights(path)
                    loaded = model.get_weights()
            except ValueError:
                refused += 1
                continue
        same = [np.array_equal(a, b) for a, b in zip(loaded, expected, strict=True)]
        assert all(same), f"byte {offset} changed the loaded weights"
    assert refused > 0
    model.set_weights(expected)


def test_saved_files_carry_a_checksum_per_array(model, tmp_path):
    path = tmp_path / "model.h5"
    model.save(path)
    with h5py.File(path, "r") as handle:
        datasets = []
        handle.visititems(
            lambda name, item: datasets.append(item) if isinstance(item, h5py.Dataset) else None
        )
        assert len(datasets) == len(model.weights) + len(model.optimizer.get_weights())
        for dataset in datasets:
            value = np.ascontiguousarray(dataset[()])
            assert int(dataset.attrs["kerasfront_crc32"]) == zlib.crc32(value.tobytes())
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
