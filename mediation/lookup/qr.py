"""The QR code printed on the acknowledgement (受理回执): the progress lookup's address, drawn
offline by `segno` (pure Python) as an inline SVG, so a print needs no image file, no network
and no script (the CSP allows neither inline styles nor scripts, and the SVG uses neither)."""
import io

import segno
from flask import current_app, has_request_context, request, url_for
from markupsafe import Markup

QR_ERROR_LEVEL = "m"  # 15 % of the code may be smudged or folded and it still reads


def progress_qr_svg(url: str, *, scale: int = 4, border: int = 4, title: str | None = None) -> Markup:
    """`url` as a QR code, an <svg> element to put straight into a page. Dark modules on a white
    background (readable on coloured paper too); `title` is what a screen reader says."""
    out = io.BytesIO()
    segno.make(url, error=QR_ERROR_LEVEL, micro=False).save(
        out, kind="svg", xmldecl=False, svgns=True, scale=scale, border=border, dark="#000", light="#fff",
        title=title, svgclass="progress-qr", lineclass=None)
    return Markup(out.getvalue().decode("utf-8"))


def lookup_url() -> str:
    """The lookup page's absolute address as a party's phone reaches it. PUBLIC_BASE_URL (the
    site's public address, e.g. https://tiaojie.example.gov.cn, with the path the app is mounted
    under if any) when configured: the request that prints a receipt may come through an internal
    address. Without it, the address this request came in on (request.url_root)."""
    path = url_for("lookup.form")
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if has_request_context():
        path = path.removeprefix(request.script_root)
        base = base or request.url_root.rstrip("/")
    return f"{base}{path}" if base else url_for("lookup.form", _external=True)
