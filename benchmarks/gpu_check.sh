#!/usr/bin/env bash
# The GPU check, in one command for a lent GPU machine (it has torch and jax with CUDA,
# no TensorFlow), most telling first so that a time limit cuts the least useful part:
#   1. the CUDA-graph tests (torch, jit_compile=True),
#   2. the fit benchmarks on the GPU, torch and jax (benchmarks/fit_<model>.py, the same as
#      `python -m kerasfront bench --model <model>`), then torch again with --jit-compile,
#   3. a profile of the torch MLP step (benchmarks/profile_torch.py),
#   4. the torch and jax test suites, side by side, each under a time limit.
# Results go to $OUT (or /tmp/gpu_check): device.txt, graphs.txt, bench.txt, profile.txt,
# tests_torch.txt, tests_jax.txt (verbose: one line per test, so a cut run still tells).
#
#   bash benchmarks/gpu_check.sh            # everything
#   bash benchmarks/gpu_check.sh tests      # only the suites
#   bash benchmarks/gpu_check.sh bench      # only the benchmarks and the profile
set -u
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu_check}
part=${1:-all}
suite_seconds=${SUITE_SECONDS:-200}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
# Several processes share the card: none may grab it up front.
export XLA_PYTHON_CLIENT_PREALLOCATE=false

python3 -m pip install -q --no-deps --no-build-isolation -e . >"$out/install.txt" 2>&1 ||
    cat "$out/install.txt"
{
    nvidia-smi -L
    nproc
    python3 -c "import torch, jax; print('torch', torch.__version__, '| jax', jax.__version__, jax.devices())"
} >"$out/device.txt" 2>&1

if [ "$part" != tests ]; then
    KERAS_BACKEND=torch timeout 120 python3 -m pytest -q -p no:cacheprovider -rA \
        tests/test_torch_cuda_graphs.py >"$out/graphs.txt" 2>&1
    echo "exit $?" >>"$out/graphs.txt"
    for run in mlp:torch,jax: cnn:torch,jax: lstm:torch,jax: tiny:torch,jax: \
        mlp:torch:--jit-compile cnn:torch:--jit-compile lstm:torch:--jit-compile \
        tiny:torch:--jit-compile; do
        IFS=: read -r model backends flag <<<"$run"
        echo "### $model $backends $flag" >>"$out/bench.txt"
        timeout 75 python3 "benchmarks/fit_$model.py" --device gpu --backends "$backends" \
            --epochs 3 $flag >>"$out/bench.txt" 2>&1
        echo "exit $?" >>"$out/bench.txt"
    done
    timeout 60 python3 benchmarks/profile_torch.py --model mlp --device gpu --steps 100 \
        >"$out/profile.txt" 2>&1
    echo "exit $?" >>"$out/profile.txt"
fi

if [ "$part" != bench ]; then
    # Both suites at once, each on part of the cores (pytest-xdist); every test still runs
    # its engine on the GPU.
    cores=$(nproc)
    for run in torch:$((cores * 2 / 5)) jax:$((cores * 3 / 5)); do
        backend=${run%%:*}
        (
            KERAS_BACKEND=$backend timeout "$suite_seconds" python3 -m pytest -v \
                -p no:cacheprovider --tb=short -n "${run##*:}" >"$out/tests_$backend.txt" 2>&1
            echo "exit $?" >>"$out/tests_$backend.txt"
        ) &
    done
    wait
fi
tail -n 3 "$out"/graphs.txt "$out"/tests_*.txt 2>/dev/null
grep -h "^| torch\|^| jax\|^###" "$out/bench.txt" 2>/dev/null
