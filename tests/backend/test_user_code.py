"""Which user code runs in the engine's user-code scope: only code that writes `a op= b`
(the scope costs every engine call made under it, on torch a few microseconds per op)."""

import numpy as np

import kerasfront as keras
from kerasfront import layers
from kerasfront.backend import user_code


def plain(a, b):
    return a * b


def augmented(a, b):
    a *= b
    return a


def augmented_inside(a, b):
    def scale(x):
        x /= 2
        return x

    return scale(a) + b


class CallableLoss:
    def __call__(self, y_true, y_pred):
        y_pred -= y_true
        return y_pred


def test_augmented_assignment_is_found_in_the_functions_own_code():
    assert not user_code.augments_in_place(plain)
    assert user_code.augments_in_place(augmented)
    assert user_code.augments_in_place(augmented_inside)
    assert user_code.augments_in_place(CallableLoss())
    assert not user_code.augments_in_place(lambda a: a + 1)
    comparisons = lambda a, b: (a == b) or (a <= b) or (a != b)  # noqa: E731
    assert not user_code.augments_in_place(comparisons)


def test_only_layers_that_augment_enter_the_scope(monkeypatch):
    entered = []

    class Recording:
        def __enter__(self):
            entered.append(True)

        def __exit__(self, *exception):
            return False

    monkeypatch.setattr(user_code, "USER_CODE_SCOPE", Recording)

    class Composed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    class Centering(layers.Layer):
        def call(self, inputs):
            inputs -= 1.0
            return inputs

    x = np.ones((2, 3), "float32")
    Composed()(x)
    layers.Lambda(plain, arguments={"b": 2.0})(x)
    assert entered == []
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(Centering()(x)), np.zeros((2, 3)))
    layers.Lambda(augmented, arguments={"b": 2.0})(x)
    # Where the engine needs no copies (TensorFlow, JAX) there is no scope to enter.
    assert entered == ([True, True] if user_code.COPY_FOR_USER_CODE is not None else [])
