"""`model.summary()`: Keras 2's table for Sequential, functional (several inputs and
outputs), shared layers, nested models (as one row or expanded) and frozen layers, with
parameter counts checked against counts worked out here from the layer sizes."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers
from kerasfront.utils import print_summary

# Keras 2's layouts: 65 characters and column ends at these fractions for a chain of
# layers, 98 and four columns when "Connected to" is shown.
CHAIN_LENGTH, CHAIN_FRACTIONS = 65, (0.45, 0.85, 1.0)
GRAPH_LENGTH, GRAPH_FRACTIONS = 98, (0.33, 0.55, 0.67, 1.0)


def dense_params(inputs, units):
    return inputs * units + units


def summary_lines(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def column_ends(length, fractions):
    return [int(length * f) for f in fractions]


def cells(line, ends):
    """The text of each column of a row."""
    starts = [0, *ends[:-1]]
    return [line[start:end].strip() for start, end in zip(starts, ends)]


def rows_by_name(lines, ends):
    """{layer name: [cells of its row, then cells of its continuation rows]}."""
    rows, current = {}, None
    body = lines[lines.index("=" * len(lines[1])) + 1 :]  # after the header
    for line in body:
        if line.startswith("Total params"):
            break
        if not line.strip() or set(line.strip()) <= set("_=|- "):
            continue
        first = cells(line, ends)[0].lstrip("| ")
        if "(" in first:
            current = first.split(" (")[0]
            rows[current] = [cells(line, ends)]
        elif current is not None and line[: ends[0]].strip(" |") == "":
            rows[current].append(cells(line, ends))
    return rows


def totals(lines):
    values = {}
    for line in lines:
        for label in ("Total params", "Trainable params", "Non-trainable params"):
            if line.startswith(label + ":"):
                values[label] = int(line.split(":")[1].replace(",", ""))
    return values


def test_sequential_table_with_batch_norm_and_frozen_layer():
    model = keras.Sequential(
        [
            layers.Dense(5, input_dim=3, name="hidden"),
            layers.BatchNormalization(name="norm"),
            layers.Dense(2, name="frozen", trainable=False),
        ],
        name="stack",
    )
    lines = summary_lines(model)
    ends = column_ends(CHAIN_LENGTH, CHAIN_FRACTIONS)
    assert lines[0] == 'Model: "stack"'
    assert lines[1] == "_" * CHAIN_LENGTH and lines[3] == "=" * CHAIN_LENGTH
    assert cells(lines[2], ends) == ["Layer (type)", "Output Shape", "Param #"]
    rows = rows_by_name(lines, ends)
    assert list(rows) == ["hidden", "norm", "frozen"]
    assert rows["hidden"] == [["hidden (Dense)", "(None, 5)", str(dense_params(3, 5))]]
    # gamma, beta, moving mean and moving variance: one value per feature each.
    assert rows["norm"] == [["norm (BatchNormalization)", "(None, 5)", str(4 * 5)]]
    assert rows["frozen"] == [["frozen (Dense)", "(None, 2)", str(dense_params(5, 2))]]
    trainable = dense_params(3, 5) + 2 * 5
    non_trainable = 2 * 5 + dense_params(5, 2)
    assert totals(lines) == {
        "Total params": trainable + non_trainable,
        "Trainable params": trainable,
        "Non-trainable params": non_trainable,
    }
    assert totals(lines)["Total params"] == model.count_params()
    assert lines[-1] == "_" * CHAIN_LENGTH
    assert all(len(line) <= CHAIN_LENGTH for line in lines)


def test_linear_functional_model_prints_as_a_chain():
    inputs = keras.Input(shape=(4,), name="features")
    outputs = layers.Dense(2, name="out")(layers.Dense(3, name="mid")(inputs))
    lines = summary_lines(keras.Model(inputs, outputs, name="line"))
    ends = column_ends(CHAIN_LENGTH, CHAIN_FRACTIONS)
    assert cells(lines[2], ends) == ["Layer (type)", "Output Shape", "Param #"]
    rows = rows_by_name(lines, ends)
    assert rows["features"] == [["features (InputLayer)", "(None, 4)", "0"]]
    assert rows["mid"][0][2] == str(dense_params(4, 3))


@pytest.fixture(scope="module")
def graph_model():
    """Two inputs through one shared Dense; a nested two-output model called twice; two
    outputs. Returns (model, inner model)."""
    inner_input = keras.Input(shape=(4,), name="inner_in")
    inner_hidden = layers.Dense(3, name="inner_hidden")(inner_input)
    inner = keras.Model(
        inner_input,
        [
            layers.Dense(2, name="inner_a")(inner_hidden),
            layers.Dense(1, name="inner_b")(inner_hidden),
        ],
        name="inner",
    )
    left = keras.Input(shape=(6,), name="left")
    right = keras.Input(shape=(6,), name="right")
    shared = layers.Dense(4, name="shared")
    left_code, right_code = shared(left), shared(right)
    joined = layers.Concatenate(name="joined")([left_code, right_code])
    left_a, _ = inner(left_code)
    right_a, right_b = inner(right_code)
    total = layers.Add(name="total")([left_a, right_a])
    model = keras.Model([left, right], [joined, total, right_b], name="graph")
    return model, inner


def test_functional_connections_shared_and_nested(graph_model):
    model, inner = graph_model
    lines = summary_lines(model)
    ends = column_ends(GRAPH_LENGTH, GRAPH_FRACTIONS)
    assert cells(lines[2], ends) == ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    rows = rows_by_name(lines, ends)
    assert set(rows) == {"left", "right", "shared", "joined", "inner", "total"}
    assert rows["left"] == [["left (InputLayer)", "(None, 6)", "0", ""]]
    # The shared layer: one row, one connection per call, each from its own input.
    assert [row[3] for row in rows["shared"]] == ["left[0][0]", "right[0][0]"]
    assert rows["shared"][0][:3] == ["shared (Dense)", "(None, 4)", str(dense_params(6, 4))]
    shared_calls = len(model.get_layer("shared")._inbound_nodes)
    assert shared_calls == 2
    assert [row[3] for row in rows["joined"]] == ["shared[0][0]", "shared[1][0]"]
    # The nested model: one row with all its parameters, called once per input.
    inner_params = dense_params(4, 3) + dense_params(3, 2) + dense_params(3, 1)
    assert rows["inner"][0][2] == str(inner_params)
    assert [row[3] for row in rows["inner"]] == ["shared[0][0]", "shared[1][0]"]
    # Add reads output 0 of each call of the nested model.
    assert [row[3] for row in rows["total"]] == ["inner[0][0]", "inner[1][0]"]
    expected = dense_params(6, 4) + inner_params
    assert totals(lines) == {
        "Total params": expected,
        "Trainable params": expected,
        "Non-trainable params": 0,
    }
    assert all(len(line) <= GRAPH_LENGTH for line in lines)


def test_several_output_shapes_print_as_a_list_and_line_length_is_honoured(graph_model):
    model, _ = graph_model
    lines = summary_lines(model, line_length=150)
    ends = column_ends(150, GRAPH_FRACTIONS)
    rows = rows_by_name(lines, ends)
    assert rows["inner"][0][1] == "[(None, 2), (None, 1)]"
    assert lines[1] == "_" * 150 and lines[3] == "=" * 150 and lines[-1] == "_" * 150
    narrow = summary_lines(model, line_length=60)
    assert all(len(line) <= 60 for line in narrow)
    assert narrow[1] == "_" * 60


def test_positions_in_characters(graph_model):
    model, _ = graph_model
    ends = [20, 45, 55, 80]
    lines = summary_lines(model, line_length=80, positions=ends)
    assert cells(lines[2], ends) == ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    assert rows_by_name(lines, ends)["total"][0][1:3] == ["(None, 2)", "0"]
    with pytest.raises(ValueError, match="positions"):
        model.summary(print_fn=lambda line: None, positions=[0.5, 1.0])
    with pytest.raises(ValueError, match="line_length"):
        model.summary(print_fn=lambda line: None, line_length=0)


def test_expand_nested_lists_the_inner_layers(graph_model):
    model, _ = graph_model
    lines = summary_lines(model, expand_nested=True)
    ends = column_ends(GRAPH_LENGTH, GRAPH_FRACTIONS)
    names = [line.split(" (")[0] for line in lines if "(" in line[: ends[0]]]
    start = names.index("inner")
    assert names[start + 1 : start + 5] == [
        "| inner_in",
        "| inner_hidden",
        "| inner_a",
        "| inner_b",
    ]
    nested = {line.split(" (")[0][2:]: line for line in lines if line.startswith("| inner_")}
    assert cells(nested["inner_hidden"], ends)[2:] == [str(dense_params(4, 3)), "inner_in[0][0]"]
    assert cells(nested["inner_b"], ends)[1:] == [
        "(None, 1)",
        str(dense_params(3, 1)),
        "inner_hidden[0][0]",
    ]
    # The totals do not count the nested layers twice.
    assert totals(lines) == totals(summary_lines(model))
    assert all(len(line) <= GRAPH_LENGTH for line in lines)


def test_frozen_nested_model_counts_as_non_trainable():
    inner = keras.Sequential(
        [layers.Dense(3, input_dim=2, name="a"), layers.BatchNormalization(name="bn")],
        name="frozen_inner",
    )
    inner.trainable = False
    outer = keras.Sequential([inner, layers.Dense(1, name="head")], name="outer")
    lines = summary_lines(outer)
    inner_params = dense_params(2, 3) + 4 * 3
    head = dense_params(3, 1)
    assert totals(lines) == {
        "Total params": inner_params + head,
        "Trainable params": head,
        "Non-trainable params": inner_params,
    }
    rows = rows_by_name(lines, column_ends(CHAIN_LENGTH, CHAIN_FRACTIONS))
    assert rows["frozen_inner"] == [["frozen_inner (Sequential)", "(None, 3)", str(inner_params)]]


def test_subclassed_model_shows_multiple_and_print_summary_function():
    class TwoLayers(keras.Model):
        def __init__(self):
            super().__init__(name="two_layers")
            self.first = layers.Dense(3, name="sub_first")
            self.second = layers.Dense(1, name="sub_second")

        def call(self, inputs):
            return self.second(self.first(inputs))

    model = TwoLayers()
    model(np.zeros((1, 2), "float32"))
    lines = []
    print_summary(model, print_fn=lines.append)
    rows = rows_by_name(lines, column_ends(CHAIN_LENGTH, CHAIN_FRACTIONS))
    assert rows["sub_first"] == [["sub_first (Dense)", "multiple", str(dense_params(2, 3))]]
    assert totals(lines)["Total params"] == dense_params(2, 3) + dense_params(3, 1)
