"""`model.summary()`: the Keras table of layers, output shapes and parameter counts."""

from __future__ import annotations


def _format_shape(shape) -> str:
    if isinstance(shape, list):
        return ", ".join(_format_shape(s) for s in shape)
    return str(tuple(shape)) if shape is not None else "multiple"


def _row(fields, positions, line_length) -> str:
    """Each field starts where the previous column ends and is cut to its column."""
    line = ""
    for index, (field, end) in enumerate(zip(fields, positions)):
        if index > 0:
            line = line[:-1] + " "  # at least one space between columns
        line = (line + str(field))[:end]
        line = line.ljust(end)
    return line[:line_length]


def _output_shape(layer):
    try:
        return _format_shape(layer.output_shape)
    except (AttributeError, ValueError):
        return "multiple"


def _connections(layer, model_nodes) -> list[str]:
    names = []
    for node in layer._inbound_nodes:
        if id(node) not in model_nodes:
            continue
        for tensor in node.input_tensors:
            parent, node_index, tensor_index = tensor.keras_history
            names.append(f"{parent.name}[{node_index}][{tensor_index}]")
    return names


def print_summary(model, line_length=None, positions=None, print_fn=None) -> None:
    print_fn = print_fn or print
    sequential = type(model).__name__ == "Sequential"
    layers = model.layers
    if sequential:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    graph = getattr(model, "_graph", None)
    model_nodes = {id(node) for node in graph.nodes} if graph is not None else set()

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_fn(_row(headers, positions, line_length))
    print_fn("=" * line_length)
    for index, layer in enumerate(layers):
        params = layer.count_params() if layer.built else 0
        fields = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer), params]
        if sequential:
            print_fn(_row(fields, positions, line_length))
        else:
            connected = _connections(layer, model_nodes) or [""]
            print_fn(_row([*fields, connected[0]], positions, line_length))
            for extra in connected[1:]:
                print_fn(_row(["", "", "", extra], positions, line_length))
        print_fn(("=" if index == len(layers) - 1 else "_") * line_length)

    trainable = sum(int(_size(w)) for w in model.trainable_weights)
    non_trainable = sum(int(_size(w)) for w in model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)


def _size(weight) -> int:
    total = 1
    for dim in weight.shape:
        total *= dim
    return total
