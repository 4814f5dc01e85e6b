"""Decode the QR codes our pages render (inline SVG from qrcode's SvgPathImage) with a real decoder, zxing-cpp.

The SVG path draws one unit square per dark module ("Mx,yH…V…H…z"); they are painted onto a white Pillow image
and handed to zxing-cpp, so the test reads what a phone's camera would, not the text we meant to encode.
"""

import re

import zxingcpp
from PIL import Image, ImageDraw

_MODULE = re.compile(r"M(\d+),(\d+)H")
_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
SCALE = 8


def decode_svg_qr(svg: str) -> list[str]:
    size = _VIEWBOX.search(svg)
    assert size, "not a qrcode SVG"
    width, height = int(size.group(1)), int(size.group(2))
    image = Image.new("L", (width * SCALE, height * SCALE), 255)
    draw = ImageDraw.Draw(image)
    for x, y in _MODULE.findall(svg):
        left, top = int(x) * SCALE, int(y) * SCALE
        draw.rectangle([left, top, left + SCALE - 1, top + SCALE - 1], fill=0)
    return [result.text for result in zxingcpp.read_barcodes(image)]


def decode_png_qr(data: bytes) -> list[str]:
    import io

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]
