"""The multi-host side of TensorFlow data parallelism: a `TF_CONFIG` cluster.

`tf.distribute.MultiWorkerMirroredStrategy` configures TensorFlow's collective
operations, which is allowed only before TensorFlow's runtime starts, and the adapter
starts it on import. So the adapter calls `start_cluster()` first: when `TF_CONFIG`
names several workers (the variable cluster launchers set for tf.distribute), the
strategy is made then, and `DataParallel` uses it later.

Launch: run the same script on every host with `TF_CONFIG` set, e.g. on host 0

    TF_CONFIG='{"cluster": {"worker": ["host0:12345", "host1:12345"]},
                "task": {"type": "worker", "index": 0}}' python train.py

(index 1 on host 1); in the script, `with kerasfront.distribution.DataParallel():` around
building and compiling the model, and the same arrays and `fit` arguments on every host.
"""

from __future__ import annotations

import json
import os

_STRATEGY: list = []  # the MultiWorkerMirroredStrategy, once made


def worker_count() -> int:
    """How many hosts `TF_CONFIG` names (chief and workers); 1 without it.

    Raises:
        ValueError: TF_CONFIG is not a JSON object, or names parameter servers (a
            parameter-server cluster is not data parallelism over mirrored variables).
    """
    text = os.environ.get("TF_CONFIG")
    if not text:
        return 1
    try:
        cluster = json.loads(text).get("cluster", {})
    except (ValueError, AttributeError) as error:
        raise ValueError(f"DataParallel: TF_CONFIG is not a JSON object: {error}") from None
    if cluster.get("ps"):
        raise ValueError(
            "DataParallel: TF_CONFIG names parameter servers ('ps'); kerasfront's data "
            "parallelism runs on workers only (MultiWorkerMirroredStrategy). Remove 'ps'."
        )
    return len(cluster.get("chief", [])) + len(cluster.get("worker", []))


def start_cluster() -> None:
    """Makes the MultiWorkerMirroredStrategy when TF_CONFIG names several workers. Call
    before TensorFlow's runtime starts. A malformed TF_CONFIG is left for `DataParallel`
    to report, so that importing kerasfront never fails on it."""
    try:
        several = worker_count() > 1
    except ValueError:
        return
    if several and not _STRATEGY:
        import tensorflow as tf

        _STRATEGY.append(tf.distribute.MultiWorkerMirroredStrategy())


def multi_worker_strategy():
    """The strategy `start_cluster` made, or None for a single host.

    Raises:
        ValueError: TF_CONFIG names several workers but the strategy could not be made
            before TensorFlow started (it was set after kerasfront was imported).
    """
    if worker_count() <= 1:
        return None
    if not _STRATEGY:
        raise ValueError(
            "DataParallel: TF_CONFIG names several workers, but it was set after "
            "TensorFlow started; set TF_CONFIG in the environment before importing kerasfront."
        )
    return _STRATEGY[0]
