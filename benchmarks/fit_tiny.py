"""kerasfront `fit`/`predict` against a hand-written loop on the same engine: tiny.

Model: Dense 16-32-4 (relu, softmax), Adam, batch 32, 4,096 random samples: the per-step
overhead alone (microseconds per step), torch on one thread for every side.
The same as `python -m kerasfront bench --model tiny`; the code lives in kerasfront/bench/.
Flags: --epochs, --samples, --backends, --device cpu|gpu, --keras3, --json, --plot FILE
(see benchmarks/README.md).
"""

import sys

from kerasfront.bench.script import main

if __name__ == "__main__":
    sys.exit(main("tiny"))
