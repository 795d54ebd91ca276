"""Where a window envelope's window is, for every printed page that carries an address
(recruitment letters, per-member paper questionnaires).

Measured in millimetres from the A4 sheet's top-left corner (docs/recruitment.md):

- Danish (`dk`), C5 (A4 folded once) and C65 (A4 folded twice) envelopes with the window on
  the left: the address block 20 mm from the left and 50 mm from the top, 85 x 30 mm, with the
  return address on one line 5 mm above it.
- Norwegian (`no`), C5 with the window 15 mm from the left and 44 mm from the top, 105 x 35 mm:
  the block 17 mm from the left and 47 mm from the top, 95 x 28 mm.

The stylesheets (letters.css, paper.css) place the blocks at these numbers; the tests read the
address back from the PDFs and check it lies inside.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WindowLayout:
    left: int
    top: int
    width: int
    height: int


WINDOWS = {
    "dk": WindowLayout(left=20, top=50, width=85, height=30),
    "no": WindowLayout(left=17, top=47, width=95, height=28),
}


def window_for_country(country: str) -> str:
    """The envelope layout a council's post uses: Norwegian in Norway, Danish otherwise."""
    return "no" if country == "NO" else "dk"
