"""Small-cell suppression for report tables (DESIGN §7), as pure functions.

The rules of Norwegian official statistics (SSB, Udir's "prikking", FHI's profile pipeline):

1. *Primary*: any cell or total counting 1 … k−1 families is suppressed. Zero is published.
2. *Complement*: a cell is suppressed when the rest of its row or column (line total − n) counts
   1 … k−1 families, since publishing n and the total would give away that small group.
3. *Secondary*: more published cells are suppressed until no suppressed value can be derived
   from the published cells and totals.

Why the secondary rule is a graph problem: a 2-D table with margins is the (R+1) × (C+1) grid
of cells, row totals, column totals and the grand total, and its only equations are "each row
adds up to its total" and "each column adds up to its total". Flip the sign of the margins
(keep the grand total) and every line of the grid sums to zero: the grid is then the incidence
structure of the complete bipartite graph between its R+1 row lines and C+1 column lines, one
edge per entry. Given the published entries, a suppressed entry is determined exactly when no
cycle of suppressed entries runs through it, i.e. when it is a *bridge* of the graph of
suppressed entries (a cycle is a way to add +d and −d alternately that keeps every line's sum).
A 1-D table (cells plus total, one equation) is the multigraph of parallel edges between two
nodes, where an entry is a bridge exactly when it is the only suppressed one.

So secondary suppression repeats: take a suppressed bridge, find the cheapest path of published
entries that closes a cycle through it (inner cells before totals, small counts before large),
suppress that path. Adding entries only adds cycles, so every round removes one bridge for good.

Multi-valued dimensions (a family with needs in several domains, or several indicator codes)
make a total count distinct families, so a total can be less than the sum of its cells and the
equations above are inequalities. The same suppression is applied as if the table were additive:
that is conservative, since an inequality derives no more than the equation would.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

# A node of the line graph: ("row", i) / ("col", j); index R / C is the total line.
_Node = tuple[str, int]
# An entry of the grid: (i, j) with i == R for column totals and j == C for row totals.
_Entry = tuple[int, int]


@dataclass(frozen=True)
class Suppression:
    """Which entries of a table are suppressed (True) after all three rules."""

    cells: tuple[tuple[bool, ...], ...]
    row_totals: tuple[bool, ...]
    column_totals: tuple[bool, ...]
    total: bool


def check_threshold(k: int) -> int:
    """k below 3 would publish groups of two: refused (DESIGN §7)."""
    if k < 3:
        raise ValueError(f"The small-cell threshold k must be at least 3, not {k}.")
    return k


def is_small(count: int, k: int) -> bool:
    """A count that must never be published: 1 … k−1 (zero is fine)."""
    return 0 < count < k


def suppress_table(
    counts: Sequence[Sequence[int]],
    row_totals: Sequence[int],
    column_totals: Sequence[int],
    total: int,
    *,
    k: int,
) -> Suppression:
    """Suppress a 2-D table of family counts (R rows × C columns) with its margins."""
    check_threshold(k)
    n_rows, n_cols = len(counts), len(column_totals)
    if len(row_totals) != n_rows or any(len(row) != n_cols for row in counts):
        raise ValueError("counts, row_totals and column_totals do not fit together")
    values: dict[_Entry, int] = {(i, j): counts[i][j] for i in range(n_rows) for j in range(n_cols)}
    values.update({(i, n_cols): row_totals[i] for i in range(n_rows)})
    values.update({(n_rows, j): column_totals[j] for j in range(n_cols)})
    values[(n_rows, n_cols)] = total

    suppressed = _primary_and_complement(values, n_rows, n_cols, k)
    if n_rows and n_cols:
        edges = {entry: (("row", entry[0]), ("col", entry[1])) for entry in values}
        margins = {e for e in values if e[0] == n_rows or e[1] == n_cols}
        _secondary(edges, values, margins, suppressed)

    return Suppression(
        cells=tuple(tuple((i, j) in suppressed for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple((i, n_cols) in suppressed for i in range(n_rows)),
        column_totals=tuple((n_rows, j) in suppressed for j in range(n_cols)),
        total=(n_rows, n_cols) in suppressed,
    )


def suppress_column(counts: Sequence[int], total: int, *, k: int) -> Suppression:
    """Suppress a 1-D table (one count per row plus the total). ``column_totals`` of the result
    is empty and ``row_totals`` is all False: a 1-D table has no row totals of its own."""
    check_threshold(k)
    n_rows = len(counts)
    values: dict[_Entry, int] = {(i, 0): counts[i] for i in range(n_rows)}
    values[(n_rows, 0)] = total

    suppressed = {e for e, v in values.items() if is_small(v, k)}
    suppressed |= {(i, 0) for i in range(n_rows) if is_small(total - counts[i], k) and n_rows > 1}
    if n_rows:
        # One equation: every entry is an edge between the same two nodes.
        edges = dict.fromkeys(values, (("row", 0), ("col", 0)))
        _secondary(edges, values, {(n_rows, 0)}, suppressed)

    return Suppression(
        cells=tuple(((i, 0) in suppressed,) for i in range(n_rows)),
        row_totals=tuple(False for _ in range(n_rows)),
        column_totals=(),
        total=(n_rows, 0) in suppressed,
    )


def _primary_and_complement(
    values: dict[_Entry, int], n_rows: int, n_cols: int, k: int
) -> set[_Entry]:
    suppressed = {entry for entry, value in values.items() if is_small(value, k)}
    for (i, j), value in values.items():
        # The totals of the lines through (i, j): a row total lies in the total column, whose
        # own total is the grand total; likewise for column totals.
        line_totals = []
        if j < n_cols and n_cols > 1:
            line_totals.append(values[(i, n_cols)])
        if i < n_rows and n_rows > 1:
            line_totals.append(values[(n_rows, j)])
        if any(is_small(line_total - value, k) for line_total in line_totals):
            suppressed.add((i, j))
    return suppressed


def _secondary(
    edges: dict[_Entry, tuple[_Node, _Node]],
    values: dict[_Entry, int],
    margins: set[_Entry],
    suppressed: set[_Entry],
) -> None:
    """Suppress published entries until no suppressed entry is a bridge (derivable)."""
    while True:
        bridge = next((e for e in sorted(suppressed) if _is_bridge(e, edges, suppressed)), None)
        if bridge is None:
            return
        path = _cheapest_cycle_path(bridge, edges, values, margins, suppressed)
        if not path:  # no cycle possible: the table is a single entry
            raise ValueError("cannot protect a table with a single entry")
        suppressed.update(path)


def _is_bridge(
    entry: _Entry, edges: dict[_Entry, tuple[_Node, _Node]], suppressed: set[_Entry]
) -> bool:
    start, goal = edges[entry]
    adjacent: dict[_Node, list[_Node]] = {}
    for other in suppressed:
        if other != entry:
            a, b = edges[other]
            adjacent.setdefault(a, []).append(b)
            adjacent.setdefault(b, []).append(a)
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return False
        for nxt in adjacent.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return True


def _cheapest_cycle_path(
    bridge: _Entry,
    edges: dict[_Entry, tuple[_Node, _Node]],
    values: dict[_Entry, int],
    margins: set[_Entry],
    suppressed: set[_Entry],
) -> list[_Entry]:
    """The published entries on the cheapest path between the bridge's two lines (not using
    the bridge): cost is (totals suppressed, families hidden + entries), lexicographically."""
    start, goal = edges[bridge]
    adjacent: dict[_Node, list[tuple[_Node, _Entry]]] = {}
    for entry, (a, b) in edges.items():
        if entry != bridge:
            adjacent.setdefault(a, []).append((b, entry))
            adjacent.setdefault(b, []).append((a, entry))
    best: dict[_Node, tuple[int, int]] = {start: (0, 0)}
    came_by: dict[_Node, tuple[_Node, _Entry]] = {}
    queue: list[tuple[tuple[int, int], _Node]] = [((0, 0), start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            break
        if cost > best.get(node, cost):
            continue
        for nxt, entry in sorted(adjacent.get(node, ())):
            step = (0, 0) if entry in suppressed else (int(entry in margins), values[entry] + 1)
            new_cost = (cost[0] + step[0], cost[1] + step[1])
            if nxt not in best or new_cost < best[nxt]:
                best[nxt] = new_cost
                came_by[nxt] = (node, entry)
                heapq.heappush(queue, (new_cost, nxt))
    if goal not in came_by:
        return []
    path, node = [], goal
    while node != start:
        node, entry = came_by[node]
        path.append(entry)
    return [entry for entry in path if entry not in suppressed]
