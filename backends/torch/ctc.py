"""torch's own CTC loss kernel, for `K.ctc_batch_cost` (see contract.OPTIONAL_NAMES)."""

from __future__ import annotations

import torch


def ctc_loss(log_probs, labels, input_length, label_length):
    """-log p(labels | inputs) per sample, with the last class as the blank.

    `log_probs` must be normalized (a log-softmax): torch's backward pass assumes it,
    and gives the exact gradient through that log-softmax.
    """
    return torch.nn.functional.ctc_loss(
        log_probs.transpose(0, 1),
        labels.long(),
        input_length.long(),
        label_length.long(),
        blank=log_probs.shape[-1] - 1,
        reduction="none",
        zero_infinity=False,
    )
