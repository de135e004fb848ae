"""Nested structures of tensors: lists, tuples and dicts, with anything else a leaf."""

from __future__ import annotations


def is_nested(structure) -> bool:
    return isinstance(structure, (list, tuple, dict))


def flatten(structure) -> list:
    """Leaves in a fixed order (dicts by sorted key, as Keras orders named inputs)."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_like(structure, leaves):
    """Rebuilds `structure` with `leaves` in place of its own leaves (inverse of flatten)."""
    iterator = iter(leaves)

    def rebuild(node):
        if isinstance(node, dict):
            return {key: rebuild(node[key]) for key in sorted(node)}
        if isinstance(node, (list, tuple)):
            return type(node)(rebuild(item) for item in node)
        return next(iterator)

    return rebuild(structure)


def map_structure(function, structure):
    return pack_like(structure, [function(leaf) for leaf in flatten(structure)])


def unique_objects(items) -> list:
    """`items` without repeats (by identity), in first-seen order."""
    seen, ordered = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            ordered.append(item)
    return ordered


def unpack_singleton(structure):
    """The only item of a one-item list or tuple; anything else unchanged (Keras 2 layers
    return a one-tensor list as the tensor: K.gradients gives a list even for one)."""
    if isinstance(structure, (list, tuple)) and len(structure) == 1:
        return structure[0]
    return structure
