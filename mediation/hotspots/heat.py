"""The villages × categories heat table as inline SVG geometry, laid out on the server (no JavaScript):
templates/hotspots/_heat.html draws it. Greys only, darker for more cases, each count printed in its
cell, so it reads on a black-and-white office printer and on screen alike."""
import math
from dataclasses import dataclass

# Lightest to darkest; a cell with no case stays white. Text turns white on the two darkest.
SHADES = ("#f2f2f2", "#d4d4d4", "#aaaaaa", "#6e6e6e", "#3a3a3a")
DARK_FROM = 3


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    row: int
    column: int
    value: int
    fill: str
    text_fill: str


@dataclass(frozen=True)
class Axis:
    at: float  # x of a column's centre, or y of a row's text baseline
    text: str


@dataclass(frozen=True)
class HeatTable:
    width: int
    height: int
    cell_width: float
    cell_height: float
    left: float  # where the first column starts
    top: float  # where the first row starts
    rows: list[Axis]
    columns: list[Axis]
    cells: list[Cell]  # every row × column, zeros included, row by row
    totals: list[Cell]  # one per row, in the last column
    total_label: Axis
    maximum: int

    @property
    def grand_total(self) -> int:
        return sum(c.value for c in self.totals)


def shade(value: int, maximum: int) -> str:
    if value <= 0 or maximum <= 0:
        return "#ffffff"
    return SHADES[min(len(SHADES) - 1, math.ceil(len(SHADES) * value / maximum) - 1)]


def heat_table(rows: list[tuple[object, str]], columns: list[str], counts: dict[tuple[object, str], int],
               total_label: str, *, label_width: int = 76, cell_width: int = 37, cell_height: int = 20,
               header: int = 66) -> HeatTable:
    """`rows` as (key, label) (villages), `columns` the categories, `counts` (row key, column) → cases."""
    maximum = max([counts.get((key, c), 0) for key, _ in rows for c in columns] or [0])
    left, top = float(label_width), float(header)
    cells, totals, row_axis = [], [], []
    for r, (key, label) in enumerate(rows):
        y = top + r * cell_height
        row_axis.append(Axis(y + cell_height - 6, label))
        row_total = 0
        for c, column in enumerate(columns):
            value = counts.get((key, column), 0)
            row_total += value
            fill = shade(value, maximum)
            dark = fill in SHADES[DARK_FROM:]
            cells.append(Cell(left + c * cell_width, y, r, c, value, fill, "#ffffff" if dark else "#000000"))
        totals.append(Cell(left + len(columns) * cell_width, y, r, len(columns), row_total, "#ffffff", "#000000"))
    column_axis = [Axis(left + c * cell_width + cell_width / 2, name) for c, name in enumerate(columns)]
    width = int(left + (len(columns) + 1) * cell_width + 8)
    height = int(top + len(rows) * cell_height + 4)
    return HeatTable(width, height, float(cell_width), float(cell_height), left, top, row_axis, column_axis,
                     cells, totals, Axis(left + len(columns) * cell_width + cell_width / 2, total_label), maximum)
