"""kerasfront `fit`/`predict` against a hand-written loop on the same engine: lstm.

Model: LSTM(32, return_sequences) x 2, LSTM(32), Dense(10, softmax), sigmoid gates, Adam,
batch 64, 16,000 random sequences of 8 steps x 16 features.
The same as `python -m kerasfront bench --model lstm`; the code lives in kerasfront/bench/.
Flags: --epochs, --samples, --backends, --device cpu|gpu, --keras3, --json, --plot FILE
(see benchmarks/README.md).
"""

import sys

from kerasfront.bench.script import main

if __name__ == "__main__":
    sys.exit(main("lstm"))
