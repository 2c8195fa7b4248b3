"""Reading the printouts' HTML in tests: tables by id, rows with their attributes and cell texts."""
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.cells)


class _TableParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[Row]] = {}
        self._stack: list[tuple[str, list[Row]]] = []
        self._row: Row | None = None
        self._cell: list[str] | None = None
        self._anonymous = 0

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "table":
            if "id" not in attrs:
                self._anonymous += 1
            rows: list[Row] = []
            self.tables[attrs.get("id") or f"_table{self._anonymous}"] = rows
            self._stack.append((tag, rows))
        elif tag == "tr" and self._stack:
            self._row = Row(attrs)
            self._stack[-1][1].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            self._stack.pop()
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.cells.append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[Row]]:
    parser = _TableParser()
    parser.feed(html)
    return parser.tables


def body_rows(html: str, table_id: str) -> list[Row]:
    """The rows of a table's tbody-like part: those with cells that are not all headings."""
    return [r for r in tables(html)[table_id] if r.attrs.get("data-ref") or r.attrs.get("data-key")
            or r.attrs.get("data-category") is not None or r.attrs.get("data-outcome")]


def keyed(html: str, table_id: str, attr: str = "data-key", column: int = -1) -> dict[str, str]:
    """{row's attribute value: text of one of its cells} for the rows that carry `attr`."""
    return {r.attrs[attr]: r.cells[column] for r in tables(html)[table_id] if attr in r.attrs}


def text_of(html: str, element_id: str) -> str:
    """The text inside the element with this id (no nesting of the same tag assumed)."""
    m = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</', html, re.S)
    assert m, f"no element #{element_id}"
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()
