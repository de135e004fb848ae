"""API patterns of the Keras 2 vision examples (keras-team/keras 2.2.x `examples/`):
antirectifier, cifar10_cnn, cifar10_cnn_capsule, cifar10_resnet, mnist_cnn, mnist_mlp,
mnist_transfer_cnn, mnist_swwae, mnist_net2net, reuters_mlp_relu_vs_selu and
mnist_sklearn_wrapper, each reduced to the calls that once failed here."""

import os

import numpy as np

from kerasfront import backend as K
from kerasfront import callbacks, layers, models, utils


def _tiny_classifier(rng):
    model = models.Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    x = rng.rand(12, 4).astype("float32")
    y = utils.to_categorical(rng.randint(0, 3, 12), 3)
    return model, x, y


def test_callbacks_monitor_keras22_accuracy_names(tmp_path):
    # cifar10_resnet: metrics=["accuracy"] with ModelCheckpoint(monitor="val_acc",
    # save_best_only=True); Keras 2.2 logged the accuracy as acc/val_acc.
    rng = np.random.RandomState(0)
    model, x, y = _tiny_classifier(rng)
    pattern = os.path.join(str(tmp_path), "model.{epoch:03d}.h5")
    checkpoint = callbacks.ModelCheckpoint(pattern, monitor="val_acc", save_best_only=True)
    history = model.fit(
        x, y, batch_size=6, epochs=2, verbose=0, validation_data=(x, y), callbacks=[checkpoint]
    )
    accuracies = history.history["val_accuracy"]
    expected = ["model.001.h5"] + (["model.002.h5"] if accuracies[1] > accuracies[0] else [])
    assert sorted(os.listdir(str(tmp_path))) == expected
    assert checkpoint.best == accuracies[int(accuracies[1] > accuracies[0])]

    # The other direction (Keras 2.3+ code monitoring "val_accuracy" with metrics=["acc"])
    # and the plateau logic on the alias, fed epoch logs directly.
    reducer = callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=0)
    reducer.set_model(model)
    reducer.on_train_begin()
    start = float(K.get_value(model.optimizer.lr))
    reducer.on_epoch_end(0, {"val_acc": 0.5})
    reducer.on_epoch_end(1, {"val_acc": 0.5})
    np.testing.assert_allclose(float(K.get_value(model.optimizer.lr)), start * 0.5, rtol=1e-6)
    stopper = callbacks.EarlyStopping(monitor="acc", patience=0)
    stopper.set_model(model)
    stopper.on_train_begin()
    stopper.on_epoch_end(0, {"accuracy": 0.5})
    stopper.on_epoch_end(1, {"accuracy": 0.4})
    assert model.stop_training
