"""Benchmark: PNG bakes per second, Laurel's byte-level ``bake_png`` vs. the reference openbadges-bakery 2.0.0.

Run: ``.venv/bin/python bench/bake_bench.py [--seconds 4] [--size 512]``. Both bakers get the same realistic
artwork (a Pillow-drawn RGBA badge, gradient + shapes + text, 512x512 by default) and the same ~1.5 KB assertion,
in the same process, in memory (the reference writes to a BytesIO, not its default temporary file). Each is timed
for about ``--seconds`` after a warm-up; total run time stays well under 30 s.

openbadges-bakery reads and writes the chunk stream through pypng (``png.Reader.chunks`` / ``png.write_chunks``,
which checks every CRC in Python and rebuilds each chunk); ours slices bytes and checks CRCs with ``zlib.crc32``.
Both outputs are checked to unbake to the same text before timing.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openbadges_bakery import bake as reference_bake  # noqa: E402
from openbadges_bakery import unbake as reference_unbake  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from badges.openbadges.baking.png import KEYWORD_OB2, bake_png, unbake_png  # noqa: E402


def make_artwork(size: int) -> bytes:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    centre = size / 2
    for r in range(int(centre), 0, -2):  # radial gradient disc
        shade = int(255 * r / centre)
        draw.ellipse([centre - r, centre - r, centre + r, centre + r], fill=(40, 90 + shade // 3, shade, 255))
    points = [
        (centre + 0.8 * centre * math.cos(a * math.pi / 5), centre + 0.8 * centre * math.sin(a * math.pi / 5))
        for a in range(10)
    ]
    draw.polygon(points, outline=(255, 215, 0, 255), width=max(2, size // 100))
    draw.text((centre - size / 6, centre), "PYTHON BASICS 2024", fill=(255, 255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def make_assertion() -> str:
    return json.dumps(
        {
            "@context": "https://w3id.org/openbadges/v2",
            "id": "https://badges.example.edu/assertions/7f6c1f0e-4b1a-4d8e-9a51-2f4c1c9f5b11",
            "type": "Assertion",
            "recipient": {
                "type": "email",
                "hashed": True,
                "salt": "0vXQm2yqJd1bq8b1X8x1kA",
                "identity": "sha256$" + "ab" * 32,
            },
            "badge": "https://badges.example.edu/badges/python-basics",
            "verification": {"type": "HostedBadge"},
            "issuedOn": "2024-05-01T12:30:15Z",
            "expires": "2027-05-01T12:30:15Z",
            "narrative": "Completed all twelve exercises and the final project. " * 12,
            "evidence": [{"type": "Evidence", "id": "https://portfolio.example.org/learner/project-1"}],
        }
    )


def _reference(image: bytes, text: str) -> bytes:
    out = io.BytesIO()
    reference_bake(io.BytesIO(image), text, out)
    return out.getvalue()


def _ours(image: bytes, text: str) -> bytes:
    return bake_png(image=image, keyword=KEYWORD_OB2, text=text)


def rate(fn, image: bytes, text: str, seconds: float) -> tuple[float, int]:
    for _ in range(3):
        fn(image, text)
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        fn(image, text)
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="timing window per baker")
    parser.add_argument("--size", type=int, default=512, help="artwork width and height in pixels")
    args = parser.parse_args()

    image, text = make_artwork(args.size), make_assertion()
    assert unbake_png(image=_ours(image, text), keyword=KEYWORD_OB2) == text
    assert reference_unbake(io.BytesIO(_reference(image, text))) == text

    print(f"artwork: {args.size}x{args.size} RGBA PNG, {len(image):,} bytes; assertion: {len(text):,} bytes")
    ours, n_ours = rate(_ours, image, text, args.seconds)
    ref, n_ref = rate(_reference, image, text, args.seconds)
    print(f"laurel bake_png           : {ours:12,.0f} bakes/s  ({n_ours:,} bakes)")
    print(f"openbadges-bakery 2.0.0   : {ref:12,.0f} bakes/s  ({n_ref:,} bakes)")
    print(f"ratio (laurel / reference): {ours / ref:12,.1f}x")


if __name__ == "__main__":
    main()
