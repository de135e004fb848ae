"""The comparison of what the engines measured, and its printed form.

For each quantity (a layer's output, a weight's gradient) and each pair of engines:
the largest absolute difference, and the relative difference, that absolute difference
divided by the largest magnitude in the two arrays. Relative to the array's scale rather
than element by element, since an element near zero would make any rounding look large.
A pair fails when its relative difference passes the tolerance; the report names the
engine that disagrees with the others (the one in the most failing pairs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

# The default relative tolerance by dtype: a few hundred roundings of the dtype.
DEFAULT_TOLERANCES = {"float16": 1e-2, "bfloat16": 1e-2, "float32": 1e-5, "float64": 1e-11}
FALLBACK_TOLERANCE = 1e-5
SHORT_NAMES = {"tensorflow": "tf", "torch": "torch", "jax": "jax", "numpy": "numpy"}
MISMATCH = (float("inf"), float("inf"))


def default_tolerance(dtype: str) -> float:
    return DEFAULT_TOLERANCES.get(dtype, FALLBACK_TOLERANCE)


def differences(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(largest absolute difference, that divided by the largest magnitude); infinite
    where shapes differ or NaN/inf entries are not the same in both."""
    if a.shape != b.shape:
        return MISMATCH
    a, b = a.astype("float64"), b.astype("float64")
    finite = np.isfinite(a)
    if not np.array_equal(finite, np.isfinite(b)) or not np.array_equal(
        a[~finite], b[~finite], equal_nan=True
    ):
        return MISMATCH
    a, b = a[finite], b[finite]
    if a.size == 0:
        return 0.0, 0.0
    absolute = float(np.max(np.abs(a - b)))
    scale = float(max(np.max(np.abs(a)), np.max(np.abs(b))))
    if absolute == 0.0:
        return 0.0, 0.0
    return absolute, absolute / scale


@dataclass
class Row:
    """One quantity compared across the engines that have it."""

    label: str
    dtype: str
    tolerance: float
    cells: dict = field(default_factory=dict)  # (engine, engine) -> (absolute, relative)

    @property
    def failing_pairs(self) -> list[tuple[str, str]]:
        return [pair for pair, (_, relative) in self.cells.items() if relative > self.tolerance]

    def culprit(self) -> str:
        """Who differs, in words: the engine in the most failing pairs and those it
        differs from, or the pairs themselves when every engine is equally involved."""
        failing = self.failing_pairs
        counts: dict = {}
        for pair in failing:
            for engine in pair:
                counts[engine] = counts.get(engine, 0) + 1
        most = max(counts.values())
        leaders = [engine for engine, count in counts.items() if count == most]
        if len(leaders) == 1 and most > 1:
            others = [a if b == leaders[0] else b for a, b in failing if leaders[0] in (a, b)]
            return f"{leaders[0]} differs from {', '.join(others)}"
        return "; ".join(f"{a} and {b} disagree" for a, b in failing)

    def worst_relative(self) -> float:
        return max(relative for _, relative in self.cells.values())


@dataclass
class Section:
    """The layer outputs or the gradients of one case."""

    case: str
    kind: str  # "layer output" or "gradient"
    engines: list
    rows: list


@dataclass
class Comparison:
    sections: list
    problems: list  # quantities one engine lacks, in words

    @property
    def failures(self) -> list[tuple[Section, Row]]:
        return [(s, row) for s in self.sections for row in s.rows if row.failing_pairs]

    @property
    def agree(self) -> bool:
        return not self.failures and not self.problems


def _section(case: str, kind: str, measured: dict, tolerance: float | None, problems: list):
    """Compares the quantities `measured` ({engine: (labels, arrays)}) has for one case."""
    engines = list(measured)
    first_labels = measured[engines[0]][0]
    rows = []
    for position, label in enumerate(first_labels):
        arrays = {}
        for engine in engines:
            labels, values = measured[engine]
            if position < len(labels) and labels[position] == label:
                arrays[engine] = values[position]
            else:
                problems.append(f"{case}: {kind} '{label}' is missing on {engine}")
        if not arrays:
            continue
        dtype = str(next(iter(arrays.values())).dtype)
        row = Row(label, dtype, tolerance if tolerance is not None else default_tolerance(dtype))
        for a, b in combinations(list(arrays), 2):
            row.cells[(a, b)] = differences(arrays[a], arrays[b])
        rows.append(row)
    for engine in engines[1:]:
        extra = len(measured[engine][0]) - len(first_labels)
        if extra > 0:
            problems.append(f"{case}: {engine} has {extra} {kind}(s) more than {engines[0]}")
    return Section(case, kind, engines, rows)


def compare(results: dict, tolerance: float | None = None) -> Comparison:
    """Compares `results` ({engine: (manifest, arrays)}, from the runner); `tolerance`
    None takes the dtype's default."""
    engines = list(results)
    sections, problems = [], []
    case_count = len(results[engines[0]][0]["cases"])
    for index in range(case_count):
        case = results[engines[0]][0]["cases"][index]["name"]
        for kind, key, array_name in (
            ("layer output", "outputs", "output"),
            ("gradient", "gradients", "gradient"),
        ):
            measured = {}
            for engine in engines:
                manifest, arrays = results[engine]
                labels = manifest["cases"][index][key]
                if labels is None:
                    continue  # the reference backend has no gradients
                values = [arrays[f"case{index}/{array_name}{i}"] for i in range(len(labels))]
                measured[engine] = (labels, values)
            if len(measured) >= 2:
                sections.append(_section(case, kind, measured, tolerance, problems))
    return Comparison(sections, problems)


def _cell(values: tuple[float, float] | None, tolerance: float) -> str:
    if values is None:
        return "-"
    absolute, relative = values
    if values == MISMATCH:
        return "shape/NaN differ *"
    return f"{absolute:.1e} {relative:.1e}" + (" *" if relative > tolerance else "  ")


def format_section(section: Section) -> str:
    pairs = list(combinations(section.engines, 2))
    headers = [f"{SHORT_NAMES.get(a, a)}/{SHORT_NAMES.get(b, b)}" for a, b in pairs]
    title = "layer output (type)" if section.kind == "layer output" else "gradient of the loss"
    first = max([len(title)] + [len(row.label) for row in section.rows]) + 2
    width = max(18, *(len(h) + 2 for h in headers))
    tolerances = sorted({(row.dtype, row.tolerance) for row in section.rows})
    stated = ", ".join(f"{tol:g} for {dtype}" for dtype, tol in tolerances)
    lines = [
        f"{section.case}: {section.kind}s, largest absolute and relative difference "
        f"(* past the relative tolerance: {stated or '-'})",
        title.ljust(first) + "".join(h.ljust(width) for h in headers),
    ]
    for row in section.rows:
        cells = [_cell(row.cells.get(pair), row.tolerance) for pair in pairs]
        lines.append(row.label.ljust(first) + "".join(c.ljust(width) for c in cells))
    return "\n".join(line.rstrip() for line in lines)


def format_report(comparison: Comparison, tolerance: float | None = None, limit: int = 20) -> str:
    """The tables, then a verdict naming each quantity past the tolerance and the
    engine that differs (the first in a case's table is where the engines part)."""
    parts = [format_section(section) for section in comparison.sections]
    failures = comparison.failures
    if comparison.agree:
        engines = sorted({e for s in comparison.sections for e in s.engines})
        parts.append(f"OK: {', '.join(engines)} agree on every layer output and gradient.")
        return "\n\n".join(parts)
    lines = [
        f"DIFFERENT: {len(failures)} quantit{'y' if len(failures) == 1 else 'ies'} past "
        "the tolerance, and the engine that differs:"
    ]
    for section, row in failures[:limit]:
        what = "gradient for weight" if section.kind == "gradient" else "output of layer"
        lines.append(
            f"  {section.case}: {what} '{row.label}': {row.culprit()} "
            f"(relative difference {row.worst_relative():.1e} > {row.tolerance:g})"
        )
    if len(failures) > limit:
        lines.append(f"  ... and {len(failures) - limit} more")
    lines += [f"  {problem}" for problem in comparison.problems]
    lines += _first_differences(failures)
    parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _first_differences(failures) -> list[str]:
    """Per case, the first layer output past the tolerance, in the order the graph
    runs: later layers inherit its difference, and so do the gradients."""
    firsts: dict = {}
    for section, row in failures:
        if section.kind == "layer output" and section.case not in firsts:
            firsts[section.case] = row
    return [
        f"First difference in {case}: layer '{row.label}' ({row.culprit()})."
        for case, row in firsts.items()
    ]
