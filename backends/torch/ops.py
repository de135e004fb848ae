"""The contract's array ops in PyTorch, with NumPy's argument names and semantics."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from kerasfront.backend.numpy_like import arange_dtype, check_equal_split, seed_to_int

from . import counter_random

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")

DTYPES = {
    name: getattr(torch, name)
    for name in (
        "float16 bfloat16 float32 float64 int8 int16 int32 int64 uint8 bool complex64".split()
    )
}


def to_torch_dtype(dtype):
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    found = DTYPES.get(dtype) if isinstance(dtype, str) else None
    if found is not None:  # the common case, without NumPy's dtype parsing
        return found
    try:
        return DTYPES[str(np.dtype(dtype)) if str(dtype) != "bfloat16" else "bfloat16"]
    except (KeyError, TypeError):
        raise ValueError(f"Unsupported dtype for the torch backend: {dtype!r}.") from None


def convert_to_tensor(x, dtype=None):
    dtype = to_torch_dtype(dtype)
    if isinstance(x, torch.Tensor):
        return x if dtype is None or x.dtype == dtype else x.to(dtype)
    if isinstance(x, np.ndarray):
        # from_numpy shares the buffer: no copy on the way in for CPU runs.
        # ascontiguousarray turns 0-d arrays into 1-d ones: reshape back to keep scalars.
        contiguous = np.ascontiguousarray(x).reshape(x.shape)
        tensor = torch.from_numpy(contiguous) if x.dtype != object else None
        if tensor is None:
            raise TypeError(f"Cannot convert a NumPy array of dtype object: {x!r:.80}")
        return tensor.to(device=DEVICE, dtype=dtype or tensor.dtype)
    if isinstance(x, float) and dtype is None:
        dtype = torch.float32  # Python floats become float32 tensors, as NumPy scalars of floatx
    return torch.as_tensor(x, dtype=dtype, device=DEVICE)


def _tensor_like(value, reference):
    """A Python or NumPy scalar turned into a tensor matching `reference`."""
    if isinstance(value, torch.Tensor):
        return value
    dtype = reference.dtype
    if isinstance(value, float) and not reference.is_floating_point():
        dtype = torch.float32  # as NumPy, a float scalar promotes an integer tensor
    return torch.as_tensor(value, dtype=dtype, device=reference.device)


def convert_to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def is_tensor(x) -> bool:
    return isinstance(x, torch.Tensor)


def cast(x, dtype):
    dtype = to_torch_dtype(dtype)
    if isinstance(x, torch.Tensor):  # the hot path inside steps: often already that dtype
        return x if x.dtype == dtype else x.to(dtype)
    return convert_to_tensor(x).to(dtype)


def shape(x):
    return tuple(x.shape)


# torch dtype -> its name, read many times per training step (losses, metrics).
_DTYPE_NAMES = {torch_dtype: name for name, torch_dtype in DTYPES.items()}


def dtype(x):
    name = _DTYPE_NAMES.get(x.dtype)
    return name if name is not None else str(x.dtype).removeprefix("torch.")


def zeros(shape, dtype="float32"):
    return torch.zeros(tuple(shape), dtype=to_torch_dtype(dtype), device=DEVICE)


def ones(shape, dtype="float32"):
    return torch.ones(tuple(shape), dtype=to_torch_dtype(dtype), device=DEVICE)


def zeros_like(x, dtype=None):
    return torch.zeros_like(x, dtype=to_torch_dtype(dtype))


def ones_like(x, dtype=None):
    return torch.ones_like(x, dtype=to_torch_dtype(dtype))


def full(shape, fill_value, dtype="float32"):
    return torch.full(tuple(shape), fill_value, dtype=to_torch_dtype(dtype), device=DEVICE)


def eye(n, m=None, dtype="float32"):
    return torch.eye(n, m if m is not None else n, dtype=to_torch_dtype(dtype), device=DEVICE)


def arange(start, stop=None, step=1, dtype=None):
    dtype = dtype or arange_dtype(start, stop, step)
    if stop is None:
        start, stop = 0, start
    return torch.arange(start, stop, step, dtype=to_torch_dtype(dtype), device=DEVICE)


def reshape(x, newshape):
    return torch.reshape(x, tuple(-1 if d is None else d for d in newshape))


def transpose(x, axes=None):
    if axes is None:
        axes = tuple(reversed(range(x.ndim)))
    return x.permute(tuple(axes))


def expand_dims(x, axis):
    return torch.unsqueeze(x, axis)


def squeeze(x, axis=None):
    return torch.squeeze(x) if axis is None else torch.squeeze(x, axis)


def concatenate(xs, axis=0):
    return torch.cat(list(xs), dim=axis)


def stack(xs, axis=0):
    return torch.stack(list(xs), dim=axis)


def tile(x, reps):
    return torch.tile(x, (reps,) if isinstance(reps, int) else tuple(reps))


def take(x, indices, axis=None):
    indices = convert_to_tensor(indices).long()
    if axis is None:
        return x.reshape(-1)[indices]
    axis = axis % x.ndim
    picked = x.movedim(axis, 0)[indices]
    # NumPy puts the index dims where the taken axis was.
    index_dims = tuple(range(indices.ndim))
    return picked.movedim(index_dims, tuple(range(axis, axis + indices.ndim)))


def take_along_axis(x, indices, axis):
    return torch.take_along_dim(x, convert_to_tensor(indices).long(), dim=axis)


def one_hot(x, num_classes, dtype="float32"):
    return F.one_hot(convert_to_tensor(x).long(), num_classes).to(to_torch_dtype(dtype))


def broadcast_to(x, shape):
    return torch.broadcast_to(x, tuple(shape))


add = torch.add
subtract = torch.subtract
multiply = torch.multiply
negative = torch.negative
abs = torch.abs
square = torch.square
sqrt = torch.sqrt
exp = torch.exp
log = torch.log
log1p = torch.log1p
tanh = torch.tanh
sin = torch.sin
cos = torch.cos
floor = torch.floor
round = torch.round
logical_and = torch.logical_and
logical_or = torch.logical_or
logical_not = torch.logical_not
relu = torch.relu
sigmoid = torch.sigmoid
softplus = F.softplus
stop_gradient = torch.Tensor.detach


def divide(x, y):
    return torch.true_divide(x, y)


def power(x, y):
    return torch.pow(x, y)


def _differentiated(x, y) -> bool:
    return torch.is_grad_enabled() and (x.requires_grad or y.requires_grad)


# torch splits the gradient of a tie in half; TensorFlow (Keras 2's engine) gives it all
# to `x`. The select is only paid for where a gradient will flow; NaN propagates from
# either side, as in `torch.maximum`.
def maximum(x, y):
    x = convert_to_tensor(x)
    y = _tensor_like(y, x)
    if _differentiated(x, y):
        return torch.where(torch.isnan(x) | (x >= y), x, y)
    return torch.maximum(x, y)


def minimum(x, y):
    x = convert_to_tensor(x)
    y = _tensor_like(y, x)
    if _differentiated(x, y):
        return torch.where(torch.isnan(x) | (x <= y), x, y)
    return torch.minimum(x, y)


def sign(x):
    # torch.sign(NaN) is 0; TensorFlow, JAX and NumPy give NaN.
    return torch.where(torch.isnan(x), x, torch.sign(x))


def clip(x, min_value, max_value):
    return torch.clamp(x, min_value, max_value)


def where(condition, x, y):
    return torch.where(convert_to_tensor(condition), x, y)


def _compare(torch_function):
    def compare(x, y):
        return torch_function(convert_to_tensor(x), y)

    return compare


equal = _compare(torch.eq)
not_equal = _compare(torch.ne)
greater = _compare(torch.gt)
greater_equal = _compare(torch.ge)
less = _compare(torch.lt)
less_equal = _compare(torch.le)


def _reduce(torch_function, needs_float=False):
    """A NumPy-style reduction (`axis` None/int/tuple, `keepdims`) from a torch one."""

    def reduce(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        if needs_float and not x.is_floating_point():
            x = x.to(torch.float32)
        if axis is None:
            result = torch_function(x)
            return result.reshape((1,) * x.ndim) if keepdims else result
        if type(axis) is int:  # the common case, without sorting a tuple of axes
            return torch_function(x, axis, keepdim=keepdims)
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        # Reduce the highest axis first so the lower indices stay valid.
        for single in sorted((a % x.ndim for a in axes), reverse=True):
            x = torch_function(x, single, keepdim=keepdims)
        return x

    return reduce


sum = _reduce(torch.sum)
mean = _reduce(torch.mean, needs_float=True)
max = _reduce(torch.amax)
min = _reduce(torch.amin)
prod = _reduce(torch.prod)
all = _reduce(torch.all)
any = _reduce(torch.any)


def argmax(x, axis=-1):
    return torch.argmax(x, dim=axis)


def argmin(x, axis=-1):
    return torch.argmin(x, dim=axis)


def _cumulative(torch_function):
    def run(x, axis=None):
        x = convert_to_tensor(x)
        if axis is None:  # NumPy: over the flattened array
            x, axis = x.reshape(-1), 0
        # torch widens integers to int64; the contract keeps the dtype (bool -> int32).
        dtype = torch.int32 if x.dtype == torch.bool else x.dtype
        return torch_function(x, dim=axis, dtype=dtype)

    return run


cumsum = _cumulative(torch.cumsum)
cumprod = _cumulative(torch.cumprod)


def split(x, sections, axis=0):
    check_equal_split(tuple(x.shape), sections, axis)
    return list(torch.split(x, x.shape[axis] // sections, dim=axis))


def flip(x, axis=None):
    if axis is None:
        axis = tuple(range(x.ndim))
    return torch.flip(x, (axis,) if isinstance(axis, int) else tuple(axis))


def einsum(subscripts, *operands):
    return torch.einsum(subscripts, *(convert_to_tensor(x) for x in operands))


def matmul(x, y):
    return torch.matmul(x, y)


def affine(x, kernel, bias):
    """x @ kernel + bias in one call: `addmm` for matrices (a single BLAS call with the
    bias folded in, and a cheaper backward), matmul + add otherwise."""
    if x.ndim == 2:
        return torch.addmm(bias, x, kernel)
    return torch.matmul(x, kernel) + bias


def dot(x, y):
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if y.ndim <= 2:
        return torch.matmul(x, y)
    return torch.tensordot(x, y, dims=([x.ndim - 1], [y.ndim - 2]))


def softmax(x, axis=-1):
    return torch.softmax(x, dim=axis)


def log_softmax(x, axis=-1):
    return torch.log_softmax(x, dim=axis)


def elu(x, alpha=1.0):
    return F.elu(x, alpha)


def _generator(seed):
    # torch has no stateless random functions: a generator seeded from the seed tensor
    # gives the same numbers for the same seed.
    return torch.Generator(device=DEVICE).manual_seed(seed_to_int(seed.tolist()))


def _on_accelerator(seed) -> bool:
    """Whether `seed` is a tensor away from the host: then the draws are computed there
    (`counter_random`), since seeding a generator would read the seed back first."""
    return isinstance(seed, torch.Tensor) and seed.device.type != "cpu"


# Per kind: the counter-based draw on an accelerator, torch's generator draw on the host.
_DRAWS = {
    "uniform": (counter_random.uniform, torch.rand),
    "normal": (counter_random.normal, torch.randn),
}


def _standard_draw(kind, shape, seed, torch_dtype):
    """Standard uniform [0, 1) or normal values of `shape` for the seed tensor `seed`."""
    on_device, on_host = _DRAWS[kind]
    if _on_accelerator(seed):
        return on_device(tuple(shape), seed, torch_dtype)
    return on_host(tuple(shape), generator=_generator(seed), dtype=torch_dtype, device=DEVICE)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    sample = _standard_draw("uniform", shape, seed, to_torch_dtype(dtype))
    return sample * (maxval - minval) + minval


def random_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    sample = _standard_draw("normal", shape, seed, to_torch_dtype(dtype))
    return sample * stddev + mean


# The standard normal's cumulative distribution at -2 and 2.
_TRUNCATION_BOUNDS = (
    0.5 * (1.0 + math.erf(-2.0 / math.sqrt(2.0))),
    0.5 * (1.0 + math.erf(2.0 / math.sqrt(2.0))),
)


def random_truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    # Inverse-CDF sampling of the normal cut at +-2: the same distribution as re-drawing
    # outliers (TensorFlow's way), without a data-dependent loop.
    low, high = _TRUNCATION_BOUNDS
    uniform = _standard_draw("uniform", shape, seed, torch.float64)
    unit = math.sqrt(2.0) * torch.erfinv(2.0 * (low + (high - low) * uniform) - 1.0)
    return (unit.clamp(-2.0, 2.0) * stddev + mean).to(to_torch_dtype(dtype))
