"""The backend contract: the active adapter provides every name and agrees with NumPy.

Every op in `OP_NAMES` is run on the active adapter and on the NumPy reference adapter
with the same small inputs; results must have the same shape, the same kind of dtype
(bool / integer / float; float32 where the reference gives float32) and the same values
(atol 1e-5, rtol 1e-5). Random ops are checked on the active adapter alone: same seed,
same numbers; right shape, dtype and rough statistics.
"""

from __future__ import annotations

import numpy as np
import pytest

import kerasfront.backends.numpy as reference
from kerasfront.backend import contract
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import SeedGenerator

ATOL = 1e-5
RTOL = 1e-5

_rng = np.random.default_rng(1234)
X = _rng.normal(size=(2, 3, 4)).astype("float32")  # the main 3D input
M = _rng.normal(size=(3, 4)).astype("float32")
N = _rng.normal(size=(4, 5)).astype("float32")
X3 = _rng.normal(size=(2, 4, 5)).astype("float32")
Y3 = _rng.normal(size=(5, 4, 6)).astype("float32")
A4 = _rng.normal(size=(2, 1, 3, 4)).astype("float32")
B3 = _rng.normal(size=(3, 4, 2)).astype("float32")
V4 = _rng.normal(size=(4,)).astype("float32")
V3 = _rng.normal(size=(3,)).astype("float32")
POS = (np.abs(X) + 0.1).astype("float32")  # for sqrt, log, power
SMALL = (0.5 + 0.2 * _rng.normal(size=(2, 3, 4))).astype("float32")  # for prod
BIG = np.array([-50.0, -5.0, -0.5, 0.0, 0.5, 5.0, 50.0], dtype="float32")
HALVES = np.array([-2.5, -1.5, -0.5, 0.4, 0.5, 1.5, 2.5, 2.6], dtype="float32")
INTS = np.array([[1, -2, 3, 0], [4, 0, -6, 2], [7, 7, -1, 5]], dtype="int32")
NONZERO_INTS = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], dtype="int32")
MASK_A = np.array([[True, False, True, False], [True, True, False, False]])
MASK_B = np.array([[True, True, False, False], [False, True, False, True]])


class Case:
    """One comparison: `run(module, t)` calls an op of `module`; `t` makes its tensors."""

    def __init__(self, op: str, label: str, run):
        self.op, self.label, self.run = op, label, run

    def __repr__(self) -> str:
        return f"{self.op}-{self.label}"


CASES: list[Case] = []


def case(op: str, label: str, run) -> None:
    CASES.append(Case(op, label, run))


def _reductions(op: str, data: np.ndarray) -> None:
    case(op, "all", lambda m, t: getattr(m, op)(t(data)))
    case(op, "axis0", lambda m, t: getattr(m, op)(t(data), axis=0))
    case(op, "axis1", lambda m, t: getattr(m, op)(t(data), axis=1))
    case(op, "axis-1", lambda m, t: getattr(m, op)(t(data), axis=-1))
    case(op, "tuple_axes", lambda m, t: getattr(m, op)(t(data), axis=(0, 2)))
    case(op, "negative_tuple", lambda m, t: getattr(m, op)(t(data), axis=(-1, -3)))
    case(op, "keepdims", lambda m, t: getattr(m, op)(t(data), axis=1, keepdims=True))
    case(op, "keepdims_tuple", lambda m, t: getattr(m, op)(t(data), axis=(0, -1), keepdims=True))
    case(op, "keepdims_all", lambda m, t: getattr(m, op)(t(data), keepdims=True))


# Creation and conversion.
case("convert_to_tensor", "float", lambda m, t: m.convert_to_tensor(X))
case("convert_to_tensor", "int", lambda m, t: m.convert_to_tensor(INTS))
case("convert_to_tensor", "list_dtype", lambda m, t: m.convert_to_tensor([1, 2, 3], "float32"))
case(
    "convert_to_tensor",
    "nested_list",
    lambda m, t: m.convert_to_tensor([[1.0, 2.0], [3.0, 4.0]], dtype="float32"),
)
case(
    "convert_to_tensor",
    "float64_to_float32",
    lambda m, t: m.convert_to_tensor(X.astype("float64"), dtype="float32"),
)
case("convert_to_tensor", "tensor_cast", lambda m, t: m.convert_to_tensor(t(INTS), "float32"))
case("convert_to_tensor", "scalar_array", lambda m, t: m.convert_to_tensor(np.array(2.5, "f4")))
case("convert_to_tensor", "bool", lambda m, t: m.convert_to_tensor(MASK_A))
case("convert_to_numpy", "float", lambda m, t: m.convert_to_numpy(t(X)))
case("convert_to_numpy", "bool", lambda m, t: m.convert_to_numpy(t(MASK_A)))
case("is_tensor", "tensor", lambda m, t: m.is_tensor(t(X)))
case("is_tensor", "list", lambda m, t: m.is_tensor([1.0, 2.0]))
case("cast", "float_to_int", lambda m, t: m.cast(t(X * 3), "int32"))
case("cast", "int_to_float", lambda m, t: m.cast(t(INTS), "float32"))
case("cast", "bool_to_float", lambda m, t: m.cast(t(MASK_A), "float32"))
case("cast", "float_to_bool", lambda m, t: m.cast(t(INTS.astype("float32")), "bool"))
case("shape", "3d", lambda m, t: m.shape(t(X)))
case("shape", "scalar", lambda m, t: m.shape(t(np.array(1.0, "float32"))))
case("shape", "empty", lambda m, t: m.shape(t(np.zeros((0, 3), "float32"))))
case("dtype", "float32", lambda m, t: m.dtype(t(X)))
case("dtype", "int32", lambda m, t: m.dtype(t(INTS)))
case("dtype", "bool", lambda m, t: m.dtype(t(MASK_A)))
case("zeros", "default", lambda m, t: m.zeros((2, 3)))
case("zeros", "int32", lambda m, t: m.zeros((2,), "int32"))
case("zeros", "scalar", lambda m, t: m.zeros(()))
case("ones", "default", lambda m, t: m.ones((3, 1)))
case("ones", "int32", lambda m, t: m.ones((2, 2), dtype="int32"))
case("zeros_like", "keep", lambda m, t: m.zeros_like(t(X)))
case("zeros_like", "int32", lambda m, t: m.zeros_like(t(X), dtype="int32"))
case("ones_like", "keep", lambda m, t: m.ones_like(t(INTS)))
case("ones_like", "float32", lambda m, t: m.ones_like(t(INTS), dtype="float32"))
case("full", "float", lambda m, t: m.full((2, 3), 1.5))
case("full", "int32", lambda m, t: m.full((2,), 7, "int32"))
case("eye", "square", lambda m, t: m.eye(3))
case("eye", "wide", lambda m, t: m.eye(2, 4))
case("eye", "int32", lambda m, t: m.eye(3, dtype="int32"))
case("arange", "stop", lambda m, t: m.arange(5))
case("arange", "start_stop", lambda m, t: m.arange(2, 7))
case("arange", "step", lambda m, t: m.arange(1, 10, 3))
case("arange", "negative_step", lambda m, t: m.arange(5, 0, -1))
case("arange", "float", lambda m, t: m.arange(0.0, 1.0, 0.25, dtype="float32"))

# Shapes and indexing.
case("reshape", "2d", lambda m, t: m.reshape(t(X), (6, 4)))
case("reshape", "minus_one", lambda m, t: m.reshape(t(X), (-1, 4)))
case("reshape", "none", lambda m, t: m.reshape(t(X), (None, 2)))
case("reshape", "flat", lambda m, t: m.reshape(t(X), (24,)))
case("transpose", "default_2d", lambda m, t: m.transpose(t(M)))
case("transpose", "default_3d", lambda m, t: m.transpose(t(X)))
case("transpose", "axes", lambda m, t: m.transpose(t(X), (1, 0, 2)))
case("transpose", "axes_cycle", lambda m, t: m.transpose(t(X), (2, 0, 1)))
case("expand_dims", "axis0", lambda m, t: m.expand_dims(t(M), 0))
case("expand_dims", "axis1", lambda m, t: m.expand_dims(t(M), 1))
case("expand_dims", "axis-1", lambda m, t: m.expand_dims(t(M), -1))
case("squeeze", "all", lambda m, t: m.squeeze(t(X[:, :1, :])))
case("squeeze", "axis", lambda m, t: m.squeeze(t(X[:, :1, :]), axis=1))
case("squeeze", "negative_axis", lambda m, t: m.squeeze(t(X[:, :1, :]), axis=-2))
case("squeeze", "tuple", lambda m, t: m.squeeze(t(np.ones((1, 3, 1), "float32")), axis=(0, 2)))
case("concatenate", "default_axis", lambda m, t: m.concatenate([t(X), t(X + 1)]))
case("concatenate", "axis-1", lambda m, t: m.concatenate([t(X), t(X[..., :2])], axis=-1))
case("concatenate", "axis1", lambda m, t: m.concatenate([t(M), t(M[:, :1]), t(M)], axis=1))
case("stack", "default_axis", lambda m, t: m.stack([t(M), t(M + 1)]))
case("stack", "axis1", lambda m, t: m.stack([t(M), t(M + 1), t(M * 2)], axis=1))
case("stack", "axis-1", lambda m, t: m.stack([t(M), t(M + 1)], axis=-1))
case("tile", "fewer_reps", lambda m, t: m.tile(t(M), (2,)))
case("tile", "same_reps", lambda m, t: m.tile(t(M), (2, 3)))
case("tile", "more_reps", lambda m, t: m.tile(t(M), (2, 1, 2)))
case("tile", "int_reps", lambda m, t: m.tile(t(V3), 2))
case("tile", "fewer_reps_3d", lambda m, t: m.tile(t(X), (1, 3)))
case("take", "flat", lambda m, t: m.take(t(X), t(np.array([0, 5, 23], "int32"))))
case(
    "take",
    "flat_nd_indices",
    lambda m, t: m.take(t(X), t(np.array([[0, 5], [7, 23]], "int32"))),
)
case("take", "axis0", lambda m, t: m.take(t(M), t(np.array([2, 0], "int32")), axis=0))
case("take", "axis1", lambda m, t: m.take(t(X), t(np.array([2, 0, 2], "int32")), axis=1))
case(
    "take",
    "axis-1_nd_indices",
    lambda m, t: m.take(t(X), t(np.array([[0, 1], [3, 2], [1, 1]], "int32")), axis=-1),
)
case(
    "take",
    "axis1_nd_indices",
    lambda m, t: m.take(t(X), t(np.array([[0, 1], [2, 2]], "int32")), axis=1),
)
case("take", "negative_indices", lambda m, t: m.take(t(M), t(np.array([-1, 0], "int32")), axis=0))
case("take", "list_indices", lambda m, t: m.take(t(M), [1, 2], axis=0))
case("take", "scalar_index", lambda m, t: m.take(t(M), 1, axis=1))
case(
    "take_along_axis",
    "last",
    lambda m, t: m.take_along_axis(t(X), t(np.argsort(X, axis=-1).astype("int32")), axis=-1),
)
case(
    "take_along_axis",
    "first",
    lambda m, t: m.take_along_axis(t(M), t(np.array([[2, 0, 1, 1]], "int32")), axis=0),
)
case("one_hot", "vector", lambda m, t: m.one_hot(t(np.array([0, 2, 1], "int32")), 3))
case("one_hot", "matrix", lambda m, t: m.one_hot(t(np.array([[0, 1], [2, 0]], "int32")), 3))
case("one_hot", "int32", lambda m, t: m.one_hot(t(np.array([1, 3], "int32")), 4, dtype="int32"))
case("broadcast_to", "vector", lambda m, t: m.broadcast_to(t(np.arange(3, dtype="f4")), (2, 3)))
case("broadcast_to", "column", lambda m, t: m.broadcast_to(t(M[:, :1]), (3, 4)))
case("broadcast_to", "new_axis", lambda m, t: m.broadcast_to(t(M), (2, 3, 4)))

# Elementwise arithmetic.
for _name in ("add", "subtract", "multiply"):
    case(_name, "same_shape", lambda m, t, op=_name: getattr(m, op)(t(X), t(X3[:, :3, :4])))
    case(_name, "broadcast", lambda m, t, op=_name: getattr(m, op)(t(X), t(M)))
    case(_name, "scalar", lambda m, t, op=_name: getattr(m, op)(t(X), 2.0))
    case(_name, "scalar_first", lambda m, t, op=_name: getattr(m, op)(2.0, t(X)))
    case(_name, "int", lambda m, t, op=_name: getattr(m, op)(t(INTS), t(NONZERO_INTS)))
case("divide", "float", lambda m, t: m.divide(t(X), t(POS)))
case("divide", "broadcast", lambda m, t: m.divide(t(X), t(POS[0])))
case("divide", "scalar", lambda m, t: m.divide(t(X), 4.0))
case("divide", "scalar_first", lambda m, t: m.divide(1.0, t(POS)))
case("divide", "int_true_division", lambda m, t: m.divide(t(INTS), t(NONZERO_INTS)))
case("negative", "float", lambda m, t: m.negative(t(X)))
case("negative", "int", lambda m, t: m.negative(t(INTS)))
case("power", "square", lambda m, t: m.power(t(POS), 2.0))
case("power", "root", lambda m, t: m.power(t(POS), 0.5))
case("power", "tensor", lambda m, t: m.power(t(POS), t(X)))
case("power", "scalar_base", lambda m, t: m.power(0.9, t(X)))
case("power", "int", lambda m, t: m.power(t(INTS), t(np.full((3, 4), 2, "int32"))))
case("abs", "float", lambda m, t: m.abs(t(X)))
case("abs", "int", lambda m, t: m.abs(t(INTS)))
case("square", "float", lambda m, t: m.square(t(X)))
case("square", "int", lambda m, t: m.square(t(INTS)))
case("sqrt", "float", lambda m, t: m.sqrt(t(POS)))
case("exp", "float", lambda m, t: m.exp(t(X)))
case("log", "float", lambda m, t: m.log(t(POS)))
case("log1p", "float", lambda m, t: m.log1p(t(POS)))
case("log1p", "tiny", lambda m, t: m.log1p(t(np.array([1e-8, -1e-8, 0.0], "float32"))))
case("tanh", "float", lambda m, t: m.tanh(t(X)))
case("tanh", "large", lambda m, t: m.tanh(t(BIG)))
case("sin", "float", lambda m, t: m.sin(t(X * 3)))
case("cos", "float", lambda m, t: m.cos(t(X * 3)))
case("sign", "float", lambda m, t: m.sign(t(np.concatenate([BIG, [0.0]]).astype("float32"))))
case("sign", "int", lambda m, t: m.sign(t(INTS)))
case("floor", "float", lambda m, t: m.floor(t(HALVES)))
case("round", "half_to_even", lambda m, t: m.round(t(HALVES)))
case("round", "random", lambda m, t: m.round(t(X * 3)))
case("maximum", "broadcast", lambda m, t: m.maximum(t(X), t(M)))
case("maximum", "scalar", lambda m, t: m.maximum(t(X), 0.0))
case("maximum", "int", lambda m, t: m.maximum(t(INTS), t(NONZERO_INTS - 6)))
case("minimum", "broadcast", lambda m, t: m.minimum(t(X), t(M)))
case("minimum", "scalar", lambda m, t: m.minimum(t(X), 0.5))
case("minimum", "int", lambda m, t: m.minimum(t(INTS), t(NONZERO_INTS - 6)))
case("clip", "float", lambda m, t: m.clip(t(X), -0.5, 0.5))
case("clip", "int", lambda m, t: m.clip(t(INTS), -1, 2))
case("clip", "no_lower", lambda m, t: m.clip(t(X), None, 0.5))
case("clip", "no_upper", lambda m, t: m.clip(t(X), -0.5, None))
case("where", "tensors", lambda m, t: m.where(t(X > 0), t(X), t(-2 * X)))
case("where", "scalars", lambda m, t: m.where(t(MASK_A), 1.0, 0.0))
case("where", "broadcast", lambda m, t: m.where(t(M > 0), t(X), t(M)))
case("where", "scalar_other", lambda m, t: m.where(t(X > 0), t(X), 0.0))

# Comparisons and logic.
for _name in ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal"):
    case(_name, "int", lambda m, t, op=_name: getattr(m, op)(t(INTS), t(NONZERO_INTS - 6)))
    case(_name, "scalar", lambda m, t, op=_name: getattr(m, op)(t(INTS), 0))
    case(_name, "broadcast", lambda m, t, op=_name: getattr(m, op)(t(X), t(M)))
case("logical_and", "bool", lambda m, t: m.logical_and(t(MASK_A), t(MASK_B)))
case("logical_or", "bool", lambda m, t: m.logical_or(t(MASK_A), t(MASK_B)))
case("logical_not", "bool", lambda m, t: m.logical_not(t(MASK_A)))

# Reductions.
_reductions("sum", X)
_reductions("mean", X)
_reductions("max", X)
_reductions("min", X)
_reductions("prod", SMALL)
case("sum", "int", lambda m, t: m.sum(t(INTS), axis=0))
case("sum", "numpy_int_axis", lambda m, t: m.sum(t(X), axis=np.int64(1)))
case("sum", "bool_counts", lambda m, t: m.sum(t(MASK_A), axis=1))
case("mean", "int_gives_float", lambda m, t: m.mean(t(INTS)))
case("mean", "int_axis_gives_float", lambda m, t: m.mean(t(INTS), axis=1))
case("max", "int", lambda m, t: m.max(t(INTS), axis=1))
case("min", "int", lambda m, t: m.min(t(INTS), axis=0))
case("prod", "int", lambda m, t: m.prod(t(INTS), axis=1))
for _name in ("argmax", "argmin"):
    case(_name, "default_last", lambda m, t, op=_name: getattr(m, op)(t(X)))
    case(_name, "axis0", lambda m, t, op=_name: getattr(m, op)(t(X), axis=0))
    case(_name, "axis1", lambda m, t, op=_name: getattr(m, op)(t(X), axis=1))
    case(_name, "int", lambda m, t, op=_name: getattr(m, op)(t(NONZERO_INTS * 7 % 5), axis=1))
    case(_name, "flat", lambda m, t, op=_name: getattr(m, op)(t(X), axis=None))
for _name in ("all", "any"):
    case(_name, "all", lambda m, t, op=_name: getattr(m, op)(t(MASK_A)))
    case(_name, "axis0", lambda m, t, op=_name: getattr(m, op)(t(MASK_A), axis=0))
    case(_name, "axis-1", lambda m, t, op=_name: getattr(m, op)(t(MASK_A), axis=-1))
    case(_name, "tuple", lambda m, t, op=_name: getattr(m, op)(t(X > 0), axis=(0, 2)))
    case(_name, "keepdims", lambda m, t, op=_name: getattr(m, op)(t(X > 0), 1, keepdims=True))
    case(_name, "float_input", lambda m, t, op=_name: getattr(m, op)(t(INTS.astype("f4")), 0))

# Running sums and products.
for _name, _data in (("cumsum", X), ("cumprod", SMALL)):
    case(_name, "flat", lambda m, t, op=_name, d=_data: getattr(m, op)(t(d)))
    case(_name, "axis0", lambda m, t, op=_name, d=_data: getattr(m, op)(t(d), axis=0))
    case(_name, "axis1", lambda m, t, op=_name, d=_data: getattr(m, op)(t(d), axis=1))
    case(_name, "axis-1", lambda m, t, op=_name, d=_data: getattr(m, op)(t(d), axis=-1))
    case(_name, "int", lambda m, t, op=_name: getattr(m, op)(t(INTS), axis=1))
case("cumsum", "bool_counts", lambda m, t: m.cumsum(t(MASK_A), axis=1))

# Linear algebra.
case("matmul", "2d_2d", lambda m, t: m.matmul(t(M), t(N)))
case("matmul", "3d_2d", lambda m, t: m.matmul(t(X), t(N)))
case("matmul", "3d_3d", lambda m, t: m.matmul(t(X), t(X3)))
case("matmul", "batch_broadcast", lambda m, t: m.matmul(t(A4), t(B3)))
case("matmul", "1d_2d", lambda m, t: m.matmul(t(V4), t(N)))
case("matmul", "2d_1d", lambda m, t: m.matmul(t(M), t(V4)))
case("matmul", "1d_1d", lambda m, t: m.matmul(t(V4), t(V4)))
case("dot", "2d_2d", lambda m, t: m.dot(t(M), t(N)))
case("dot", "3d_2d", lambda m, t: m.dot(t(X), t(N)))
case("dot", "3d_3d", lambda m, t: m.dot(t(X), t(Y3)))
case("dot", "1d_1d", lambda m, t: m.dot(t(V4), t(V4)))
case("dot", "2d_1d", lambda m, t: m.dot(t(M), t(V4)))
case("dot", "1d_2d", lambda m, t: m.dot(t(V3), t(M)))
case("dot", "3d_1d", lambda m, t: m.dot(t(X), t(V4)))
case("dot", "1d_3d", lambda m, t: m.dot(t(V4), t(Y3)))
case("dot", "scalar", lambda m, t: m.dot(t(np.array(2.0, "float32")), t(M)))

case("einsum", "batch_matmul", lambda m, t: m.einsum("bik,bkj->bij", t(X), t(X3)))
case("einsum", "contract_middle", lambda m, t: m.einsum("bij,bik->bjk", t(X), t(X3[:, :3])))
case("einsum", "outer", lambda m, t: m.einsum("i,j->ij", t(V3), t(V4)))
case("einsum", "sum_axis", lambda m, t: m.einsum("bij->bj", t(X)))
case("einsum", "transpose", lambda m, t: m.einsum("ij->ji", t(M)))

# Neural-network functions.
case("relu", "float", lambda m, t: m.relu(t(X)))
case("relu", "int", lambda m, t: m.relu(t(INTS)))
case("sigmoid", "float", lambda m, t: m.sigmoid(t(X)))
case("sigmoid", "large", lambda m, t: m.sigmoid(t(BIG)))
case("softmax", "default", lambda m, t: m.softmax(t(X)))
case("softmax", "axis0", lambda m, t: m.softmax(t(X), axis=0))
case("softmax", "axis1", lambda m, t: m.softmax(t(X), axis=1))
case("softmax", "axis-1_large", lambda m, t: m.softmax(t(BIG), axis=-1))
case("log_softmax", "default", lambda m, t: m.log_softmax(t(X)))
case("log_softmax", "axis0", lambda m, t: m.log_softmax(t(X), axis=0))
case("log_softmax", "axis-1_large", lambda m, t: m.log_softmax(t(BIG * 0.1), axis=-1))
case("softplus", "float", lambda m, t: m.softplus(t(X)))
case("softplus", "large", lambda m, t: m.softplus(t(BIG)))
case("elu", "default", lambda m, t: m.elu(t(X)))
case("elu", "alpha_half", lambda m, t: m.elu(t(X), 0.5))
case("elu", "alpha_two", lambda m, t: m.elu(t(X), alpha=2.0))
case("stop_gradient", "float", lambda m, t: m.stop_gradient(t(X)))

# Shape ops added with the layer ops.
case("repeat", "axis0", lambda m, t: m.repeat(t(X), 2, axis=0))
case("repeat", "axis-1", lambda m, t: m.repeat(t(X), 3, axis=-1))
case("repeat", "flat", lambda m, t: m.repeat(t(M), 2))
case("repeat", "int", lambda m, t: m.repeat(t(INTS), 2, axis=1))
case("flip", "axis0", lambda m, t: m.flip(t(X), axis=0))
case("flip", "axis-1", lambda m, t: m.flip(t(X), axis=-1))
case("flip", "tuple", lambda m, t: m.flip(t(X), axis=(0, 2)))
case("flip", "all", lambda m, t: m.flip(t(X)))
case("flip", "int", lambda m, t: m.flip(t(INTS), axis=1))
case("split", "last_axis", lambda m, t: m.stack(m.split(t(X), 2, axis=-1)))
case("split", "axis0", lambda m, t: m.stack(m.split(t(X), 2, axis=0)))
case("split", "one", lambda m, t: m.stack(m.split(t(M), 1, axis=1)))
case("split", "int", lambda m, t: m.stack(m.split(t(INTS), 4, axis=1)))
case("pad", "zeros", lambda m, t: m.pad(t(X), ((1, 2), (0, 1), (2, 0))))
case("pad", "constant", lambda m, t: m.pad(t(M), ((0, 1), (3, 0)), constant_values=1.5))
case("pad", "int", lambda m, t: m.pad(t(INTS), [[1, 1], [0, 2]]))
case("pad", "nothing", lambda m, t: m.pad(t(X), ((0, 0),) * 3))

# Layer statistics and lookups; convolution, pooling and resizing cases live in
# test_layer_ops.py (looser tolerance).
case("moments", "one_axis", lambda m, t: m.moments(t(X), axes=(1,)))
case("moments", "several_axes", lambda m, t: m.moments(t(X), axes=(0, 2)))
case("moments", "list_negative", lambda m, t: m.moments(t(X), axes=[-1, 0]))
case("moments", "keepdims", lambda m, t: m.moments(t(X), axes=(0, 1), keepdims=True))
case("moments", "all_axes", lambda m, t: m.moments(t(X), axes=(0, 1, 2)))
TABLE = _rng.normal(size=(7, 3)).astype("float32")
LOOKUP = np.array([[0, 6, 2], [2, 2, 5]])
case("embedding_lookup", "int32", lambda m, t: m.embedding_lookup(t(TABLE), t(LOOKUP.astype("i4"))))
case("embedding_lookup", "int64", lambda m, t: m.embedding_lookup(t(TABLE), t(LOOKUP.astype("i8"))))
case("embedding_lookup", "float", lambda m, t: m.embedding_lookup(t(TABLE), t(LOOKUP.astype("f4"))))
case("embedding_lookup", "scalar", lambda m, t: m.embedding_lookup(t(TABLE), t(np.array(4))))
case(
    "embedding_lookup",
    "context",
    lambda m, t: m.embedding_lookup(t(TABLE), t(LOOKUP[0]), "Embedding 'e'"),
)

RANDOM_OPS = ("random_uniform", "random_normal", "random_truncated_normal")

# Mixed integer/float inputs: engines differ on whether they promote, so each may either
# raise or give NumPy's answer, but never a silently truncated one.
MIXED_CASES = [
    Case("maximum", "int_and_float_scalar", lambda m, t: m.maximum(t(INTS), 0.5)),
    Case("minimum", "int_and_float_scalar", lambda m, t: m.minimum(t(INTS), 0.5)),
    Case("add", "int_and_float_scalar", lambda m, t: m.add(t(INTS), 0.5)),
    Case("multiply", "int_and_float_scalar", lambda m, t: m.multiply(t(INTS), 0.5)),
    Case("clip", "int_and_float_bounds", lambda m, t: m.clip(t(INTS), -0.5, 2.5)),
    Case("power", "int_and_float_exponent", lambda m, t: m.power(t(np.abs(INTS)), 0.5)),
]


def _tensor_maker(module):
    if module is reference:
        return np.asarray
    return module.convert_to_tensor


def _kind(dtype: np.dtype) -> str:
    if dtype.kind == "b":
        return "bool"
    if dtype.kind in "iu":
        return "integer"
    return dtype.kind


def _assert_same(actual, expected, module) -> None:
    if isinstance(expected, tuple) and expected and isinstance(expected[0], np.ndarray):
        assert isinstance(actual, (tuple, list)) and len(actual) == len(expected)
        for actual_item, expected_item in zip(actual, expected):
            _assert_same(actual_item, expected_item, module)
        return
    if isinstance(expected, (bool, str, tuple)):
        assert type(actual) is type(expected) or isinstance(actual, type(expected))
        assert actual == expected
        return
    actual = np.asarray(module.convert_to_numpy(actual))
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    assert _kind(actual.dtype) == _kind(expected.dtype), f"dtype {actual.dtype} vs {expected.dtype}"
    if expected.dtype == np.float32:
        assert actual.dtype == np.float32, f"float32 expected, received {actual.dtype}"
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(actual, expected, atol=ATOL, rtol=RTOL)
    else:
        np.testing.assert_array_equal(actual, expected)


def test_active_adapter_implements_contract():
    assert contract.missing_names(ADAPTER) == []


def test_reference_adapter_implements_contract():
    assert contract.missing_names(reference) == []


def test_op_names_are_unique():
    assert len(set(contract.OP_NAMES)) == len(contract.OP_NAMES)
    assert not set(contract.OP_NAMES) & set(contract.INFRA_NAMES)


def test_every_op_has_a_case():
    from test_layer_ops import LAYER_CASES  # convolutions, pooling, resizing
    from test_scan import LOOP_CASES

    compared = {item.op for item in CASES + LAYER_CASES + LOOP_CASES}
    assert compared <= set(contract.OP_NAMES), "a case names an op outside the contract"
    untested = set(contract.OP_NAMES) - compared - set(RANDOM_OPS)
    assert not untested, f"ops without a comparison case: {sorted(untested)}"
    assert set(RANDOM_OPS) <= set(contract.OP_NAMES)


@pytest.mark.parametrize("item", CASES, ids=repr)
def test_op_matches_reference(item: Case):
    expected = item.run(reference, _tensor_maker(reference))
    actual = item.run(ADAPTER, _tensor_maker(ADAPTER))
    _assert_same(actual, expected, ADAPTER)


@pytest.mark.parametrize("item", MIXED_CASES, ids=repr)
def test_int_tensor_with_float_scalar_becomes_float(item: Case):
    # NumPy's rule (a Python float beside an integer array gives floats) on every engine.
    expected = item.run(reference, _tensor_maker(reference))
    actual = np.asarray(ADAPTER.convert_to_numpy(item.run(ADAPTER, _tensor_maker(ADAPTER))))
    assert actual.dtype.kind == "f", f"float scalar dropped: result dtype {actual.dtype}"
    np.testing.assert_allclose(actual, expected, atol=ATOL, rtol=RTOL)


# Random ops: compared on the active adapter only (engines draw different streams).


def _seed(a: int, b: int = 0):
    return ADAPTER.convert_to_tensor(np.array([a, b], dtype="int32"))


def _draw(op: str, shape, seed, **kwargs) -> np.ndarray:
    return np.asarray(ADAPTER.convert_to_numpy(getattr(ADAPTER, op)(shape, seed=seed, **kwargs)))


@pytest.mark.parametrize("op", RANDOM_OPS)
def test_random_same_seed_same_numbers(op):
    first = _draw(op, (4, 5), _seed(42))
    second = _draw(op, (4, 5), _seed(42))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, _draw(op, (4, 5), _seed(43)))
    assert not np.array_equal(first, _draw(op, (4, 5), _seed(42, 1)))


@pytest.mark.parametrize("op", RANDOM_OPS)
def test_random_shape_and_dtype(op):
    value = getattr(ADAPTER, op)((3, 1, 2), seed=_seed(1))
    assert ADAPTER.shape(value) == (3, 1, 2)
    assert ADAPTER.dtype(value) == "float32"
    value = getattr(ADAPTER, op)((5,), dtype="float32", seed=_seed(2))
    assert ADAPTER.shape(value) == (5,)


@pytest.mark.parametrize("op", RANDOM_OPS)
def test_random_with_seed_generator(op):
    generator = SeedGenerator(7)
    first = _draw(op, (6,), generator.next())
    second = _draw(op, (6,), generator.next())
    assert not np.array_equal(first, second)
    replay = SeedGenerator(7)
    np.testing.assert_array_equal(first, _draw(op, (6,), replay.next()))
    np.testing.assert_array_equal(second, _draw(op, (6,), replay.next()))


def test_random_uniform_statistics():
    values = _draw("random_uniform", (10_000,), _seed(3), minval=-2.0, maxval=3.0)
    assert values.min() >= -2.0 and values.max() <= 3.0
    assert abs(values.mean() - 0.5) < 0.1
    assert abs(values.std() - 5.0 / np.sqrt(12.0)) < 0.05


def test_random_uniform_default_range():
    values = _draw("random_uniform", (10_000,), _seed(4))
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert abs(values.mean() - 0.5) < 0.03


def test_random_normal_statistics():
    values = _draw("random_normal", (10_000,), _seed(5), mean=1.0, stddev=2.0)
    assert abs(values.mean() - 1.0) < 0.1
    assert abs(values.std() - 2.0) < 0.1


def test_random_normal_default_statistics():
    values = _draw("random_normal", (10_000,), _seed(6))
    assert abs(values.mean()) < 0.05
    assert abs(values.std() - 1.0) < 0.05


def test_random_truncated_normal_statistics():
    values = _draw("random_truncated_normal", (20_000,), _seed(7), mean=1.0, stddev=2.0)
    # Nothing beyond two standard deviations; the normal cut at +-2 has standard
    # deviation 0.8796 (of the uncut one) and keeps its mean.
    assert values.min() >= 1.0 - 4.0 and values.max() <= 1.0 + 4.0
    assert abs(values.mean() - 1.0) < 0.05
    assert abs(values.std() - 2.0 * 0.8796) < 0.05
    # Not a clipped normal: no pile-up at the bounds.
    assert np.mean(np.abs(values - 1.0) > 3.9) < 0.01


def test_random_truncated_normal_inside_compiled_function():
    from kerasfront.backend.variables import Variable

    generator_state = Variable(np.array([9, 0], dtype="int32"), trainable=False)

    def pure(values, scale):
        return ADAPTER.random_truncated_normal((50,), 0.0, 1.0, "float32", values[0]) * scale

    run = ADAPTER.compile_function(pure, [generator_state], jit_compile=None)
    first = np.asarray(ADAPTER.convert_to_numpy(run(ADAPTER.convert_to_tensor(2.0))))
    assert first.shape == (50,) and np.abs(first).max() <= 4.0
    np.testing.assert_allclose(
        first, _draw("random_truncated_normal", (50,), _seed(9)) * 2.0, rtol=1e-6
    )
