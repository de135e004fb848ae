"""The benchmark report as a Markdown table for the terminal, and as a PNG bar chart.

Engine-free; matplotlib is imported only when a chart is asked for.
"""

from __future__ import annotations

import math

from kerasfront.bench.harness import KERAS3, KERASFRONT, NATIVE

SIDE_LABELS = {KERASFRONT: "kerasfront", NATIVE: "native", KERAS3: "Keras 3"}


def _number(value, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def _seconds(value) -> str:
    # Three significant digits: a tiny model's epoch lasts milliseconds, an MLP's seconds.
    return "—" if value is None else f"{value:.3g}"


def _side(row: dict, side: str, key: str):
    measured = row.get(side)
    return measured[key] if measured else None


def format_table(report: dict) -> str:
    """The report as text: a Markdown table, the losses, what was skipped, the load."""
    keras3 = any(row.get(KERAS3) for row in report["rows"])
    sides = (KERASFRONT, NATIVE, KERAS3) if keras3 else (KERASFRONT, NATIVE)
    head = ["backend", "device"]
    head += [f"{SIDE_LABELS[side]} s/epoch" for side in sides] + ["kerasfront/native"]
    if keras3:
        head.append("Keras 3/native")
    head += [f"{SIDE_LABELS[side]} µs/step" for side in sides]
    head += ["kerasfront predict ms", "native predict ms"]
    lines = [
        f"{report['model']}: {report['description']}; {report['samples']} samples "
        f"({report['steps_per_epoch']} steps) per epoch, median of {report['epochs']} "
        "timed epochs after a warm-up"
        + (
            "; kerasfront compiled with jit_compile=True (torch's native loop then replays "
            "CUDA graphs on a GPU)"
            if report.get("jit_compile")
            else ""
        ),
        "",
        "| " + " | ".join(head) + " |",
        "|---|---|" + "---:|" * (len(head) - 2),
    ]
    for row in report["rows"]:
        if "error" in row:
            lines.append(f"| {row['backend']} | {row['device']} |" + " — |" * (len(head) - 2))
            continue
        cells = [row["backend"], _device_label(row)]
        cells += [_seconds(_side(row, side, "seconds_per_epoch")) for side in sides]
        cells.append(_number(row.get("ratio"), 2))
        if keras3:
            cells.append(_number(row.get("keras3_ratio"), 2))
        cells += [_number(_side(row, side, "us_per_step"), 0) for side in sides]
        cells += [_number(_side(row, side, "predict_ms"), 3) for side in (KERASFRONT, NATIVE)]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for row in report["rows"]:
        if "error" in row:
            lines.append(f"{row['backend']} ({row['device']}): {row['error']}")
            continue
        losses = ", ".join(
            f"{SIDE_LABELS[side]} {row[side]['loss']:.4f}" for side in sides if row.get(side)
        )
        lines.append(f"{row['engine']} ({row['device']}): last-epoch loss {losses}")
        if row.get("keras3_error"):
            lines.append(f"  Keras 3: {row['keras3_error']}")
    if report.get("keras3_version"):
        lines.append(
            f"Keras {report['keras3_version']}; Keras 3/native is taken against the native "
            "loop timed beside Keras 3, in Keras 3's own worker"
        )
    lines += [f"note: {note}" for note in report["notes"]]
    before, after = report["load_average"]
    lines.append(f"load average (1 min): {before:.2f} at start, {after:.2f} at end")
    return "\n".join(lines)


def _device_label(row: dict) -> str:
    name = row.get("device_name", row["device"])
    return row["device"] if name == row["device"] else f"{row['device']} ({name})"


def write_plot(report: dict, path: str) -> None:
    """A grouped bar chart, one group per engine and device, one bar per side: seconds per
    epoch, or microseconds per step for the tiny model (whose epochs say little)."""
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError(
            "--plot needs matplotlib, which is not installed: pip install matplotlib"
        ) from None
    matplotlib.use("Agg")  # files only: no display needed
    from matplotlib import pyplot

    per_step = report["model"] == "tiny"
    key, unit = ("us_per_step", "µs per step") if per_step else ("seconds_per_epoch", "s per epoch")
    rows = [row for row in report["rows"] if "error" not in row]
    sides = [side for side in (KERASFRONT, NATIVE, KERAS3) if any(row.get(side) for row in rows)]
    width = 0.8 / max(len(sides), 1)
    figure, axes = pyplot.subplots(figsize=(max(4.0, 1.6 * len(rows) + 2), 4))
    for index, side in enumerate(sides):
        values = [_side(row, side, key) or 0.0 for row in rows]
        positions = [group + (index - (len(sides) - 1) / 2) * width for group in range(len(rows))]
        axes.bar(positions, values, width, label=SIDE_LABELS[side])
    axes.set_xticks(range(len(rows)))
    axes.set_xticklabels([f"{row['backend']}\n{_device_label(row)}" for row in rows])
    axes.set_ylabel(unit)
    axes.set_title(f"{report['model']}: {unit} (lower is faster)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, format="png")
    pyplot.close(figure)
