"""Keras 2's YAML form of a model's config: `model.to_yaml()` and `model_from_yaml()`.

Keras 2.6 removed both because Keras 2 read YAML with a loader that can build any Python
object. Here YAML is written and read with PyYAML's safe dumper and loader, which know
plain data only (mappings, lists, strings, numbers, booleans, null): reading a document
builds nothing else, and its config then resolves through the serialization registry
exactly as a JSON config does (kerasfront's classes and the user's custom objects only).

Keras 2 wrote tuples (kernel sizes, strides) with the `!!python/tuple` tag; that tag is
read as a list, which every config field accepts. Any other Python tag is refused.
"""

from __future__ import annotations

import json

from kerasfront.saving import api

_TUPLE_TAG = "tag:yaml.org,2002:python/tuple"
_LOADER = None  # the safe loader that also reads Keras 2's tuples, made on first use


def _yaml(where: str):
    try:
        import yaml
    except ImportError:
        raise ImportError(
            f"{where} needs PyYAML, which is not installed: pip install pyyaml "
            "(or use to_json() / model_from_json(), which need nothing more)."
        ) from None
    return yaml


def _loader(yaml):
    global _LOADER
    if _LOADER is None:

        class Keras2SafeLoader(yaml.SafeLoader):
            """SafeLoader that reads `!!python/tuple` sequences as lists."""

        Keras2SafeLoader.add_constructor(
            _TUPLE_TAG, lambda loader, node: loader.construct_sequence(node, deep=True)
        )
        _LOADER = Keras2SafeLoader
    return _LOADER


def model_to_yaml(model, **kwargs) -> str:
    """The document `model.to_json()` writes, as YAML; `kwargs` go to `yaml.safe_dump`."""
    yaml = _yaml("to_yaml")
    document = json.loads(api.model_to_json(model))
    return yaml.safe_dump(document, **kwargs)


def model_from_yaml(yaml_string: str, custom_objects=None, safe_mode: bool = True):
    """A model (new weights) from `model.to_yaml()`'s string, or Keras 2's.

    Args:
        yaml_string: the YAML text.
        custom_objects: a dict of name -> class or function for the user's own layers.
        safe_mode: False lets Lambda layers rebuild their bytecode (trusted files only).
    """
    yaml = _yaml("model_from_yaml")
    if not isinstance(yaml_string, (str, bytes)):
        raise TypeError(
            f"model_from_yaml expects the YAML text as a string; received "
            f"{type(yaml_string).__name__}."
        )
    try:
        document = yaml.load(yaml_string, Loader=_loader(yaml))
    except yaml.YAMLError as error:
        raise ValueError(
            "model_from_yaml: the string is not a YAML document of plain data (Python "
            f"object tags are refused, as loading them could run code): {error}"
        ) from None
    if not isinstance(document, dict) or "class_name" not in document:
        raise ValueError(
            "model_from_yaml: expected a mapping with 'class_name' and 'config' (what "
            f"model.to_yaml() writes); received {type(document).__name__}."
        )
    return api.model_from_document(document, custom_objects, safe_mode, "model_from_yaml")


__all__ = ["model_from_yaml", "model_to_yaml"]
