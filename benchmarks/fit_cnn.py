"""kerasfront `fit`/`predict` against a hand-written loop on the same engine: cnn.

Model: the Keras MNIST convnet without dropout, Adam, batch 128, 8,000 random 28x28x1 images.
The same as `python -m kerasfront bench --model cnn`; the code lives in kerasfront/bench/.
Flags: --epochs, --samples, --backends, --device cpu|gpu, --keras3, --json, --plot FILE
(see benchmarks/README.md).
"""

import sys

from kerasfront.bench.script import main

if __name__ == "__main__":
    sys.exit(main("cnn"))
