"""An authenticator's key as a QR code, drawn as SVG inside the page (segno, pure Python): no
image request, no `data:` URI, nothing from another origin, so the content security policy stays
as it is (settings.CONTENT_SECURITY_POLICY)."""

import segno
from django.utils.safestring import SafeString


def qr_code_svg(text: str, *, title: str) -> SafeString:
    """`text` (an otpauth:// URI) as an inline SVG element, an image named `title` for screen
    readers. Safe to insert: segno writes only numbers into the drawing and escapes the title."""
    return SafeString(segno.make(text, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff",
                                                             title=title, svgclass="mx-auto"))
