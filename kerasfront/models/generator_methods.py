"""Keras 2's `fit_generator`, `evaluate_generator` and `predict_generator`.

`fit`, `evaluate` and `predict` take generators and `Sequence`s directly (Keras 2.1+ and
tf.keras do too); these keep Keras 2 code that calls the generator methods working, with
their argument names and defaults, and with Keras 1's names that Keras 2 still took
(`samples_per_epoch`, `nb_epoch`, `nb_val_samples`, `val_samples`, ...; a warning says
the Keras 2 name).
"""

from __future__ import annotations

from kerasfront import user_warnings

# Keras 1 names that Keras 2's generator methods still took, each with its Keras 2 name.
_FIT_RENAMES = {
    "samples_per_epoch": "steps_per_epoch",
    "nb_epoch": "epochs",
    "nb_val_samples": "validation_steps",
    "nb_worker": "workers",
    "pickle_safe": "use_multiprocessing",
    "max_q_size": "max_queue_size",
}
_INFERENCE_RENAMES = {
    "val_samples": "steps",
    "nb_worker": "workers",
    "pickle_safe": "use_multiprocessing",
    "max_q_size": "max_queue_size",
}


class GeneratorMethods:
    """Mixed into `Model` through `Trainer`."""

    def fit_generator(
        self,
        generator,
        steps_per_epoch=None,
        epochs=1,
        verbose=1,
        callbacks=None,
        validation_data=None,
        validation_steps=None,
        class_weight=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        shuffle=True,
        initial_epoch=0,
        validation_freq=1,
        **keras1_arguments,
    ):
        """Keras 2's `fit` for a generator or `Sequence`; `fit` takes them directly.
        The arguments keep Keras 2.2's positional order (`validation_freq`, a later
        addition, comes last)."""
        if keras1_arguments:
            given = _renamed("fit_generator", keras1_arguments, _FIT_RENAMES, locals())
            if "samples_per_epoch" in keras1_arguments:
                # Keras 2 counted batches: it divided by the batch size where the
                # generator tells it (a DirectoryIterator does), else took the number.
                batch_size = getattr(generator, "batch_size", None)
                if isinstance(batch_size, int) and batch_size > 0:
                    given["steps_per_epoch"] //= batch_size
            steps_per_epoch = given.get("steps_per_epoch", steps_per_epoch)
            epochs = given.get("epochs", epochs)
            validation_steps = given.get("validation_steps", validation_steps)
            workers = given.get("workers", workers)
            use_multiprocessing = given.get("use_multiprocessing", use_multiprocessing)
            max_queue_size = given.get("max_queue_size", max_queue_size)
        return self.fit(
            generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
            callbacks=callbacks, validation_data=validation_data,
            validation_steps=validation_steps, validation_freq=validation_freq,
            class_weight=class_weight, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, shuffle=shuffle,
            initial_epoch=initial_epoch,
        )  # fmt: skip

    def evaluate_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0, callbacks=None,
                           **keras1_arguments):  # fmt: skip
        """Keras 2's `evaluate` for a generator or `Sequence`, in Keras 2.2's positional
        order (`callbacks`, a later addition, comes last)."""
        if keras1_arguments:
            steps, workers, use_multiprocessing, max_queue_size = _inference_arguments(
                "evaluate_generator", keras1_arguments, locals()
            )
        return self.evaluate(
            generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
            workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose,
        )  # fmt: skip

    def predict_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0, callbacks=None,
                          **keras1_arguments):  # fmt: skip
        """Keras 2's `predict` for a generator or `Sequence`, in Keras 2.2's positional
        order (`callbacks`, a later addition, comes last)."""
        if keras1_arguments:
            steps, workers, use_multiprocessing, max_queue_size = _inference_arguments(
                "predict_generator", keras1_arguments, locals()
            )
        return self.predict(
            generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
            workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose,
        )  # fmt: skip


# The defaults of the Keras 2 names above: a Keras 1 name given with its Keras 2 name
# set to anything else is given twice.
_DEFAULTS = {
    "steps_per_epoch": None,
    "epochs": 1,
    "validation_steps": None,
    "workers": 1,
    "use_multiprocessing": False,
    "max_queue_size": 10,
    "steps": None,
}


def _inference_arguments(method: str, keras1_arguments: dict, arguments: dict) -> tuple:
    """`steps, workers, use_multiprocessing, max_queue_size` of evaluate_generator or
    predict_generator, with the Keras 1 names in `keras1_arguments` applied."""
    given = _renamed(method, keras1_arguments, _INFERENCE_RENAMES, arguments)
    names = ("steps", "workers", "use_multiprocessing", "max_queue_size")
    return tuple(given.get(name, arguments[name]) for name in names)


def _renamed(method: str, keras1_arguments: dict, renames: dict, arguments: dict) -> dict:
    """`keras1_arguments` under their Keras 2 names, after Keras 2's checks: an unknown
    name is a TypeError, and so is a value given under both names (`arguments` are the
    method's own, compared with their defaults)."""
    unknown = sorted(set(keras1_arguments) - set(renames))
    if unknown:
        raise TypeError(f"{method} got unexpected keyword arguments {unknown}.")
    given = {}
    for old in sorted(keras1_arguments):
        new = renames[old]
        if arguments[new] != _DEFAULTS[new]:
            raise TypeError(
                f"{method}: received both `{old}` (Keras 1's name) and `{new}`; pass `{new}` only."
            )
        given[new] = keras1_arguments[old]
    user_warnings.warn(
        f"Update your `{method}` call to the Keras 2 API: "
        + ", ".join(f"`{old}` is now `{renames[old]}`" for old in sorted(keras1_arguments))
        + ". Keras 2 counts `steps_per_epoch`, `validation_steps` and `steps` in batches, "
        "not samples (steps = samples / batch_size)."
    )
    return given
