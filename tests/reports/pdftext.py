"""Just enough PDF reading for the printout tests: page sizes and each page's text.

pypdf is not among the project's dependencies, so this reads the two producers we meet:
WeasyPrint (pydyf: object streams, Flate) and Chromium (Skia: plain objects, Flate content,
Type0 fonts with ToUnicode maps). It is a test helper, not a general PDF library: no
encryption, no LZW, no predictors in content streams.
"""
import functools
import re
import subprocess
import unicodedata
import zlib
from dataclasses import dataclass

WHITESPACE = b"\x00\t\n\x0c\r "
DELIMITERS = b"()<>[]{}/%"


@dataclass(frozen=True)
class Ref:
    num: int
    gen: int = 0


class Name(str):
    pass


class Op(str):
    """A bare keyword: an operator in a content stream, or obj/stream/R in the file."""


class Lexer:
    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def _skip(self) -> None:
        data = self.data
        while self.pos < len(data):
            c = data[self.pos]
            if c in WHITESPACE:
                self.pos += 1
            elif c == 0x25:  # % comment
                while self.pos < len(data) and data[self.pos] not in b"\r\n":
                    self.pos += 1
            else:
                return

    def token(self):
        """The next token, or None at the end."""
        self._skip()
        data = self.data
        if self.pos >= len(data):
            return None
        c = data[self.pos:self.pos + 1]
        if data.startswith(b"<<", self.pos):
            self.pos += 2
            return Op("<<")
        if data.startswith(b">>", self.pos):
            self.pos += 2
            return Op(">>")
        if c in b"[]{}":
            self.pos += 1
            return Op(c.decode())
        if c == b"<":
            end = data.index(b">", self.pos)
            hexdigits = re.sub(rb"\s", b"", data[self.pos + 1:end])
            self.pos = end + 1
            if len(hexdigits) % 2:
                hexdigits += b"0"
            return bytes.fromhex(hexdigits.decode())
        if c == b"(":
            return self._literal()
        if c == b"/":
            start = self.pos = self.pos + 1
            while self.pos < len(data) and data[self.pos] not in WHITESPACE + DELIMITERS:
                self.pos += 1
            raw = data[start:self.pos]
            return Name(re.sub(rb"#([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1"))
        start = self.pos
        while self.pos < len(data) and data[self.pos] not in WHITESPACE + DELIMITERS:
            self.pos += 1
        word = data[start:self.pos]
        if not word:  # a stray delimiter such as ')' or '>'
            self.pos += 1
            return Op(c.decode("latin-1"))
        if re.fullmatch(rb"[+-]?(\d+\.?\d*|\.\d+)", word):
            return float(word) if b"." in word else int(word)
        return Op(word.decode("latin-1"))

    def _literal(self) -> bytes:
        data, out, depth = self.data, bytearray(), 1
        self.pos += 1
        escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f",
                   ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}
        while self.pos < len(data):
            c = data[self.pos]
            if c == 0x5C:  # backslash
                nxt = data[self.pos + 1]
                if nxt in escapes:
                    out += escapes[nxt]
                    self.pos += 2
                elif 0x30 <= nxt <= 0x37:
                    m = re.match(rb"[0-7]{1,3}", data[self.pos + 1:self.pos + 4])
                    out.append(int(m.group(0), 8) & 0xFF)
                    self.pos += 1 + len(m.group(0))
                elif nxt in b"\r\n":
                    self.pos += 2 + (data[self.pos + 1:self.pos + 3] == b"\r\n")
                else:
                    out.append(nxt)
                    self.pos += 2
                continue
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                depth -= 1
                if depth == 0:
                    self.pos += 1
                    return bytes(out)
            out.append(c)
            self.pos += 1
        return bytes(out)

    def value(self, tok=None):
        """One PDF object (dicts, arrays, references resolved to Ref)."""
        tok = self.token() if tok is None else tok
        if tok == "<<":
            result = {}
            while True:
                key = self.token()
                if key == ">>" or key is None:
                    return result
                result[str(key)] = self.value()
        if tok == "[":
            items = []
            while True:
                t = self.token()
                if t == "]" or t is None:
                    return _refs(items)
                items.append(self.value(t))
        return tok


def _refs(items: list) -> list:
    """[1, 0, R] -> [Ref(1, 0)] within an array."""
    out = []
    for item in items:
        if isinstance(item, Op) and item == "R" and len(out) >= 2 and isinstance(out[-1], int) \
                and isinstance(out[-2], int):
            gen, num = out.pop(), out.pop()
            out.append(Ref(num, gen))
        else:
            out.append(item)
    return out


def _dict_refs(value):
    if isinstance(value, dict):
        return {k: _dict_refs(v) for k, v in value.items()}
    return value


class Pdf:
    def __init__(self, data: bytes):
        assert data.startswith(b"%PDF-"), "not a PDF"
        self.data = data
        self.objects: dict[int, object] = {}
        self.streams: dict[int, bytes] = {}
        for m in re.finditer(rb"(?<![0-9])(\d+)\s+(\d+)\s+obj\b", data):
            try:
                self._read_object(int(m.group(1)), m.end())
            except (ValueError, IndexError):  # 'n n obj' met by chance inside binary data
                continue
        for num, obj in list(self.objects.items()):
            if isinstance(obj, dict) and obj.get("Type") == "ObjStm":
                self._read_object_stream(num, obj)

    def _read_dict_value(self, lexer: Lexer):
        """A value at the lexer, with 'a b R' references inside dicts resolved."""
        tok = lexer.token()
        if tok == "<<":
            result = {}
            while True:
                key = lexer.token()
                if key == ">>" or key is None:
                    return result
                result[str(key)] = self._read_dict_value(lexer)
        if tok == "[":
            items = []
            while True:
                save = lexer.pos
                t = lexer.token()
                if t == "]" or t is None:
                    return _refs(items)
                lexer.pos = save
                items.append(self._read_dict_value(lexer))
        if isinstance(tok, int):
            save = lexer.pos
            t2, t3 = lexer.token(), lexer.token()
            if isinstance(t2, int) and t3 == "R":
                return Ref(tok, t2)
            lexer.pos = save
        return tok

    def _read_object(self, num: int, pos: int) -> None:
        lexer = Lexer(self.data, pos)
        value = self._read_dict_value(lexer)
        self.objects[num] = value
        save = lexer.pos
        if lexer.token() == "stream" and isinstance(value, dict):
            start = lexer.pos
            if self.data[start:start + 2] == b"\r\n":
                start += 2
            elif self.data[start:start + 1] in (b"\n", b"\r"):
                start += 1
            length = value.get("Length")
            if isinstance(length, Ref):
                length = None  # resolved lazily below, when that object has been read
            if isinstance(length, int):
                raw = self.data[start:start + length]
            else:
                raw = self.data[start:self.data.index(b"endstream", start)].rstrip(b"\r\n")
            self.streams[num] = raw
        else:
            lexer.pos = save

    def _read_object_stream(self, num: int, obj: dict) -> None:
        data = self.stream(num)
        n, first = obj["N"], obj["First"]
        header = Lexer(data[:first])
        pairs = [(header.token(), header.token()) for _ in range(n)]
        for inner_num, offset in pairs:
            lexer = Lexer(data, first + offset)
            self.objects.setdefault(inner_num, self._read_dict_value(lexer))

    def resolve(self, value):
        while isinstance(value, Ref):
            value = self.objects.get(value.num)
        return value

    def stream(self, num: int) -> bytes:
        raw = self.streams[num]
        obj = self.objects[num]
        filters = self.resolve(obj.get("Filter"))
        filters = filters if isinstance(filters, list) else [filters] if filters else []
        for f in filters:
            if f == "FlateDecode":
                raw = zlib.decompress(raw)
            else:
                raise NotImplementedError(f"filter {f}")
        return raw

    # -- pages ------------------------------------------------------------------------------

    def pages(self) -> list[dict]:
        """Page dicts in order, with /MediaBox and /Resources inherited from the tree."""
        catalog = next(o for o in self.objects.values() if isinstance(o, dict) and o.get("Type") == "Catalog")
        out: list[dict] = []

        def walk(node_ref, inherited):
            node = self.resolve(node_ref)
            merged = dict(inherited)
            for key in ("MediaBox", "Resources"):
                if key in node:
                    merged[key] = node[key]
            if node.get("Type") == "Pages":
                for kid in node["Kids"]:
                    walk(kid, merged)
            else:
                out.append(dict(node, **{k: v for k, v in merged.items() if k not in node},
                                _ref=node_ref))

        walk(catalog["Pages"], {})
        return out

    def page_sizes(self) -> list[tuple[float, float]]:
        sizes = []
        for page in self.pages():
            x0, y0, x1, y1 = [float(self.resolve(v)) for v in self.resolve(page["MediaBox"])]
            sizes.append((x1 - x0, y1 - y0))
        return sizes

    def page_texts(self) -> list[str]:
        return [self._page_text(page) for page in self.pages()]

    def _contents(self, page: dict) -> bytes:
        contents = page.get("Contents")
        refs = contents if isinstance(contents, list) else [contents]
        return b"\n".join(self.stream(r.num) for r in refs if isinstance(r, Ref))

    def _page_text(self, page: dict) -> str:
        return self._run(self._contents(page), self.resolve(page.get("Resources")) or {})

    def _run(self, content: bytes, resources: dict, depth: int = 0) -> str:
        fonts = self.resolve(resources.get("Font")) or {}
        xobjects = self.resolve(resources.get("XObject")) or {}
        lexer, stack, out, decoder = Lexer(content), [], [], None
        while (tok := lexer.token()) is not None:
            if tok == "[":
                items = []
                while (t := lexer.token()) not in ("]", None):
                    items.append(t)
                stack.append(items)
            elif tok == "<<":
                lexer.pos -= 2
                stack.append(lexer.value())
            elif isinstance(tok, Op):
                if tok == "Tf" and len(stack) >= 2:
                    decoder = self._decoder(fonts.get(stack[-2]))
                elif tok in ("Tj", "'", '"') and stack and isinstance(stack[-1], bytes):
                    out.append(decoder(stack[-1]) if decoder else stack[-1].decode("latin-1"))
                elif tok == "TJ" and stack and isinstance(stack[-1], list):
                    out.extend(decoder(s) if decoder else s.decode("latin-1")
                               for s in stack[-1] if isinstance(s, bytes))
                elif tok == "Do" and stack and depth < 5:
                    ref = xobjects.get(stack[-1])
                    xobj = self.resolve(ref)
                    if isinstance(xobj, dict) and xobj.get("Subtype") == "Form" and isinstance(ref, Ref):
                        out.append(self._run(self.stream(ref.num), self.resolve(xobj.get("Resources")) or resources,
                                             depth + 1))
                elif tok == "BI":  # inline image: skip to EI
                    end = content.find(b"EI", lexer.pos)
                    lexer.pos = end + 2 if end >= 0 else len(content)
                stack = []
            else:
                stack.append(tok)
        return "".join(out)

    def _decoder(self, font_ref):
        font = self.resolve(font_ref)
        if not isinstance(font, dict):
            return None
        cmap_ref = font.get("ToUnicode")
        if isinstance(cmap_ref, Ref) and cmap_ref.num in self.streams:
            mapping, width = _parse_cmap(self.stream(cmap_ref.num))
            return lambda s: "".join(mapping.get(int.from_bytes(s[i:i + width], "big"), "")
                                     for i in range(0, len(s), width))
        return lambda s: s.decode("latin-1")


def _utf16(hexstr: bytes) -> str:
    return bytes.fromhex(hexstr.decode()).decode("utf-16-be", errors="replace")


def _parse_cmap(data: bytes) -> tuple[dict[int, str], int]:
    mapping: dict[int, str] = {}
    width = 2
    m = re.search(rb"begincodespacerange\s*<([0-9A-Fa-f]+)>", data)
    if m:
        width = len(m.group(1)) // 2
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            mapping[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, rest in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block):
            lo, hi = int(lo, 16), int(hi, 16)
            if rest.startswith(b"["):
                for i, dst in enumerate(re.findall(rb"<([0-9A-Fa-f]*)>", rest)):
                    mapping[lo + i] = _utf16(dst)
            else:
                start = bytes.fromhex(rest[1:-1].decode())
                base = int.from_bytes(start, "big")
                for code in range(lo, hi + 1):
                    value = (base + code - lo).to_bytes(len(start), "big")
                    mapping[code] = value.decode("utf-16-be", errors="replace")
    return mapping, width


@functools.cache
def _radical_aliases() -> dict[int, str]:
    """{radical code point: the unified ideograph drawn with the same glyph} in the CJK font.

    Noto Sans CJK maps e.g. U+2EA0 ⺠ and U+6C11 民 to one glyph, and Chromium's ToUnicode map
    names the glyph by the lower code point; NFKC folds the Kangxi radicals (⾏ to 行) but not
    the CJK Radicals Supplement. The font itself says which ideograph each radical stands for.
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
