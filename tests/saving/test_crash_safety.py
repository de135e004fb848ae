"""Crash safety: a save killed at any moment leaves the previous file whole.

Saves write a temporary file in the target's directory, fsync it, rename it over the
target and fsync the directory (`kerasfront/saving/atomic.py`). The kill tests check it
the hard way: a process saving in a loop is killed with SIGKILL at a random moment,
after which every file it was writing must load and hold exactly one of the states it
was saving (the last one or the one before), never a mix; the temporary files a kill
leaves behind are removed by the next save to the same file.

- `model.save` (.keras and .h5), `save_weights` and ModelCheckpoint's hook: 30 kills. The
  saving process is forked from one that has imported kerasfront on the NumPy engine
  (saving is engine-independent frontend code), so a trial costs milliseconds.
- ModelCheckpoint during a real `fit` (weights and whole model): 3 kills of a JAX process.
- BackupAndRestore: a JAX `fit` killed mid-training and run again ends with the weights
  of an uninterrupted run (2 kills).

The kill tests start subprocesses of their own engines, so they run once, in the
KERAS_BACKEND=jax run (as tests/models/test_cross_backend.py does); about 25 s there on
two cores. The in-process tests run on every engine.
"""

import hashlib
import json
import os
import random
import selectors
import signal
import stat
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import callbacks, layers
from kerasfront.saving import atomic

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KILL_TESTS = pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "jax" or not hasattr(os, "fork"),
    reason="kills subprocesses of their own engines; runs once, in the KERAS_BACKEND=jax run",
)
FILES = ["model.keras", "model.h5", "model.weights.h5", "checkpoint.h5"]


class Child:
    """A subprocess whose stdout lines are read with a deadline (a hung child fails the
    test instead of hanging it)."""

    def __init__(self, script: str, args: list[str], engine: str):
        environment = {**os.environ, "KERAS_BACKEND": engine, "PYTHONPATH": REPOSITORY}
        self.process = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            cwd=REPOSITORY,
        )
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        self.buffer = b""

    def line(self, timeout: float = 60.0) -> str | None:
        """The next line, or None at end of output."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self.selector.select(left):
                self.kill()
                raise AssertionError(f"no line from the subprocess in {timeout} s")
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def until(self, prefix: str, seen: list[str]) -> str:
        """Reads lines (appending them to `seen`) up to the first starting with `prefix`."""
        while True:
            line = self.line()
            if line is None:
                raise AssertionError(f"the subprocess ended: {self.process.stderr.read()!r}")
            seen.append(line)
            if line.startswith(prefix):
                return line

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def digest(arrays) -> str:
    """The same for arrays equal in value, whatever their dtype (iterations may come
    back as another integer type)."""
    return hashlib.sha1(
        b"".join(np.asarray(a, dtype="float64").tobytes() for a in arrays)
    ).hexdigest()


# ---- every engine ------------------------------------------------------------------------
def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_save_removes_temporaries_of_dead_writers_only(tmp_path):
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), name="d")])
    target = tmp_path / "model.weights.h5"
    host = atomic._host()
    dead = tmp_path / f".model.weights.h5.{host}-{dead_pid()}.x1.tmp"
    alive = tmp_path / f".model.weights.h5.{host}-{os.getpid()}.x2.tmp"
    other_target = tmp_path / f".other.h5.{host}-{dead_pid()}.x3.tmp"
    for path in (dead, alive, other_target):
        path.write_bytes(b"half a file")
    model.save_weights(target)
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["model.weights.h5", alive.name, other_target.name]
    )
    restored = keras.Sequential([layers.Dense(2, input_shape=(3,), name="d")])
    restored.load_weights(target)
    for saved, loaded in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(saved, loaded)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_saved_files_get_the_permissions_of_a_plain_write(tmp_path):
    # The temporary file the save writes first is private (mkstemp); the saved file is not.
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), name="d")])
    previous = os.umask(0o027)
    try:
        model.save(tmp_path / "new.h5")
        assert stat.S_IMODE(os.stat(tmp_path / "new.h5").st_mode) == 0o640
        # Replacing a file keeps its permissions, as writing into it would.
        existing = tmp_path / "existing.weights.h5"
        existing.write_bytes(b"")
        os.chmod(existing, 0o604)
        model.save_weights(existing)
        assert stat.S_IMODE(os.stat(existing).st_mode) == 0o604
    finally:
        os.umask(previous)


def test_backup_and_restore_cleans_up_what_a_killed_run_left(tmp_path):
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), name="d")])
    model.compile("sgd", loss="mse")
    backup_dir = tmp_path / "backup"
    backup = callbacks.BackupAndRestore(str(backup_dir))
    backup.set_model(model)
    backup.on_epoch_end(0)
    # A killed run: a later backup its state file never named, and a temporary file.
    (backup_dir / "epoch_1.h5").write_bytes(b"written, never named")
    host = atomic._host()
    (backup_dir / f".epoch_2.h5.{host}-{dead_pid()}.abc.tmp").write_bytes(b"half")
    backup.on_epoch_end(1)
    assert sorted(os.listdir(backup_dir)) == ["epoch_1.h5", "training_state.json"]
    with open(backup_dir / "training_state.json") as handle:
        assert json.load(handle) == {"epoch": 1, "file": "epoch_1.h5"}
    backup.on_train_end()
    assert not backup_dir.exists()


# ---- kills: model.save, save_weights, ModelCheckpoint ------------------------------------
# Forks one saving child per trial. State k of a trial: every weight is base + k, the
# optimizer's iterations k and its momenta momenta + k. The child announces "state k"
# before writing it, and "ready" once every file holds a state of this trial.
FORK_SERVER = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import kerasfront as keras

    model = keras.Sequential(
        [keras.layers.Dense(3, input_shape=(2,), name="hidden"), keras.layers.Dense(1, name="out")]
    )
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9), loss="mse")

    def say(text):
        os.write(1, (text + "\\n").encode())

    def save_forever(directory, seed):
        base, momenta = state_zero(seed)
        checkpoint = keras.callbacks.ModelCheckpoint(os.path.join(directory, "checkpoint.h5"))
        checkpoint.set_model(model)
        k = 0
        while True:
            say(f"state {k}")
            model.set_weights([w + k for w in base])
            model.optimizer.set_weights([np.array(k, "int64")] + [m + k for m in momenta])
            model.save(os.path.join(directory, "model.keras"))
            model.save(os.path.join(directory, "model.h5"))
            model.save_weights(os.path.join(directory, "model.weights.h5"))
            checkpoint.on_epoch_end(k, {"loss": 1.0})
            if k == 0:
                say("ready")
            k += 1

    def state_zero(seed):
        rng = np.random.default_rng(seed)
        base = [rng.normal(size=w.shape).astype("float32") for w in model.weights]
        return base, [rng.normal(size=w.shape).astype("float32") for w in model.weights]

    say("server")
    for command in sys.stdin:
        directory, seed = command.split()
        pid = os.fork()
        if pid == 0:
            try:
                save_forever(directory, int(seed))
            finally:
                os._exit(1)
        say(f"child {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"exit {pid} {status}")
    """
)


def state_zero(model, seed):
    rng = np.random.default_rng(seed)
    base = [rng.normal(size=w.shape).astype("float32") for w in model.weights]
    return base, [rng.normal(size=w.shape).astype("float32") for w in model.weights]


def state_of(arrays, base) -> int:
    """k when `arrays` is exactly base + k for one k, else an assertion error (a mix)."""
    k = int(round(float(np.asarray(arrays[0]).ravel()[0] - base[0].ravel()[0])))
    for array, start in zip(arrays, base, strict=True):
        np.testing.assert_array_equal(array, start + np.float32(k), err_msg="a mix of states")
    return k


def loaded_states(directory, template, seed) -> dict:
    """The state k each file holds, checked whole (weights and optimizer agree)."""
    base, momenta = state_zero(template, seed)
    states = {}
    for name in FILES:
        path = os.path.join(directory, name)
        if name == "model.weights.h5":
            template.load_weights(path)
            states[name] = state_of(template.get_weights(), base)
            continue
        model = keras.models.load_model(path)
        k = state_of(model.get_weights(), base)
        optimizer = model.optimizer.get_weights()
        assert int(optimizer[0]) == k, f"{name}: optimizer state of another save"
        assert state_of(optimizer[1:], momenta) == k, f"{name}: optimizer state of another save"
        states[name] = k
    return states


@KILL_TESTS
def test_saves_killed_at_random_moments_leave_whole_files(tmp_path):
    template = keras.Sequential(
        [layers.Dense(3, input_shape=(2,), name="hidden"), layers.Dense(1, name="out")]
    )
    server = Child(FORK_SERVER, [], "numpy")
    chooser = random.Random(20240610)
    caught_mid_save, trials, leftovers = 0, 30, set()
    try:
        server.until("server", [])
        for trial in range(trials):
            seed = 1000 + trial
            server.process.stdin.write(f"{tmp_path} {seed}\n".encode())
            server.process.stdin.flush()
            lines: list[str] = []
            pid = int(server.until("child", lines).split()[1])
            server.until("ready", lines)
            # Temporaries of the previous (killed) child are gone: its successor's saves
            # to the same files removed them.
            assert not leftovers & set(os.listdir(tmp_path))
            time.sleep(chooser.uniform(0.0, 0.08))
            os.kill(pid, signal.SIGKILL)
            server.until(f"exit {pid}", lines)
            last = max(int(line.split()[1]) for line in lines if line.startswith("state"))
            leftovers = {name for name in os.listdir(tmp_path) if name.endswith(".tmp")}
            caught_mid_save += bool(leftovers)
            for name, k in loaded_states(str(tmp_path), template, seed).items():
                assert k in (last - 1, last), f"trial {trial}: {name} holds state {k}, last {last}"
    finally:
        server.kill()
    # Most kills land inside a save (the loop does little else): the test saw real ones.
    assert caught_mid_save >= 3, f"only {caught_mid_save} of {trials} kills hit a save"
    # The last kill's temporaries go with the next save to each file they belong to.
    template.compile("sgd", "mse")
    for name in FILES:
        if name.endswith(".weights.h5"):
            template.save_weights(tmp_path / name)
        else:
            template.save(tmp_path / name)
    assert not leftovers & set(os.listdir(tmp_path))


# ---- kills: ModelCheckpoint during fit ---------------------------------------------------
FIT_SCRIPT = textwrap.dedent(
    """
    import hashlib, os, sys
    import numpy as np
    import kerasfront as keras

    directory = sys.argv[1]

    def digest(arrays):
        data = b"".join(np.asarray(a, dtype="float64").tobytes() for a in arrays)
        return hashlib.sha1(data).hexdigest()

    class Report(keras.callbacks.Callback):
        # Runs before the checkpoints (callbacks run in the order given).
        def on_epoch_end(self, epoch, logs=None):
            weights = digest(self.model.get_weights())
            optimizer = digest(self.model.optimizer.get_weights())
            os.write(1, f"state {epoch} {weights} {optimizer}\\n".encode())

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                os.write(1, b"ready\\n")

    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.layers.Dense(4, activation="tanh", input_shape=(3,)),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), loss="mse")
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
    y = np.ones((4, 1), "float32")
    model.fit(x, y, batch_size=4, epochs=100000, shuffle=False, verbose=0, callbacks=[
        Report(),
        keras.callbacks.ModelCheckpoint(os.path.join(directory, "ckpt.weights.h5"),
                                        save_weights_only=True),
        keras.callbacks.ModelCheckpoint(os.path.join(directory, "ckpt.keras")),
    ])
    """
)


@KILL_TESTS
def test_model_checkpoint_killed_during_fit_leaves_a_saved_epoch(tmp_path):
    chooser = random.Random(7)
    template = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(1)])
    for trial in range(3):
        child = Child(FIT_SCRIPT, [str(tmp_path)], "jax")
        lines: list[str] = []
        try:
            child.until("ready", lines)
            time.sleep(chooser.uniform(0.0, 0.3))
            os.kill(child.process.pid, signal.SIGKILL)
            child.process.wait()
            while (line := child.line()) is not None:
                lines.append(line)
        finally:
            child.kill()
        reported = [line.split()[1:] for line in lines if line.startswith("state")]
        recent = {(w, o) for _, w, o in reported[-2:]}
        template.load_weights(tmp_path / "ckpt.weights.h5")
        assert digest(template.get_weights()) in {w for w, _ in recent}, f"trial {trial}"
        whole = keras.models.load_model(tmp_path / "ckpt.keras")
        pair = (digest(whole.get_weights()), digest(whole.optimizer.get_weights()))
        assert pair in recent, f"trial {trial}: the .keras file holds no saved epoch"


# ---- kills: BackupAndRestore ----------------------------------------------------------------
BACKUP_SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import kerasfront as keras

    directory, result = sys.argv[1], sys.argv[2]

    class Report(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            os.write(1, f"epoch {epoch}\\n".encode())

    model = keras.Sequential([keras.layers.Dense(4, activation="tanh", input_shape=(3,)),
                              keras.layers.Dense(1)])
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.weights])
    model.compile(keras.optimizers.Adam(0.01), loss="mse")
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    model.fit(x, y, batch_size=4, epochs=int(sys.argv[3]), shuffle=False, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(directory), Report()])
    np.savez(result, *model.get_weights())
    os.write(1, b"done\\n")
    """
)


@KILL_TESTS
def test_backup_and_restore_after_a_kill_ends_as_an_uninterrupted_run(tmp_path):
    epochs = 120
    # The uninterrupted run, here (same engine, same arrays, same steps).
    reference = keras.Sequential(
        [layers.Dense(4, activation="tanh", input_shape=(3,)), layers.Dense(1)]
    )
    rng = np.random.default_rng(0)
    reference.set_weights([rng.normal(size=w.shape).astype("float32") for w in reference.weights])
    reference.compile(keras.optimizers.Adam(0.01), loss="mse")
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    reference.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0)
    chooser = random.Random(3)
    for trial in range(2):
        backup_dir, result = tmp_path / f"backup{trial}", tmp_path / f"result{trial}.npz"
        arguments = [str(backup_dir), str(result), str(epochs)]
        first = Child(BACKUP_SCRIPT, arguments, "jax")
        try:
            first.until("epoch 2", [])  # a backup exists from here on
            time.sleep(chooser.uniform(0.0, 0.2))
            os.kill(first.process.pid, signal.SIGKILL)
        finally:
            first.kill()
        assert first.process.returncode == -signal.SIGKILL and not result.exists()
        second = Child(BACKUP_SCRIPT, arguments, "jax")
        lines: list[str] = []
        try:
            resumed_at = int(second.until("epoch", lines).split()[1])
            second.until("done", lines)
        finally:
            second.kill()
        assert 2 <= resumed_at < epochs, f"trial {trial}: resumed at epoch {resumed_at}"
        with np.load(result) as arrays:
            final = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
        for resumed, uninterrupted in zip(final, reference.get_weights(), strict=True):
            np.testing.assert_array_equal(resumed, uninterrupted)
        assert not backup_dir.exists()  # deleted once training ended
