"""RemoteMonitor (real HTTP POSTs to a local server) and TensorBoard (event files read by TensorBoard's own reader)."""

import http.server
import json
import os
import socket
import threading
import urllib.parse

import numpy as np
import pytest

from kerasfront import callbacks
from tests.callbacks.common import X_VAL, Y_VAL, Script, X, Y, compiled_model

# ---- RemoteMonitor -------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):  # keep the test output clean
        pass


def test_remote_monitor_posts_the_epoch_logs():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{server.server_address[1]}"
    _Recorder.received = []
    model = compiled_model(metrics=["mae"])
    try:
        as_json = callbacks.RemoteMonitor(
            root=root, path="/events", send_as_json=True, headers={"X-Run": "seven"}
        )
        history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[as_json])
        as_form = callbacks.RemoteMonitor(root=root, field="payload")
        form_history = model.fit(X, Y, batch_size=8, epochs=1, verbose=0, callbacks=[as_form])
    finally:
        server.shutdown()
        server.server_close()
    assert len(_Recorder.received) == 3
    for epoch, (path, headers, body) in enumerate(_Recorder.received[:2]):
        assert path == "/events"
        assert headers["Content-Type"] == "application/json"
        assert headers["X-Run"] == "seven"
        sent = json.loads(body)
        assert sent["epoch"] == epoch
        for name in ("loss", "mae"):
            assert sent[name] == pytest.approx(history.history[name][epoch], rel=1e-7)
    path, headers, body = _Recorder.received[2]
    assert path == "/publish/epoch/end/"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    sent = json.loads(urllib.parse.parse_qs(body.decode())["payload"][0])
    assert sent["loss"] == pytest.approx(form_history.history["loss"][0], rel=1e-7)

    # Nobody listening: a warning each epoch, and training completes.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    unreachable = callbacks.RemoteMonitor(root=f"http://127.0.0.1:{closed_port}", timeout=2)
    with pytest.warns(RuntimeWarning, match="could not reach"):
        history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[unreachable])
    assert history.epoch == [0, 1]


# ---- TensorBoard ---------------------------------------------------------------------------


def test_event_records_pass_tensorboards_checksum_reader(tmp_path):
    from kerasfront.callbacks import tensorboard_events

    # The CRC-32C check value of the ASCII digits 1-9 (RFC 3720, appendix B.4).
    assert tensorboard_events.crc32c(b"123456789") == 0xE3069283
    stub = pytest.importorskip("tensorboard.compat.tensorflow_stub.pywrap_tensorflow")
    event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
    writer = tensorboard_events.EventFileWriter(str(tmp_path))
    writer.add_scalars({"loss": 1.5, "mae": -0.25}, step=3)
    writer.close()
    # TensorBoard's pure-Python reader checks both masked CRCs of every record.
    reader = stub.PyRecordReader_New(writer.path)
    events = []
    with pytest.raises(Exception, match="No more events"):
        while True:
            reader.GetNext()
            events.append(event_pb2.Event.FromString(reader.record()))
    assert events[0].file_version == "brain.Event:2"
    assert events[1].step == 3
    assert {v.tag: v.simple_value for v in events[1].summary.value} == {"loss": 1.5, "mae": -0.25}

    corrupted = bytearray(open(writer.path, "rb").read())
    corrupted[-6] ^= 1
    with open(writer.path, "wb") as handle:
        handle.write(bytes(corrupted))
    reader = stub.PyRecordReader_New(writer.path)
    reader.GetNext()
    with pytest.raises(Exception, match="crc32"):
        reader.GetNext()


def test_tensorboard_event_files_read_by_tensorboard(tmp_path):
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )
    log_dir = str(tmp_path / "run")
    model = compiled_model(metrics=["mae"])
    script = Script()
    board = callbacks.TensorBoard(log_dir=log_dir, histogram_freq=2, update_freq=1)
    history = model.fit(
        X,
        Y,
        batch_size=8,
        epochs=3,
        verbose=0,
        shuffle=False,
        validation_data=(X_VAL, Y_VAL),
        callbacks=[script, board],
    )

    def load(run):
        accumulator = event_accumulator.EventAccumulator(
            os.path.join(log_dir, run), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0}
        )
        accumulator.Reload()
        return accumulator

    train, validation = load("train"), load("validation")
    for name in ("loss", "mae"):
        events = train.Scalars(f"epoch_{name}")
        assert [e.step for e in events] == [0, 1, 2]
        np.testing.assert_allclose([e.value for e in events], history.history[name], rtol=1e-6)
        events = validation.Scalars(f"epoch_{name}")
        assert [e.step for e in events] == [0, 1, 2]
        np.testing.assert_allclose(
            [e.value for e in events], history.history[f"val_{name}"], rtol=1e-6
        )
    # Batch values every batch, at the optimizer's step; an epoch's last batch holds its mean.
    batch_loss = train.Scalars("batch_loss")
    assert [e.step for e in batch_loss] == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(
        [e.value for e in batch_loss][1::2], history.history["loss"], rtol=1e-6
    )

    # Weight histograms at epochs 0 and 2 (histogram_freq=2), from the weights of then.
    kernel_name = model.layers[0].weights[0].name.replace(":", "_")
    histograms = train.Histograms(f"{kernel_name}/histogram")
    assert [h.step for h in histograms] == [0, 2]
    for event, epoch in zip(histograms, (0, 2)):
        kernel = script.weights[epoch][0].astype("float64")
        value = event.histogram_value
        np.testing.assert_allclose([value.min, value.max], [kernel.min(), kernel.max()], rtol=1e-6)
        assert value.num == kernel.size and sum(value.bucket) == kernel.size
        np.testing.assert_allclose(value.sum, kernel.sum(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(value.sum_squares, np.square(kernel).sum(), rtol=1e-5)
        counts, _ = np.histogram(kernel, bins=len(value.bucket), range=(kernel.min(), kernel.max()))
        np.testing.assert_array_equal(value.bucket, counts)

    # The model's structure as the Keras conceptual graph: its JSON config.
    graph = train.Tensors("keras")
    assert [event.step for event in graph] == [0]
    config = json.loads(graph[0].tensor_proto.string_val[0])
    assert config["class_name"] == "Sequential"
    assert len(config["config"]["layers"]) >= 2

    with pytest.raises(ValueError, match="write_images"):
        callbacks.TensorBoard(write_images=True)
