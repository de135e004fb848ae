#!/usr/bin/env bash
# The GPU check, in one command for a lent GPU machine (it has torch and jax with CUDA,
# no TensorFlow): the torch and jax test suites, then the fit benchmarks on the GPU
# (benchmarks/fit_<model>.py, the same as `python -m kerasfront bench --model <model>`).
# Results go to $OUT (or /tmp/gpu_check): device.txt, tests_<backend>.txt, bench_<model>.txt.
#
#   bash benchmarks/gpu_check.sh            # tests and benchmarks
#   bash benchmarks/gpu_check.sh tests      # only the suites
#   bash benchmarks/gpu_check.sh bench      # only the benchmarks
set -u
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu_check}
part=${1:-all}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
# Several test processes share the card: none may grab it up front.
export XLA_PYTHON_CLIENT_PREALLOCATE=false

python3 -m pip install -q --no-deps --no-build-isolation -e . >"$out/install.txt" 2>&1
{
    nvidia-smi -L
    python3 -c "import torch, jax; print('torch', torch.__version__, '| jax', jax.__version__, jax.devices())"
} >"$out/device.txt" 2>&1

if [ "$part" != bench ]; then
    # pytest-xdist spreads each suite over the machine's cores; every test still runs its
    # engine on the GPU. The limits keep the whole check inside one 10-minute command.
    for run in torch:100 jax:180; do
        backend=${run%%:*}
        KERAS_BACKEND=$backend timeout "${run##*:}" python3 -m pytest -q -p no:cacheprovider \
            -n 8 >"$out/tests_$backend.txt" 2>&1
        echo "exit $?" >>"$out/tests_$backend.txt"
    done
fi

if [ "$part" != tests ]; then
    for model in mlp cnn lstm tiny; do
        timeout 75 python3 "benchmarks/fit_$model.py" --device gpu --backends torch,jax \
            --epochs 2 >"$out/bench_$model.txt" 2>&1
        echo "exit $?" >>"$out/bench_$model.txt"
    done
fi
tail -n 3 "$out"/tests_*.txt "$out"/bench_*.txt 2>/dev/null
