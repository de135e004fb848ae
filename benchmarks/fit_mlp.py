"""kerasfront `fit`/`predict` against a hand-written loop on the same engine: mlp.

Model: Dense 784-512-512-10 (relu, relu, softmax), Adam, batch 128, 60,000 random samples.
The same as `python -m kerasfront bench --model mlp`; the code lives in kerasfront/bench/.
Flags: --epochs, --samples, --backends, --device cpu|gpu, --keras3, --json, --plot FILE
(see benchmarks/README.md).
"""

import sys

from kerasfront.bench.script import main

if __name__ == "__main__":
    sys.exit(main("mlp"))
