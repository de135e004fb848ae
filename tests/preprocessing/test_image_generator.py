"""ImageDataGenerator, flow and flow_from_directory against NumPy references."""

import os

import numpy as np
import pytest

from kerasfront.preprocessing import image

PIL = pytest.importorskip("PIL.Image")


def _images(count=10, size=8, channels=3, seed=0):
    return (
        np.random.RandomState(seed)
        .randint(0, 256, size=(count, size, size, channels))
        .astype("float32")
    )


def _batches(iterator, count):
    return [next(iterator) for _ in range(count)]


# --- transforms through the generator -------------------------------------------------


def test_apply_transform_flip_rotation_and_shift():
    gen = image.ImageDataGenerator(data_format="channels_last")
    x = _images(1)[0]
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_horizontal": True}), x[:, ::-1])
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_vertical": True}), x[::-1])
    rotated = image.ImageDataGenerator(interpolation_order=0).apply_transform(x, {"theta": 90})
    np.testing.assert_allclose(rotated, np.rot90(x, 1, axes=(0, 1)), atol=1e-4)
    shifted = gen.apply_transform(x, {"tx": 2})
    np.testing.assert_allclose(shifted[:, :-2], np.roll(x, -2, axis=1)[:, :-2], atol=1e-4)


def test_apply_transform_channels_first():
    gen = image.ImageDataGenerator(data_format="channels_first")
    x = _images(1)[0].transpose(2, 0, 1)
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_horizontal": True}), x[:, :, ::-1])


def test_horizontal_flip_yields_original_or_mirror_image():
    x = _images(16)
    gen = image.ImageDataGenerator(horizontal_flip=True)
    batch = next(gen.flow(x, batch_size=16, shuffle=False, seed=1))
    flipped = [np.array_equal(out, src[:, ::-1]) for out, src in zip(batch, x)]
    kept = [np.array_equal(out, src) for out, src in zip(batch, x)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert any(flipped) and any(kept)


@pytest.mark.parametrize("name, axis", [("width_shift_range", 1), ("height_shift_range", 0)])
def test_shift_ranges_move_along_the_axis_they_name(name, axis):
    x = _images(8, size=10)
    gen = image.ImageDataGenerator(**{name: [3]}, fill_mode="constant", cval=-1.0)
    batch = next(gen.flow(x, batch_size=8, shuffle=False, seed=0))
    inner = slice(3, -3)
    for out, src in zip(batch, x):
        rolled = [np.roll(src, shift, axis=axis) for shift in (3, -3)]
        index = (slice(None), inner) if axis == 1 else (inner, slice(None))
        assert any(np.allclose(out[index], r[index]) for r in rolled)


def test_get_random_transform_is_seeded_and_leaves_global_state_alone():
    gen = image.ImageDataGenerator(
        rotation_range=30,
        width_shift_range=0.2,
        height_shift_range=2,
        shear_range=5,
        zoom_range=0.1,
        channel_shift_range=10,
        brightness_range=(0.5, 1.5),
        horizontal_flip=True,
    )
    state = np.random.get_state()[1].copy()
    first = gen.get_random_transform((8, 8, 3), seed=3)
    assert first == gen.get_random_transform((8, 8, 3), seed=3)
    assert first != gen.get_random_transform((8, 8, 3), seed=4)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    assert abs(first["theta"]) <= 30 and abs(first["tx"]) <= 0.2 * 8
    assert first["ty"] in (-1, 0, 1) and 0.9 <= first["zx"] <= 1.1


def test_zoom_range_forms():
    assert image.ImageDataGenerator(zoom_range=0.2).zoom_range == pytest.approx([0.8, 1.2])
    assert image.ImageDataGenerator(zoom_range=(0.5, 2)).zoom_range == [0.5, 2]


# --- standardization -----------------------------------------------------------------


def test_rescale_and_preprocessing_function():
    x = _images(4)
    gen = image.ImageDataGenerator(rescale=1 / 255, preprocessing_function=lambda a: a + 1.0)
    batch = next(gen.flow(x, batch_size=4, shuffle=False))
    np.testing.assert_allclose(batch, (x + 1.0) / 255, rtol=1e-6)


def test_samplewise_std_normalization():
    x = _images(4)
    with pytest.warns(UserWarning, match="samplewise_center"):
        gen = image.ImageDataGenerator(samplewise_std_normalization=True)
    batch = next(gen.flow(x, batch_size=4, shuffle=False))
    for out, src in zip(batch, x):
        centred = src - src.mean()
        np.testing.assert_allclose(out, centred / (centred.std() + 1e-6), rtol=1e-4, atol=1e-5)


def test_featurewise_center_and_std_from_fit():
    x = _images(12)
    gen = image.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    gen.fit(x)
    mean = x.mean(axis=(0, 1, 2)).reshape(1, 1, 3)
    std = (x - mean).std(axis=(0, 1, 2)).reshape(1, 1, 3)
    np.testing.assert_allclose(gen.mean, mean, rtol=1e-5)
    np.testing.assert_allclose(gen.std, std, rtol=1e-5)
    batch = next(gen.flow(x, batch_size=12, shuffle=False))
    np.testing.assert_allclose(batch, (x - mean) / (std + 1e-6), rtol=1e-4, atol=1e-4)


def test_featurewise_center_channels_first():
    x = _images(6).transpose(0, 3, 1, 2)
    gen = image.ImageDataGenerator(featurewise_center=True, data_format="channels_first")
    gen.fit(x)
    assert gen.mean.shape == (3, 1, 1)
    np.testing.assert_allclose(gen.mean[:, 0, 0], x.mean(axis=(0, 2, 3)), rtol=1e-5)


def test_standardize_warns_when_not_fit():
    gen = image.ImageDataGenerator(featurewise_center=True)
    x = _images(1)[0]
    with pytest.warns(UserWarning, match="fit"):
        out = gen.standardize(x.copy())
    np.testing.assert_array_equal(out, x)


def test_zca_whitening_gives_identity_covariance():
    x = np.random.RandomState(1).rand(64, 4, 4, 1)
    with pytest.warns(UserWarning, match="featurewise_center"):
        gen = image.ImageDataGenerator(zca_whitening=True, zca_epsilon=1e-10)
    gen.fit(x)
    matrix = gen.zca_whitening_matrix
    np.testing.assert_allclose(matrix, matrix.T, atol=1e-6)
    white = gen.standardize(x.astype("float64")).reshape(64, -1)
    np.testing.assert_allclose(white.T @ white / 64, np.eye(16), atol=1e-3)


def test_fit_with_augmentation_is_seeded():
    x = _images(6)
    first = image.ImageDataGenerator(featurewise_center=True, rotation_range=40)
    second = image.ImageDataGenerator(featurewise_center=True, rotation_range=40)
    first.fit(x, augment=True, rounds=2, seed=9)
    second.fit(x, augment=True, rounds=2, seed=9)
    np.testing.assert_array_equal(first.mean, second.mean)


# --- flow ------------------------------------------------------------------------------


def test_flow_batches_labels_and_weights_stay_aligned():
    x = np.arange(10, dtype="float32")[:, None, None, None] * np.ones((10, 4, 4, 1))
    y = np.arange(10)
    weights = np.arange(10) / 10
    iterator = image.ImageDataGenerator().flow(x, y, batch_size=4, sample_weight=weights, seed=2)
    assert len(iterator) == 3
    sizes = []
    for _ in range(3):
        batch_x, batch_y, batch_w = next(iterator)
        sizes.append(len(batch_x))
        np.testing.assert_array_equal(batch_x[:, 0, 0, 0], batch_y)
        np.testing.assert_allclose(batch_w, batch_y / 10)
    assert sizes == [4, 4, 2]


def test_flow_with_extra_inputs_and_without_labels():
    x, extra = _images(5), np.arange(5)
    batch = next(image.ImageDataGenerator().flow((x, extra), batch_size=5, shuffle=False))
    assert isinstance(batch, list) and batch[0].shape == (5, 8, 8, 3)
    np.testing.assert_array_equal(batch[1], extra)


def test_same_seed_same_batches():
    x, y = _images(10), np.arange(10)
    gen = image.ImageDataGenerator(rotation_range=20, zoom_range=0.2, horizontal_flip=True)
    first = _batches(gen.flow(x, y, batch_size=3, seed=5), 6)
    second = _batches(gen.flow(x, y, batch_size=3, seed=5), 6)
    other = _batches(gen.flow(x, y, batch_size=3, seed=6), 6)
    for (a_x, a_y), (b_x, b_y) in zip(first, second):
        np.testing.assert_array_equal(a_x, b_x)
        np.testing.assert_array_equal(a_y, b_y)
    assert not all(np.array_equal(a[0], c[0]) for a, c in zip(first, other))
    indexed = gen.flow(x, y, batch_size=3, seed=5)
    np.testing.assert_array_equal(indexed[0][1], gen.flow(x, y, batch_size=3, seed=5)[0][1])


def test_sequence_protocol():
    from kerasfront.utils.sequence import Sequence

    iterator = image.ImageDataGenerator().flow(_images(7), np.arange(7), batch_size=3, seed=0)
    assert isinstance(iterator, Sequence) and iter(iterator) is iterator
    assert len(iterator) == 3 and len(iterator[2][0]) == 1
    with pytest.raises(ValueError, match="out of range"):
        iterator[3]
    order = iterator.index_array.copy()
    iterator.on_epoch_end()
    assert sorted(iterator.index_array) == sorted(order)
    next(iterator)
    iterator.reset()
    assert iterator.batch_index == 0


def test_flow_validation_split():
    x, y = _images(10), np.tile([0, 1], 5)
    gen = image.ImageDataGenerator(validation_split=0.2)
    val = gen.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    train = gen.flow(x, y, batch_size=10, shuffle=False, subset="training")
    np.testing.assert_array_equal(next(val)[0], x[:2])
    np.testing.assert_array_equal(next(train)[0], x[2:])
    with pytest.raises(ValueError, match="different sets of labels"):
        gen.flow(x, np.sort(y), subset="training")
    assert gen.flow(x, np.sort(y), subset="training", ignore_class_split=True).n == 8


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda g: g.flow(np.zeros((4, 8, 8))), "rank 4"),
        (lambda g: g.flow(np.zeros((4, 8, 8, 3)), np.zeros(3)), "same length"),
        (lambda g: g.flow(np.zeros((4, 8, 8, 3)), sample_weight=np.ones(5)), "sample_weight"),
        (lambda g: g.flow(np.zeros((4, 8, 8, 3)), subset="test"), "subset"),
        (lambda g: g.flow(np.zeros((4, 8, 8, 3)), batch_size=0), "batch_size"),
        (lambda g: g.fit(np.zeros((8, 8, 3))), "rank 4"),
    ],
)
def test_flow_and_fit_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call(image.ImageDataGenerator())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"fill_mode": "mirror"}, "fill_mode"),
        ({"data_format": "NHWC"}, "data_format"),
        ({"brightness_range": 0.5}, "brightness_range"),
        ({"brightness_range": (0.5, 1.0, 1.5)}, "brightness_range"),
        ({"zoom_range": (0.5,)}, "zoom_range"),
        ({"validation_split": 1.5}, "validation_split"),
        ({"width_shift_range": "0.2"}, "width_shift_range"),
        ({"rotation_range": None}, "rotation_range"),
        ({"interpolation_order": 7}, "interpolation_order"),
        ({"preprocessing_function": 3}, "preprocessing_function"),
    ],
)
def test_constructor_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        image.ImageDataGenerator(**kwargs)


def test_channel_count_warning():
    with pytest.warns(UserWarning, match="channels"):
        image.ImageDataGenerator().flow(np.zeros((2, 8, 8, 5)))


def test_flow_save_to_dir(tmp_path):
    gen = image.ImageDataGenerator()
    next(gen.flow(_images(3), batch_size=3, save_to_dir=str(tmp_path), save_prefix="aug", seed=1))
    saved = sorted(os.listdir(tmp_path))
    assert len(saved) == 3 and all(
        name.startswith("aug_") and name.endswith(".png") for name in saved
    )


# --- flow_from_directory --------------------------------------------------------------


@pytest.fixture
def image_folder(tmp_path):
    """Three class folders of 8x8 images: lossless PNGs plus one JPEG and a stray text file."""
    rng = np.random.RandomState(0)
    pixels = {}
    for name, count in (("cat", 3), ("dog", 2), ("owl", 4)):
        (tmp_path / name).mkdir()
        for index in range(count):
            array = rng.randint(0, 256, size=(8, 8, 3)).astype("uint8")
            pixels[os.path.join(name, f"img{index}.png")] = array
            PIL.fromarray(array).save(tmp_path / name / f"img{index}.png")
        (tmp_path / name / "readme.txt").write_text("not an image")
    PIL.fromarray(rng.randint(0, 256, (10, 12, 3)).astype("uint8")).save(tmp_path / "owl" / "z.jpg")
    return tmp_path, pixels


def test_directory_listing_and_labels(image_folder):
    folder, pixels = image_folder
    iterator = image.ImageDataGenerator().flow_from_directory(
        folder, target_size=(8, 8), batch_size=4, shuffle=False
    )
    assert iterator.class_indices == {"cat": 0, "dog": 1, "owl": 2}
    assert iterator.samples == 10 and iterator.num_classes == 3
    np.testing.assert_array_equal(iterator.classes, [0, 0, 0, 1, 1, 2, 2, 2, 2, 2])
    assert iterator.filenames[:3] == [os.path.join("cat", f"img{i}.png") for i in range(3)]
    assert iterator.filenames[-1] == os.path.join("owl", "z.jpg")
    assert iterator.filepaths[0] == os.path.join(str(folder), "cat", "img0.png")
    batch_x, batch_y = next(iterator)
    assert batch_x.shape == (4, 8, 8, 3) and batch_x.dtype == np.float32
    np.testing.assert_array_equal(batch_y, np.eye(3)[[0, 0, 0, 1]])
    for out, name in zip(batch_x, iterator.filenames[:4]):
        np.testing.assert_array_equal(out, pixels[name])


@pytest.mark.parametrize(
    "class_mode, expected",
    [("binary", [0, 0, 1]), ("sparse", [0, 0, 1]), ("input", None), (None, None)],
)
def test_directory_class_modes(image_folder, class_mode, expected):
    folder, _ = image_folder
    iterator = image.ImageDataGenerator().flow_from_directory(
        folder,
        target_size=(4, 4),
        classes=["dog", "cat"],
        class_mode=class_mode,
        batch_size=3,
        shuffle=False,
    )
    assert iterator.class_indices == {"dog": 0, "cat": 1}
    batch = next(iterator)
    if class_mode is None:
        assert batch.shape == (3, 4, 4, 3)
    elif class_mode == "input":
        np.testing.assert_array_equal(batch[0], batch[1])
    else:
        np.testing.assert_array_equal(batch[1], expected)


def test_directory_grayscale_and_channels_first(image_folder):
    folder, _ = image_folder
    gen = image.ImageDataGenerator(data_format="channels_first")
    iterator = gen.flow_from_directory(folder, target_size=(5, 6), color_mode="grayscale")
    batch_x, _ = next(iterator)
    assert batch_x.shape == (10, 1, 5, 6)


def test_directory_batches_reproducible_with_seed(image_folder):
    folder, _ = image_folder
    gen = image.ImageDataGenerator(rotation_range=30, horizontal_flip=True)

    def run(seed):
        flow = gen.flow_from_directory(folder, target_size=(8, 8), batch_size=3, seed=seed)
        return _batches(flow, 4)

    for (a_x, a_y), (b_x, b_y) in zip(run(4), run(4)):
        np.testing.assert_array_equal(a_x, b_x)
        np.testing.assert_array_equal(a_y, b_y)


def test_directory_validation_split(image_folder):
    folder, _ = image_folder
    gen = image.ImageDataGenerator(validation_split=0.5)
    val = gen.flow_from_directory(folder, target_size=(8, 8), subset="validation")
    train = gen.flow_from_directory(folder, target_size=(8, 8), subset="training")
    assert val.samples + train.samples == 10
    assert not set(val.filenames) & set(train.filenames)
    assert val.filenames[0] == os.path.join("cat", "img0.png")


def test_directory_rejects_bad_arguments(image_folder, tmp_path):
    folder, _ = image_folder
    gen = image.ImageDataGenerator()
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(folder, class_mode="onehot")
    with pytest.raises(ValueError, match="color_mode"):
        gen.flow_from_directory(folder, color_mode="cmyk")
    with pytest.raises(ValueError, match="subset"):
        gen.flow_from_directory(folder, subset="test")
    with pytest.raises(ValueError, match="target_size"):
        gen.flow_from_directory(folder, target_size=8)
    with pytest.raises(ValueError, match="classes"):
        gen.flow_from_directory(folder, classes=["cat", "horse"])
    with pytest.raises(FileNotFoundError, match="directory"):
        gen.flow_from_directory(tmp_path / "missing")
