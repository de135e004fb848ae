"""Random numbers computed on the device from a seed tensor, with no host round trip.

torch's generators are seeded with a Python int, so drawing from a seed tensor that lives
on an accelerator would read it back to the host at every draw (a sync per Dropout call).
Here each element's value is a hash of its index and the seed, computed with integer ops
where the seed lives: counter-based, like the stateless generators of JAX and TensorFlow,
so the same seed gives the same numbers on every call.

The hash is Chris Wellons' "lowbias32" integer finalizer. Values are held in int64 and
kept below 2**32 by masking; products wrap modulo 2**64, whose low 32 bits are exactly
those of 32-bit unsigned arithmetic.
"""

from __future__ import annotations

import math

import torch

_LOW_32 = 0xFFFFFFFF


def _hash32(x):
    x = x ^ (x >> 16)
    x = (x * 0x7FEB352D) & _LOW_32
    x = x ^ (x >> 15)
    x = (x * 0x846CA68B) & _LOW_32
    return x ^ (x >> 16)


def _bits(count: int, seed):
    """`count` independent 32-bit values (in int64) for the length-2 integer `seed`."""
    seed = seed.to(torch.int64) & _LOW_32
    first = _hash32(seed[0] ^ 0x2545F491)
    second = _hash32(seed[1] ^ first)
    counter = torch.arange(count, device=seed.device, dtype=torch.int64)
    return _hash32(_hash32(counter ^ second) ^ first)


def uniform(shape, seed, dtype):
    """Uniform in [0, 1): 24 random bits per float32 (and narrower), 53 per float64."""
    count = math.prod(shape)
    if dtype == torch.float64:
        bits = _bits(2 * count, seed).reshape(count, 2)
        high, low = bits[:, 0] >> 5, bits[:, 1] >> 6  # 27 + 26 bits
        values = (high * 2**26 + low).to(torch.float64) * 2.0**-53
    else:
        values = (_bits(count, seed) >> 8).to(torch.float32) * 2.0**-24
    return values.reshape(tuple(shape)).to(dtype)


def normal(shape, seed, dtype):
    """Standard normal by the Box-Muller transform of two uniforms per value."""
    count = math.prod(shape)
    work = torch.float64 if dtype == torch.float64 else torch.float32
    pairs = uniform((2, count), seed, work)
    radius = torch.sqrt(-2.0 * torch.log1p(-pairs[0]))  # 1 - u is in (0, 1]: no log(0)
    values = radius * torch.cos(2.0 * math.pi * pairs[1])
    return values.reshape(tuple(shape)).to(dtype)
