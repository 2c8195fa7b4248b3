"""Reading the printouts in tests: the HTML's tables by id, rows with their attributes and cell
texts; the PDFs' page sizes and page texts (pypdf)."""
import functools
import io
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from pypdf import PdfReader

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


# -- PDF ------------------------------------------------------------------------------------

def read_pdf(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-"), "not a PDF"
    return PdfReader(io.BytesIO(data))


def page_sizes(pdf: PdfReader) -> list[tuple[float, float]]:
    """(width, height) of each page's MediaBox (inherited from the page tree), in points."""
    return [(float(page.mediabox.width), float(page.mediabox.height)) for page in pdf.pages]


def page_texts(pdf: PdfReader) -> list[str]:
    return [page.extract_text() for page in pdf.pages]


@functools.cache
def _radical_aliases() -> dict[int, str]:
    """{radical code point: the unified ideograph drawn with the same glyph} in the CJK font.

    Noto Sans CJK maps e.g. U+2EA0 ⺠ and U+6C11 民 to one glyph, and Chromium's ToUnicode map
    names the glyph by the lower code point (pypdf reads what the map says); NFKC folds the Kangxi
    radicals (⾏ to 行) but not the CJK Radicals Supplement. The font itself says which ideograph
    each radical stands for.
    """
    try:
        from fontTools.ttLib import TTFont

        found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", "Noto Sans CJK SC"], capture_output=True,
                               text=True, timeout=10).stdout
        path, _, index = found.rpartition(":")
        cmap = TTFont(path, fontNumber=int(index or 0), lazy=True).getBestCmap()
    except Exception:  # no fontconfig or no such font: NFKC alone
        return {}
    by_glyph: dict[str, list[int]] = {}
    for code, glyph in cmap.items():
        by_glyph.setdefault(glyph, []).append(code)
    aliases = {}
    for codes in by_glyph.values():
        unified = [c for c in codes if 0x4E00 <= c <= 0x9FFF or 0x3400 <= c <= 0x4DBF]
        for c in codes:
            if unified and (0x2E80 <= c <= 0x2FDF or 0xF900 <= c <= 0xFAFF):
                aliases[c] = chr(unified[0])
    return aliases


def normalise(text: str) -> str:
    """Text without whitespace, in NFKC, CJK radicals read as the ideographs they draw: producers
    differ in whether they draw spaces, and Chromium's ToUnicode maps some CJK glyphs to
    compatibility forms (⾏ for 行, ⺠ for 民, ﬁ for fi)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text.translate(_radical_aliases())))
