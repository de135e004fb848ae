"""The contract's optional fused recurrent kernels, `lstm` and `gru`, on torch's own RNN
kernels (`torch.lstm` / `torch.gru`, what `torch.nn.LSTM` and `torch.nn.GRU` run: cuDNN on
a GPU, oneDNN or ATen's loop on a CPU).

Weights arrive in Keras's layout and are rearranged on every call into torch's; that
costs a copy of the weights (small next to the recurrence) and keeps autograd flowing
back to the Keras-layout tensors, so `value_and_grad` over the layer's variables works
unchanged.

The two layouts, for G gates of `units` each:

- Keras: kernel (features, G units) and recurrent kernel (units, G units), gate blocks
  along the columns; LSTM gates i, f, c, o; GRU gates z, r, h.
- torch: w_ih (G units, features) and w_hh (G units, units), gate blocks along the rows;
  LSTM gates i, f, g, o (the same order); GRU gates r, z, n.

The GRU equations agree once the blocks are permuted: both compute
r = sigmoid(x W_r + b_r + h U_r + c_r), z likewise, candidate
n = tanh(x W_n + b_n + r * (h U_n + c_n)) (Keras's reset_after=True form, the recurrent
bias inside the reset product), and the new state z * h + (1 - z) * n, Keras writing it
z * h_prev + (1 - z) * hh and torch (1 - z) * n + z * h_prev.

cuDNN wants all four weight tensors as consecutive views of one buffer, in the order
w_ih, w_hh, b_ih, b_hh; given separate tensors it warns ("weights are not part of single
contiguous chunk of memory") and allocates, zeroes and fills such a buffer itself on
every call. On CUDA devices we build that buffer directly with one `torch.cat` and hand
torch views of it, so cuDNN takes the weights as they are. On a CPU the layers store
their kernels column-major (`lay_out_fused_rnn_weight`), so the transposed views passed
are dense and the kernels copy nothing (measured: the buffer would cost about 15% of a
small LSTM's time on a CPU).
"""

from __future__ import annotations

import torch

from kerasfront.backends.layer_args import recurrent_units

# torch's GRU gate order (r, z, n) as positions of Keras's blocks (z, r, h).
_GRU_BLOCKS_FROM_KERAS = (1, 0, 2)


def _one_buffer(tensor) -> bool:
    """Whether torch should get the weights as views of one buffer (for cuDNN)."""
    return tensor.is_cuda


def _gate_rows(matrix, units, gates, order):
    """The Keras (rows, G units) matrix as torch's (G units, rows) matrix, flattened, its
    gate blocks in `order` (Keras block positions in torch's order). One copy."""
    by_gate = matrix.reshape(matrix.shape[0], gates, units).permute(1, 2, 0)
    if order is None:
        return by_gate.reshape(-1)
    # Slices and one `cat`; indexing with a list would send the index to the device on
    # every call.
    return torch.cat([by_gate[block] for block in order]).reshape(-1)


def _gate_columns(tensor, units, order):
    """`tensor` (..., G units) with its gate blocks in `order`; itself when None."""
    if order is None:
        return tensor
    return torch.cat([tensor[..., block * units : (block + 1) * units] for block in order], -1)


def _torch_parameters(kernel, recurrent_kernel, input_bias, recurrent_bias, units, gates, order):
    """[w_ih, w_hh, b_ih, b_hh] in torch's layout, built from differentiable ops on the
    Keras tensors (see the module docstring for the two ways)."""
    if not _one_buffer(kernel):
        return [
            _gate_columns(kernel, units, order).t(),
            _gate_columns(recurrent_kernel, units, order).t(),
            _gate_columns(input_bias, units, order),
            _gate_columns(recurrent_bias, units, order),
        ]
    pieces = [
        _gate_rows(kernel, units, gates, order),
        _gate_rows(recurrent_kernel, units, gates, order),
        _gate_columns(input_bias, units, order),
        _gate_columns(recurrent_bias, units, order),
    ]
    w_ih, w_hh, b_ih, b_hh = torch.split(torch.cat(pieces), [p.numel() for p in pieces])
    return [w_ih.view(gates * units, -1), w_hh.view(gates * units, units), b_ih, b_hh]


def lay_out_fused_rnn_weight(storage):
    """A Keras (rows, G units) weight stored column-major on a CPU, so the transposed
    view handed to torch's kernels is its row-major (G units, rows) weight as it is.

    Row-major storage costs, at every training step, one transposing copy inside the
    forward kernel, another inside the backward kernel and a third of the gradient for
    the fused Adam (about 6% of the benchmark's stacked LSTM, measured). Assignments
    keep the layout (`assign_variable`); the fused Adam takes such matrices transposed.
    On CUDA the weights go to cuDNN as one buffer built anew at every call, so the
    layout does not matter there and storage stays row-major."""
    if _one_buffer(storage) or storage.dim() != 2 or storage.t().is_contiguous():
        return storage
    with torch.no_grad():
        storage.data = storage.data.t().contiguous().t()
    return storage


def _needs_backward(*tensors) -> bool:
    # cuDNN keeps the workspace a backward pass needs only in training mode, and refuses
    # a backward pass through a forward run without it; inference mode is faster and
    # smaller, so use it whenever nothing will be differentiated.
    return torch.is_grad_enabled() and any(
        tensor is not None and tensor.requires_grad for tensor in tensors
    )


def _time_order(inputs, go_backwards):
    return torch.flip(inputs, dims=(1,)) if go_backwards else inputs


def _state(tensor):
    # torch wants (layers, batch, units) states, contiguous for cuDNN. (An op call costs
    # about a microsecond of dispatch, so `contiguous` only where it copies.)
    state = tensor.unsqueeze(0)
    return state if state.is_contiguous() else state.contiguous()


_ZERO_BIASES: dict = {}


def _zero_bias(like, size):
    """A zero vector of `size` entries on the device and dtype of `like`, made once and
    never written to: the recurrent bias torch adds and Keras's LSTM does not have."""
    key = (size, like.dtype, like.device)
    zeros = _ZERO_BIASES.get(key)
    if zeros is None:
        # Made outside inference mode whatever the caller's mode: an inference tensor
        # could not be saved for the backward pass of a later training step.
        with torch.inference_mode(False):
            zeros = _ZERO_BIASES[key] = torch.zeros(size, dtype=like.dtype, device=like.device)
    return zeros


def lstm(inputs, initial_states, kernel, recurrent_kernel, bias, go_backwards=False):
    """Keras's LSTM (sigmoid gates, tanh activation) over the whole sequence, fused.

    Args:
        inputs: (batch, time, features).
        initial_states: [h, c], each (batch, units).
        kernel: (features, 4 units), gates i, f, c, o.
        recurrent_kernel: (units, 4 units), same gate order.
        bias: (4 units,), or None for no bias.
        go_backwards: whether to run over the time axis from its end.

    Returns:
        (outputs (batch, time, units) in step order, [h, c] after the last step).
    """
    units = recurrent_units("lstm", 4, inputs, kernel, recurrent_kernel, lambda u: (4 * u,), bias)
    zeros = _zero_bias(kernel, 4 * units)
    # Keras has one bias; torch adds two, so the recurrent one is zero.
    parameters = _torch_parameters(
        kernel, recurrent_kernel, zeros if bias is None else bias, zeros, units, 4, None
    )
    h, c = initial_states
    outputs, final_h, final_c = torch.lstm(
        _time_order(inputs, go_backwards),
        (_state(h), _state(c)),
        parameters,
        True,  # has_biases
        1,  # num_layers
        0.0,  # dropout
        _needs_backward(inputs, h, c, kernel, recurrent_kernel, bias),
        False,  # bidirectional
        True,  # batch_first
    )
    return outputs, [final_h[0], final_c[0]]


def gru(inputs, initial_states, kernel, recurrent_kernel, bias, go_backwards=False):
    """Keras's GRU with reset_after=True (sigmoid gates, tanh activation), fused.

    Args:
        inputs: (batch, time, features).
        initial_states: [h], (batch, units).
        kernel: (features, 3 units), gates z, r, h.
        recurrent_kernel: (units, 3 units), same gate order.
        bias: (2, 3 units): the input bias row, then the recurrent bias row; or None.
        go_backwards: whether to run over the time axis from its end.

    Returns:
        (outputs (batch, time, units) in step order, [h] after the last step).
    """
    units = recurrent_units("gru", 3, inputs, kernel, recurrent_kernel, lambda u: (2, 3 * u), bias)
    if bias is None:
        input_bias = recurrent_bias = kernel.new_zeros(3 * units)
    else:
        input_bias, recurrent_bias = bias[0], bias[1]
    parameters = _torch_parameters(
        kernel, recurrent_kernel, input_bias, recurrent_bias, units, 3, _GRU_BLOCKS_FROM_KERAS
    )
    (h,) = initial_states
    outputs, final_h = torch.gru(
        _time_order(inputs, go_backwards),
        _state(h),
        parameters,
        True,  # has_biases
        1,  # num_layers
        0.0,  # dropout
        _needs_backward(inputs, h, kernel, recurrent_kernel, bias),
        False,  # bidirectional
        True,  # batch_first
    )
    return outputs, [final_h[0]]
