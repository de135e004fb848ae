"""The callback protocol: `Callback`, the `CallbackList` the loops call, `LambdaCallback`."""

from __future__ import annotations

from collections.abc import Callable

from kerasfront.distribution import data_parallel


class Callback:
    """Base class of callbacks. Override the hooks you need.

    `fit` calls `set_model(model)` and `set_params(params)` before training; `params` holds
    `epochs`, `steps` (batches per epoch) and `verbose`, as in tf.keras 2. A callback stops
    training by setting `self.model.stop_training = True`; the loop checks it after each
    batch and each epoch.

    Keras 2 named the training-batch hooks `on_batch_begin`/`on_batch_end`; tf.keras 2 calls
    them `on_train_batch_begin`/`on_train_batch_end`. A callback may override either name:
    the loop calls the `on_train_batch_*` hooks, which call the Keras 2 ones by default.

    A callback whose `chief_only` is True (the loggers, TensorBoard) runs only in the
    first process when several processes train one model (`kerasfront.distribution`).
    """

    chief_only = False

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None  # Keras 2: fit sets [x..., y..., weights...] for arrays

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


HOOKS = [name for name in vars(Callback) if name.startswith("on_")]

# A callback overriding the Keras 2 name makes the loop call the tf.keras 2 one.
_KERAS2_ALIASES = {
    "on_batch_begin": "on_train_batch_begin",
    "on_batch_end": "on_train_batch_end",
}


class CallbackList:
    """Calls a hook on every callback, skipping the work when none overrides it.

    `fit`, `evaluate` and `predict` make one with the model and the params. Keras 2 code
    that runs its own loop makes one from the callbacks alone and calls the hooks itself:
    `callbacks = CallbackList([...]); callbacks.set_model(model);
    callbacks.set_params({...}); callbacks.on_epoch_begin(epoch)`...

    Args:
        callbacks: the callbacks, called in this order.
        model: given to each callback's `set_model` (or later, with `set_model`).
        params: given to each callback's `set_params` (or later, with `set_params`).
        queue_length: Keras 2's argument (a window for timing warnings); accepted and
            unused.
    """

    def __init__(self, callbacks=None, model=None, params: dict | None = None, queue_length=10):
        if isinstance(model, int) and not isinstance(model, bool) and params is None:
            model = None  # Keras 2's positional CallbackList(callbacks, queue_length)
        self.callbacks = list(callbacks or [])
        self.model = None
        self.params = {}
        for callback in self.callbacks:
            _check_callback(callback)
        if model is not None:
            self.set_model(model)
        if params is not None:
            self.set_params(params)
        self._find_active_hooks()

    def _find_active_hooks(self) -> None:
        # Hooks that some callback overrides: the loop builds logs only for those (reading
        # batch logs waits for the device).
        self.active = {
            hook for hook in HOOKS for callback in self.callbacks if _overrides(callback, hook)
        }
        for legacy, hook in _KERAS2_ALIASES.items():
            if legacy in self.active:
                self.active.add(hook)

    def set_model(self, model) -> None:
        self.model = model
        if not data_parallel.is_chief(model):
            # One of several processes training the model (torchrun's ranks above 0):
            # logs, progress and event files come from the first process only.
            self.callbacks = [c for c in self.callbacks if not getattr(c, "chief_only", False)]
            self._find_active_hooks()
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params: dict) -> None:
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def append(self, callback) -> None:
        _check_callback(callback)
        self.callbacks.append(callback)
        self._find_active_hooks()

    def __iter__(self):
        return iter(self.callbacks)

    def wants(self, hook: str) -> bool:
        """Whether some callback overrides `hook` (so its logs are worth building)."""
        return hook in self.active

    def call(self, hook: str, *args) -> None:
        if hook in self.active:
            if args and args[-1] is None:
                # Keras 2 (and tf.keras) give every hook a logs dict, so user callbacks
                # may read it (`logs.get("size")`) without checking for None.
                args = (*args[:-1], {})
            for callback in self.callbacks:
                getattr(callback, hook)(*args)

    # Keras 2's hook methods, for loops written by hand.
    def on_train_begin(self, logs=None):
        self.call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self.call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self.call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.call("on_epoch_end", epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        # The training-batch hook, which calls on_batch_begin unless a callback
        # overrides the tf.keras name.
        self.call("on_train_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self.call("on_train_batch_end", batch, logs)

    def resume_epoch(self, initial_epoch: int) -> int:
        """The epoch `fit` starts from once `on_train_begin` has run.

        A callback that restores an interrupted training (`BackupAndRestore`) defines
        `resume_epoch()`, returning the first epoch not completed yet, or None. The loop
        calls this right after `on_train_begin` and starts at the returned epoch.
        """
        epochs = [initial_epoch]
        for callback in self.callbacks:
            resume = getattr(callback, "resume_epoch", None)
            if resume is not None and resume() is not None:
                epochs.append(resume())
        return max(epochs)


def _check_callback(callback) -> None:
    if not isinstance(callback, Callback):
        raise TypeError(
            "callbacks must be instances of kerasfront.callbacks.Callback, received "
            f"{callback!r} of type {type(callback).__name__}."
        )


def _overrides(callback, hook) -> bool:
    return hook in vars(callback) or getattr(type(callback), hook) is not getattr(Callback, hook)


class LambdaCallback(Callback):
    """A callback made of functions, one per hook.

    Keras 2's arguments are `on_epoch_begin(epoch, logs)`, `on_epoch_end(epoch, logs)`,
    `on_batch_begin(batch, logs)`, `on_batch_end(batch, logs)`, `on_train_begin(logs)` and
    `on_train_end(logs)`; any other hook name of `Callback` is accepted too.

    Example:
        >>> from kerasfront.callbacks import LambdaCallback
        >>> seen = []
        >>> callback = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    """

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_batch_begin: Callable | None = None,
        on_batch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        **hooks,
    ):
        super().__init__()
        unknown = sorted(set(hooks) - set(HOOKS))
        if unknown:
            raise ValueError(f"LambdaCallback: unknown hooks {unknown}; expected names in {HOOKS}.")
        hooks.update(
            on_epoch_begin=on_epoch_begin,
            on_epoch_end=on_epoch_end,
            on_batch_begin=on_batch_begin,
            on_batch_end=on_batch_end,
            on_train_begin=on_train_begin,
            on_train_end=on_train_end,
        )
        for name, function in hooks.items():
            if function is None:
                continue
            if not callable(function):
                raise TypeError(
                    f"LambdaCallback: {name} must be a function, received {function!r}."
                )
            setattr(self, name, function)
