"""Keras 2's `keras.layers.serialize` / `keras.layers.deserialize`: a layer to and from
its `{"class_name": ..., "config": ...}` dict, through kerasfront's registry (so a name
resolves only to a registered class or one of the user's custom objects)."""

from __future__ import annotations


def serialize(layer) -> dict:
    """`{"class_name": ..., "config": layer.get_config()}` of a layer (or model)."""
    from kerasfront.saving.config import serialize_layer

    return serialize_layer(layer)


def deserialize(config: dict, custom_objects: dict | None = None):
    """The layer (or Sequential/functional model) a `serialize` dict describes.

    Example:
        >>> layer = deserialize({"class_name": "Dense", "config": {"units": 3}})
    """
    from kerasfront.saving.config import deserialize_layer

    return deserialize_layer(config, custom_objects, "layers.deserialize")


__all__ = ["deserialize", "serialize"]
