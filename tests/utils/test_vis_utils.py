"""`plot_model` and `model_to_dot`: real PNG and SVG files drawn by Graphviz (parsed
here), the DOT graph's boxes and arrows for shared layers and nested models (drawn as
one box or expanded), and the errors when pydot or Graphviz is missing."""

import shutil
import struct
import sys
import types
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers
from kerasfront.utils import model_to_dot, plot_model, vis_utils

try:
    import pydot  # noqa: F401
except ImportError:
    pydot = None

needs_pydot = pytest.mark.skipif(pydot is None, reason="pydot is not installed (pip install pydot)")
# Drawing needs both; only the tests of the install advice run without them.
needs_graphviz = pytest.mark.skipif(
    pydot is None or shutil.which("dot") is None,
    reason="pydot or Graphviz's dot is not installed (pip install pydot; apt-get install graphviz)",
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from the IHDR chunk, which follows the 8-byte signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def svg_texts(path):
    root = ElementTree.parse(path).getroot()
    assert root.tag.endswith("svg")
    return [element.text for element in root.iter() if element.tag.endswith("text")]


def all_nodes(graph):
    """Every box of a pydot graph, clusters included: {dot name: label}."""
    nodes = {node.get_name(): (node.get_label() or "").strip('"') for node in graph.get_nodes()}
    for subgraph in graph.get_subgraphs():
        nodes.update(all_nodes(subgraph))
    nodes.pop("node", None)  # the node defaults statement
    return nodes


def labelled_edges(dot):
    """The arrows as (source layer name, target layer name), read from the labels."""
    names = {key: label.split(":")[0] for key, label in all_nodes(dot).items()}
    return {(names[e.get_source()], names[e.get_destination()]) for e in dot.get_edges()}


@pytest.fixture(scope="module")
def sequential():
    return keras.Sequential(
        [
            layers.Dense(4, input_shape=(3,), name="hidden"),
            layers.Reshape((2, 2), name="pairs"),
            layers.TimeDistributed(layers.Dense(1, name="each"), name="per_step"),
        ],
        name="stack",
    )


@pytest.fixture(scope="module")
def shared_graph():
    """Inputs 'left'/'right' through one shared Dense, joined, two outputs."""
    left = keras.Input(shape=(5,), name="left")
    right = keras.Input(shape=(5,), name="right")
    shared = layers.Dense(3, name="shared")
    joined = layers.Concatenate(name="joined")([shared(left), shared(right)])
    score = layers.Dense(1, name="score")(joined)
    extra = layers.Dense(2, name="extra")(shared.get_output_at(1))
    return keras.Model([left, right], [score, extra], name="two_way")


@pytest.fixture(scope="module")
def nested_graph():
    """An inner model with two inputs and two outputs, called inside an outer model."""
    first = keras.Input(shape=(2,), name="inner_first")
    second = keras.Input(shape=(3,), name="inner_second")
    first_code = layers.Dense(4, name="inner_first_code")(first)
    second_code = layers.Dense(4, name="inner_second_code")(second)
    inner = keras.Model(
        [first, second],
        [layers.Add(name="inner_sum")([first_code, second_code]), second_code],
        name="inner",
    )
    a = keras.Input(shape=(2,), name="a")
    b = keras.Input(shape=(3,), name="b")
    summed, coded = inner([layers.Dense(2, name="pre_a")(a), b])
    out = layers.Dense(1, name="out")(layers.Concatenate(name="cat")([summed, coded]))
    return keras.Model([a, b], out, name="outer")


@needs_graphviz
def test_png_of_a_sequential_model_and_dpi(sequential, tmp_path):
    path = tmp_path / "stack.png"
    assert plot_model(sequential, to_file=str(path), show_shapes=True) is None
    width, height = png_size(path)
    assert width > 0 and height > 0
    plot_model(sequential, to_file=str(tmp_path / "big.png"), show_shapes=True, dpi=192)
    big_width, big_height = png_size(tmp_path / "big.png")
    assert 1.8 < big_width / width < 2.2 and 1.8 < big_height / height < 2.2
    # A file name without an extension gets PNG.
    plot_model(sequential, to_file=str(tmp_path / "plain"))
    assert (tmp_path / "plain").read_bytes()[:8] == PNG_SIGNATURE


@needs_graphviz
def test_svg_shows_names_classes_and_shapes(shared_graph, tmp_path):
    path = tmp_path / "graph.svg"
    plot_model(shared_graph, to_file=str(path), show_shapes=True, show_dtype=True, rankdir="LR")
    texts = svg_texts(path)
    for title in ("left: InputLayer", "shared: Dense", "joined: Concatenate", "extra: Dense"):
        assert texts.count(title) == 1, title
    assert "(None, 5)" in texts and "(None, 6)" in texts
    assert "[(None, 3), (None, 3)]" in texts  # the two inputs of Concatenate
    assert "float32" in texts
    assert "input:" in texts and "output:" in texts


@needs_graphviz
def test_sequential_boxes_include_input_and_wrapped_layer(sequential):
    dot = model_to_dot(sequential, show_shapes=True)
    labels = sorted(all_nodes(dot).values())
    titles = [label.split("|")[0] for label in labels]
    assert titles == sorted(
        [
            "hidden_input: InputLayer",
            "hidden: Dense",
            "pairs: Reshape",
            "per_step(each): TimeDistributed(Dense)",
        ]
    )
    assert labelled_edges(dot) == {
        ("hidden_input", "hidden"),
        ("hidden", "pairs"),
        ("pairs", "per_step(each)"),
    }
    reshape = next(label for label in labels if label.startswith("pairs"))
    assert "(None, 4)" in reshape and "(None, 2, 2)" in reshape
    bare = model_to_dot(sequential, show_layer_names=False)
    assert "Reshape" in all_nodes(bare).values()


@needs_graphviz
def test_shared_layer_is_one_box_with_every_connection(shared_graph):
    dot = model_to_dot(shared_graph)
    labels = list(all_nodes(dot).values())
    assert sum(label.startswith("shared:") for label in labels) == 1
    assert labelled_edges(dot) == {
        ("left", "shared"),
        ("right", "shared"),
        ("shared", "joined"),
        ("shared", "extra"),
        ("joined", "score"),
    }


@needs_graphviz
def test_nested_model_as_one_box(nested_graph):
    dot = model_to_dot(nested_graph)
    assert not dot.get_subgraphs()
    assert labelled_edges(dot) == {
        ("a", "pre_a"),
        ("pre_a", "inner"),
        ("b", "inner"),
        ("inner", "cat"),
        ("cat", "out"),
    }


@needs_graphviz
def test_expand_nested_draws_a_cluster_wired_to_the_inner_layers(nested_graph):
    dot = model_to_dot(nested_graph, expand_nested=True, show_shapes=True)
    (cluster,) = dot.get_subgraphs()
    assert cluster.get_label().strip('"') == "inner"
    inner_titles = {label.split(":")[0] for label in all_nodes(cluster).values()}
    assert inner_titles == {
        "inner_first",
        "inner_second",
        "inner_first_code",
        "inner_second_code",
        "inner_sum",
    }
    assert "inner" not in {label.split(":")[0] for label in all_nodes(dot).values()}
    # Each outer input goes into the matching inner input; each inner output leaves
    # from the layer that makes it.
    assert labelled_edges(dot) == {
        ("a", "pre_a"),
        ("pre_a", "inner_first"),
        ("b", "inner_second"),
        ("inner_first", "inner_first_code"),
        ("inner_second", "inner_second_code"),
        ("inner_first_code", "inner_sum"),
        ("inner_second_code", "inner_sum"),
        ("inner_sum", "cat"),
        ("inner_second_code", "cat"),
        ("cat", "out"),
    }


@needs_graphviz
def test_expanded_nested_png(nested_graph, tmp_path):
    path = tmp_path / "nested.png"
    plot_model(nested_graph, to_file=str(path), expand_nested=True, show_shapes=True)
    width, height = png_size(path)
    assert width > 0 and height > 0


@needs_graphviz
def test_subclassed_model_is_one_box_and_unbuilt_sequential_is_refused():
    class Tiny(keras.Model):
        def __init__(self):
            super().__init__(name="tiny")
            self.dense = layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

    model = Tiny()
    model(np.zeros((1, 2), "float32"))
    assert list(all_nodes(model_to_dot(model)).values()) == ["tiny: Tiny"]
    with pytest.raises(ValueError, match="not been built"):
        model_to_dot(keras.Sequential([layers.Dense(1)], name="unbuilt"))


@needs_graphviz
def test_bad_rankdir_and_unknown_extension(sequential, tmp_path):
    with pytest.raises(ValueError, match="rankdir"):
        model_to_dot(sequential, rankdir="sideways")
    with pytest.raises(ValueError, match="extension"):
        plot_model(sequential, to_file=str(tmp_path / "model.notaformat"))


@needs_pydot
def test_missing_graphviz_says_how_to_install(sequential, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder without `dot`
    with pytest.raises(OSError) as raised:
        plot_model(sequential, to_file=str(tmp_path / "model.png"))
    message = str(raised.value)
    for advice in ("Graphviz", "apt-get install graphviz", "brew install graphviz", "conda"):
        assert advice in message
    assert not (tmp_path / "model.png").exists()


def test_missing_pydot_says_how_to_install(sequential, monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)  # makes `import pydot` fail
    with pytest.raises(ImportError, match="pip install pydot"):
        model_to_dot(sequential)
    assert vis_utils.model_to_dot is model_to_dot  # Keras 2's import path


@needs_graphviz
def test_a_notebook_gets_the_image_back(sequential, tmp_path, monkeypatch):
    shown = []
    display = types.SimpleNamespace(
        Image=lambda filename: shown.append(("image", filename)) or "image",
        SVG=lambda filename: shown.append(("svg", filename)) or "svg",
    )
    fake_ipython = types.ModuleType("IPython")
    fake_ipython.get_ipython = lambda: object()  # a shell is running
    fake_ipython.display = display
    monkeypatch.setitem(sys.modules, "IPython", fake_ipython)
    png, svg = str(tmp_path / "m.png"), str(tmp_path / "m.svg")
    assert plot_model(sequential, to_file=png) == "image"
    assert plot_model(sequential, to_file=svg) == "svg"
    assert shown == [("image", png), ("svg", svg)]
    fake_ipython.get_ipython = lambda: None  # IPython imported, but no shell
    assert plot_model(sequential, to_file=png) is None
