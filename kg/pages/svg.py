"""The small picture of an instrument's neighbourhood (its "lược đồ"), as SVG made on the server.

The document in the middle; on the left what it does to others (its bases,
what it amends, replaces, repeals, guides), on the right what others do to it;
each box a link to that document's page. Colours are kg.render's, per relation.
Presentation attributes only (no style attribute, no script), so the picture
needs nothing the pages' Content-Security-Policy forbids.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from kg.model import RelationKind
from kg.render import EDGE_COLOURS

__all__ = ["Box", "neighbourhood_svg"]

WIDTH, BOX_W, BOX_H, ROW, TOP = 880, 230, 34, 44, 44
CENTRE_W = 240
_PRIORITY = (RelationKind.REPLACES, RelationKind.REPEALS, RelationKind.AMENDS, RelationKind.BASED_ON,
             RelationKind.GUIDES, RelationKind.IMPLEMENTS)


@dataclass(frozen=True)
class Box:
    """A document beside the centre: its name, a second line, its page, how it relates to the centre."""

    name: str
    detail: str
    url: str | None
    kind: RelationKind
    tooltip: str = ""


def _fit(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars - 1] + "…"


def _box(x: float, y: float, box: Box) -> str:
    colour = EDGE_COLOURS.get(box.kind.value, "#888888")
    inner = (f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="5" fill="#ffffff" '
             f'stroke="{colour}" stroke-width="2"/>'
             f'<text x="{x + 8}" y="{y + 14}" font-size="12" font-weight="bold" fill="#1b2733">'
             f'{escape(_fit(box.name, 32))}</text>'
             f'<text x="{x + 8}" y="{y + 28}" font-size="10.5" fill="#4a5663">{escape(_fit(box.detail, 40))}</text>'
             f'<title>{escape(box.tooltip or box.name)}</title>')
    if box.url:
        return f'<a href="{escape(box.url)}">{inner}</a>'
    return f"<g>{inner}</g>"


def _side(boxes: list[Box], limit: int) -> tuple[list[Box], int]:
    ranked = sorted(boxes, key=lambda b: _PRIORITY.index(b.kind))
    return ranked[:limit], max(0, len(ranked) - limit)


def neighbourhood_svg(centre: str, centre_detail: str, outgoing: list[Box], incoming: list[Box], *,
                      headings: tuple[str, str], more: str = "+{n}", limit: int = 8, label: str = "") -> str:
    """The picture: ``outgoing`` (the centre → them) on the left, ``incoming`` (them → the centre) on the right.

    ``headings`` are the two columns' titles; ``more`` says how many are left
    out (``{n}``) when a side has more than ``limit``.
    """
    left, left_more = _side(outgoing, limit)
    right, right_more = _side(incoming, limit)
    rows = max(len(left) + bool(left_more), len(right) + bool(right_more), 1)
    height = TOP + rows * ROW + 12
    cx, cy = (WIDTH - CENTRE_W) / 2, TOP + (rows * ROW - BOX_H - 12) / 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
           f'height="{height}" role="img" aria-label="{escape(label)}" font-family="DejaVu Sans, Arial, sans-serif">',
           "<defs>" + "".join(
               f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
               f'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{colour}"/></marker>'
               for kind, colour in EDGE_COLOURS.items()) + "</defs>",
           f'<text x="20" y="20" font-size="12" fill="#4a5663">{escape(headings[0])}</text>',
           f'<text x="{WIDTH - 20}" y="20" font-size="12" fill="#4a5663" text-anchor="end">{escape(headings[1])}</text>']
    centre_mid = cy + (BOX_H + 12) / 2
    for i, box in enumerate(left):  # the centre → box: the arrow ends at the box
        y = TOP + i * ROW
        colour = EDGE_COLOURS.get(box.kind.value, "#888888")
        out.append(f'<line x1="{cx}" y1="{centre_mid}" x2="{20 + BOX_W}" y2="{y + BOX_H / 2}" stroke="{colour}" '
                   f'stroke-width="1.6" marker-end="url(#arrow-{box.kind.value})"/>')
        out.append(_box(20, y, box))
    for i, box in enumerate(right):  # box → the centre: the arrow ends at the centre
        y = TOP + i * ROW
        x = WIDTH - 20 - BOX_W
        colour = EDGE_COLOURS.get(box.kind.value, "#888888")
        out.append(f'<line x1="{x}" y1="{y + BOX_H / 2}" x2="{cx + CENTRE_W}" y2="{centre_mid}" stroke="{colour}" '
                   f'stroke-width="1.6" marker-end="url(#arrow-{box.kind.value})"/>')
        out.append(_box(x, y, box))
    for count, x, anchor, n_rows in ((left_more, 20, "start", len(left)),
                                     (right_more, WIDTH - 20, "end", len(right))):
        if count:
            out.append(f'<text x="{x}" y="{TOP + n_rows * ROW + 14}" font-size="11" fill="#4a5663" '
                       f'text-anchor="{anchor}">{escape(more.format(n=count))}</text>')
    out.append(f'<rect x="{cx}" y="{cy}" width="{CENTRE_W}" height="{BOX_H + 12}" rx="6" fill="#1f4e79"/>'
               f'<text x="{WIDTH / 2}" y="{cy + 20}" font-size="14" font-weight="bold" fill="#ffffff" '
               f'text-anchor="middle">{escape(_fit(centre, 30))}</text>'
               f'<text x="{WIDTH / 2}" y="{cy + 37}" font-size="11" fill="#dce6f0" '
               f'text-anchor="middle">{escape(_fit(centre_detail, 36))}</text>')
    out.append("</svg>")
    return "".join(out)
