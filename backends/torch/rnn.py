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

The layers store their kernels column-major (`lay_out_fused_rnn_weight`), so torch's
(G units, rows) matrix is a dense view of Keras's kernel, not a copy.

cuDNN wants all four weight tensors as consecutive views of one buffer, in the order
w_ih, w_hh, b_ih, b_hh; given separate tensors it warns ("weights are not part of single
contiguous chunk of memory") and allocates, zeroes and fills such a buffer itself on
every call. On CUDA devices we build that buffer directly with one `torch.cat` of views
and hand torch views of it, so cuDNN takes the weights as they are; when nothing is
differentiated (predict, evaluate) the buffer is kept until a weight changes. On a CPU
the dense transposed views go to the kernels as they are, which copy nothing (measured:
the buffer would cost about 15% of a small LSTM's time on a CPU).
"""

from __future__ import annotations

import torch

from kerasfront.backends.layer_args import recurrent_units

from . import cuda_graphs

# torch's GRU gate order (r, z, n) as positions of Keras's blocks (z, r, h).
_GRU_BLOCKS_FROM_KERAS = (1, 0, 2)


def _one_buffer(tensor) -> bool:
    """Whether torch should get the weights as views of one buffer (for cuDNN)."""
    return tensor.is_cuda


def _gate_blocks(tensor, units, order):
    """`tensor` (..., G units) as a list of views: its gate blocks in `order` (Keras block
    positions in torch's order), or the whole tensor when `order` is None."""
    if order is None:
        return [tensor]
    return [tensor[..., block * units : (block + 1) * units] for block in order]


def _gate_columns(tensor, units, order):
    """`tensor` (..., G units) with its gate blocks in `order`; itself when None."""
    blocks = _gate_blocks(tensor, units, order)
    return blocks[0] if len(blocks) == 1 else torch.cat(blocks, -1)


def _torch_parameters(kernel, recurrent_kernel, input_bias, recurrent_bias, units, gates, order):
    """[w_ih, w_hh, b_ih, b_hh] in torch's layout, built from differentiable ops on the
    Keras tensors (see the module docstring for the two ways)."""
    keras_weights = (kernel, recurrent_kernel, input_bias, recurrent_bias)
    if not _one_buffer(kernel):
        return [
            _gate_columns(kernel, units, order).t(),
            _gate_columns(recurrent_kernel, units, order).t(),
            _gate_columns(input_bias, units, order),
            _gate_columns(recurrent_bias, units, order),
        ]
    may_keep = _may_keep(keras_weights)
    kept = _kept_buffer(keras_weights) if may_keep else None
    if kept is not None:
        return kept
    # Every piece a view of a Keras weight (the kernels' transposes are dense: they are
    # stored column-major), so the one `cat` is the only copy.
    pieces = [
        piece.t().reshape(-1) if piece.dim() == 2 else piece
        for weight in keras_weights
        for piece in _gate_blocks(weight, units, order)
    ]
    sizes = [kernel.numel(), recurrent_kernel.numel(), gates * units, gates * units]
    w_ih, w_hh, b_ih, b_hh = torch.split(torch.cat(pieces), sizes)
    parameters = [w_ih.view(gates * units, -1), w_hh.view(gates * units, units), b_ih, b_hh]
    if may_keep:
        _keep_buffer(keras_weights, parameters)
    return parameters


def _weights_key(keras_weights):
    # A weight's memory and its version counter, which every in-place update through it
    # or its views advances (the optimizers'); an assignment brings new memory; a CUDA
    # graph's replay writes memory without counting, so its writes are counted apart.
    # The kept entry holds the memory it was made from: no other tensor takes its address.
    return (
        cuda_graphs.state_writes(),
        *((w.data_ptr(), w._version) for w in keras_weights),
    )


def _may_keep(keras_weights) -> bool:
    """Whether cuDNN's buffer may be kept between calls: nothing is differentiated, and
    the call is not being recorded (a CUDA graph or torch.compile would hold on to the
    kept buffer and miss later changes of the weights)."""
    return not (
        (torch.is_grad_enabled() and any(w.requires_grad for w in keras_weights))
        or torch.compiler.is_compiling()
        or (keras_weights[0].is_cuda and torch.cuda.is_current_stream_capturing())
    )


def _kept_buffer(keras_weights):
    """The parameters built by an earlier call on these same weights, unchanged since."""
    kept = getattr(keras_weights[0], "_kerasfront_cudnn_weights", None)
    if kept is None or kept[0] != _weights_key(keras_weights):
        return None
    return kept[1]


def _keep_buffer(keras_weights, parameters) -> None:
    memory = [w.detach() for w in keras_weights]
    keras_weights[0]._kerasfront_cudnn_weights = (_weights_key(keras_weights), parameters, memory)


def lay_out_fused_rnn_weight(storage):
    """A Keras (rows, G units) weight stored column-major, so its transposed view, the
    (G units, rows) weight torch's kernels read, is dense.

    Row-major storage costs, at every training step on a CPU, one transposing copy inside
    the forward kernel, another inside the backward kernel and a third of the gradient
    for the fused Adam (about 6% of the benchmark's stacked LSTM, measured); on CUDA a
    transposing copy per kernel before they go into cuDNN's buffer. Assignments keep the
    layout (`assign_variable`); the fused Adam takes such matrices transposed."""
    if storage.dim() != 2 or storage.t().is_contiguous():
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
