"""What Keras 2's writers (Keras 2.2.4 and tf.keras 2.x) put in a layer's config that
kerasfront's constructors spell differently, read before a layer is made from a file.

- `dtype` as a dtype policy `{"class_name": "Policy", "config": {"name": "float32"}}`
  (tf.keras 2.x writes that for a non-default policy, Keras 3 always): a policy of one
  float type is that type; a mixed policy (`mixed_float16`: float16 computations on
  float32 weights) is refused, since kerasfront computes in one type and would predict
  other numbers than the file's model.
- tf.keras 2.x's initializer classes (`GlorotUniform`, `HeNormal`, ...) are the
  `VarianceScaling` they stand for; its regularizer classes `L1` and `L2` are `L1L2`.
- tf-keras 2.13+ adds `module` and `registered_name` to every nested object: they are
  dropped (a module named in a file is never imported; the class name alone is looked up
  in the registry).

Only names and numbers are rewritten here; which classes may be made is still decided by
the registry alone.
"""

from __future__ import annotations

# Float types a policy may name; "mixed_*" policies compute in another type than they store.
_FLOAT_POLICIES = ("float16", "bfloat16", "float32", "float64")
_POLICY_CLASSES = ("Policy", "PolicyV1", "DTypePolicy", "FloatDTypePolicy")
# tf.keras 2.x's named variance-scaling initializers: (scale, mode, distribution).
_VARIANCE_SCALING = {
    "GlorotUniform": (1.0, "fan_avg", "uniform"),
    "GlorotNormal": (1.0, "fan_avg", "truncated_normal"),
    "HeUniform": (2.0, "fan_in", "uniform"),
    "HeNormal": (2.0, "fan_in", "truncated_normal"),
    "LecunUniform": (1.0, "fan_in", "uniform"),
    "LecunNormal": (1.0, "fan_in", "truncated_normal"),
}
_OBJECT_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
_SERIALIZATION_KEYS = ("module", "registered_name", "shared_object_id")


def _dtype(value, where: str):
    if not isinstance(value, dict):
        return value
    if value.get("class_name") not in _POLICY_CLASSES:
        raise ValueError(
            f"{where}: dtype must be a type name or a dtype policy config, received {value!r:.100}."
        )
    name = (value.get("config") or {}).get("name")
    if name in _FLOAT_POLICIES:
        return name
    raise ValueError(
        f"{where}: dtype policy {name!r} is not supported: kerasfront computes each layer in "
        "one float type (a mixed policy computes in float16 on float32 weights, so the model "
        "would not predict the file's numbers). Load the weights into a float32 model built "
        "in code with model.load_weights(path, by_name=True)."
    )


def _nested_object(value, custom_objects: dict):
    """An initializer/regularizer/constraint config in kerasfront's spelling."""
    if not isinstance(value, dict) or "class_name" not in value:
        return value
    value = {k: v for k, v in value.items() if k not in _SERIALIZATION_KEYS}
    name = value["class_name"]
    if name in custom_objects:
        return value
    arguments = dict(value.get("config") or {})
    if name in _VARIANCE_SCALING:
        scale, mode, distribution = _VARIANCE_SCALING[name]
        arguments = {"scale": scale, "mode": mode, "distribution": distribution, **arguments}
        return {"class_name": "VarianceScaling", "config": arguments}
    if name in ("L1", "L2"):
        key = name.lower()
        return {"class_name": "L1L2", "config": {key: arguments.get(key, 0.01)}}
    return value


def layer_arguments(arguments: dict, custom_objects: dict, where: str) -> dict:
    """A layer config from a Keras 2 file in the spelling of kerasfront's constructors."""
    arguments = dict(arguments)
    if "dtype" in arguments:
        arguments["dtype"] = _dtype(arguments["dtype"], where)
    for key, value in arguments.items():
        if key.endswith(_OBJECT_SUFFIXES):
            arguments[key] = _nested_object(value, custom_objects)
    return arguments


__all__ = ["layer_arguments"]
