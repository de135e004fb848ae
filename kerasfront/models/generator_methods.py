"""Keras 2's `fit_generator`, `evaluate_generator` and `predict_generator`.

`fit`, `evaluate` and `predict` take generators and `Sequence`s directly (Keras 2.1+ and
tf.keras do too); these keep Keras 2 code that calls the generator methods working, with
their argument names and defaults.
"""

from __future__ import annotations


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
    ):
        """Keras 2's `fit` for a generator or `Sequence`; `fit` takes them directly.
        The arguments keep Keras 2.2's positional order (`validation_freq`, a later
        addition, comes last)."""
        return self.fit(
            generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
            callbacks=callbacks, validation_data=validation_data,
            validation_steps=validation_steps, validation_freq=validation_freq,
            class_weight=class_weight, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, shuffle=shuffle,
            initial_epoch=initial_epoch,
        )  # fmt: skip

    def evaluate_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0, callbacks=None):  # fmt: skip
        """Keras 2's `evaluate` for a generator or `Sequence`, in Keras 2.2's positional
        order (`callbacks`, a later addition, comes last)."""
        return self.evaluate(
            generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
            workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose,
        )  # fmt: skip

    def predict_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0, callbacks=None):  # fmt: skip
        """Keras 2's `predict` for a generator or `Sequence`, in Keras 2.2's positional
        order (`callbacks`, a later addition, comes last)."""
        return self.predict(
            generator, steps=steps, callbacks=callbacks, max_queue_size=max_queue_size,
            workers=workers, use_multiprocessing=use_multiprocessing, verbose=verbose,
        )  # fmt: skip
