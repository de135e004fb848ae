"""RemoteMonitor: POSTs each epoch's logs to an HTTP server."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from kerasfront.callbacks.base import Callback


class RemoteMonitor(Callback):
    """Sends `{"epoch": epoch, **logs}` to `root + path` with an HTTP POST at each epoch end.

    The request is made with the standard library (`urllib`); no extra package is needed.
    A server that cannot be reached (or answers with an error) gives a warning, and
    training goes on, as in Keras 2.

    Args:
        root: the server's root URL.
        path: the path under `root` the events go to.
        field: with `send_as_json=False`, the form field whose value is the JSON text.
        headers: extra HTTP headers (a dict).
        send_as_json: True sends the JSON as the request body ("application/json");
            False sends a form ("application/x-www-form-urlencoded") `field=<json>`.
        timeout: seconds to wait for the server (not in Keras 2, which waits as long as
            the `requests` library does).
    """

    chief_only = True  # one per training, written by the first process

    def __init__(
        self,
        root="http://localhost:9000",
        path="/publish/epoch/end/",
        field="data",
        headers=None,
        send_as_json=False,
        timeout=10.0,
    ):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers = dict(headers or {})
        self.send_as_json = send_as_json
        self.timeout = timeout

    def on_epoch_end(self, epoch, logs=None):
        payload = {"epoch": epoch}
        for key, value in (logs or {}).items():
            # NumPy values are not JSON types; their Python forms are.
            payload[key] = value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value
        if self.send_as_json:
            body = json.dumps(payload).encode("utf-8")
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(payload)}).encode("utf-8")
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, **self.headers}
        request = urllib.request.Request(
            self.root + self.path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError) as error:
            warnings.warn(
                f"RemoteMonitor: could not reach the server at {self.root + self.path} "
                f"({error}); epoch {epoch} was not sent.",
                RuntimeWarning,
                stacklevel=2,
            )
