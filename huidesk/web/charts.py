"""Charts drawn on the server as SVG: nothing to vendor, nothing fetched, no script, and no style attribute
(colours come from the desk's stylesheet by class), so the Content-Security-Policy stays strict."""

from collections.abc import Sequence
from html import escape

from huidesk.domain.i18n import tr


def trend_chart(months: Sequence, width: int = 480, height: int = 250) -> str:
    """受理 and 办结 of each month (a report's `TrendMonth`s: month, received, resolved) as paired bars with
    the figures above them, scaled to the viewBox (the page sets the drawn size)."""
    left, right, top, bottom = 30, 6, 40, 26
    inner_w, inner_h = width - left - right, height - top - bottom
    peak = max([1, *(max(m.received, m.resolved) for m in months)])
    step = _step(peak)
    ceiling = step * -(-peak // step)
    slot = inner_w / max(1, len(months))
    bar = max(2.0, slot * 0.36)
    received, resolved = tr("受理", "received"), tr("办结", "resolved")
    title = tr("近12个月受理与办结（件）", "Issues received and resolved, last 12 months")
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="trend-title" '
           f'xmlns="http://www.w3.org/2000/svg"><title id="trend-title">{escape(title)}</title>']
    for i in range(0, ceiling + 1, step):
        y = top + inner_h - inner_h * i / ceiling
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{i}</text>')
    for n, m in enumerate(months):
        x = left + slot * n + (slot - 2 * bar) / 2
        for k, (value, kind, word) in enumerate(((m.received, "received", received),
                                                  (m.resolved, "resolved", resolved))):
            h = inner_h * value / ceiling
            bx, by = x + k * bar, top + inner_h - h
            out.append(f'<rect class="bar {kind}" x="{bx:.1f}" y="{by:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                       f'<title>{escape(m.month)} {word} {value}</title></rect>')
            if value:
                out.append(f'<text class="figure" x="{bx + bar / 2:.1f}" y="{by - 3:.1f}" text-anchor="middle">'
                           f'{value}</text>')
        label = m.month[5:] if n and m.month[5:] != "01" else m.month[2:]
        out.append(f'<text class="axis" x="{left + slot * n + slot / 2:.1f}" y="{height - bottom + 17}" '
                   f'text-anchor="middle">{escape(label)}</text>')
    out.append(f'<g class="legend"><rect class="bar received" x="{left}" y="6" width="12" height="12"/>'
               f'<text x="{left + 17}" y="17">{escape(received)}</text>'
               f'<rect class="bar resolved" x="{left + 80}" y="6" width="12" height="12"/>'
               f'<text x="{left + 97}" y="17">{escape(resolved)}</text></g></svg>')
    return "".join(out)


def _step(peak: int) -> int:
    """A round gridline step giving about four lines up to `peak`."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 5:
            return step
    return 10 ** len(str(peak))
