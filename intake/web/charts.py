"""Server-rendered inline SVG charts: no JavaScript, no CDN, readable without colour (labels on bars).

Pure functions from numbers to markup; every text goes through ``escape``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2f6fb0", "#d0782a", "#3d9a5b", "#b8424b", "#7d5ba6", "#8c6d3f", "#c65fa5", "#6b7b8c")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    target: float | None = None  # drawn as a tick; bar turns red past it
    note: str = ""


def hbars(bars: Sequence[Bar], *, unit: str, title: str, width: int = 640) -> str:
    """Horizontal bars with optional target ticks (e.g. median time to initial response vs target)."""
    if not bars:
        return _empty(title, width)
    row, left, right = 34, 150, 90
    height = 30 + row * len(bars)
    top = max([b.value for b in bars] + [b.target or 0 for b in bars] + [1e-9])
    scale = (width - left - right) / top
    parts = [_open(width, height, title)]
    for i, b in enumerate(bars):
        y = 24 + i * row
        w = max(b.value * scale, 1 if b.value > 0 else 0)
        over = b.target is not None and b.value > b.target
        colour = "#b8424b" if over else "#2f6fb0"
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="lbl">{escape(b.label)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="20" fill="{colour}"><title>'
                     f'{escape(b.label)}: {b.value:.1f} {escape(unit)}</title></rect>')
        if b.target is not None:
            tx = left + b.target * scale
            parts.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y - 3}" y2="{y + 23}" class="target"/>')
        text = f"{b.value:.1f} {unit}" + (f" / {b.target:g} {unit}" if b.target is not None else "")
        if b.note:
            text += f" ({b.note})"
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 15}" class="val">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(labels: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str, width: int = 640,
            height: int = 220) -> str:
    """Stacked columns, one per label (week), one colour per series (type), with a legend."""
    if not labels or not series or not any(any(v for v in vals) for vals in series.values()):
        return _empty(title, width)
    left, bottom, top_pad = 36, 40, 14
    legend_h = 18 * ((len(series) + 3) // 4)
    plot_h = height - bottom - top_pad
    totals = [sum(vals[i] for vals in series.values()) for i in range(len(labels))]
    peak = max(max(totals), 1)
    col_w = (width - left - 10) / len(labels)
    parts = [_open(width, height + legend_h, title)]
    parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{top_pad + plot_h}" y2="{top_pad + plot_h}" class="axis"/>')
    parts.append(f'<text x="{left - 4}" y="{top_pad + 8}" text-anchor="end" class="val">{peak:g}</text>')
    for i, label in enumerate(labels):
        x = left + i * col_w + 3
        y: float = top_pad + plot_h
        for j, (name, vals) in enumerate(series.items()):
            v = vals[i]
            if not v:
                continue
            h = v / peak * plot_h
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{col_w - 6:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(label)} {escape(name)}: {v:g}'
                         f'</title></rect>')
        if totals[i]:
            parts.append(f'<text x="{x + (col_w - 6) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" class="val">'
                         f'{totals[i]:g}</text>')
        parts.append(f'<text x="{x + (col_w - 6) / 2:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle" '
                     f'class="tick">{escape(label)}</text>')
    for j, name in enumerate(series):
        lx = left + (j % 4) * ((width - left) / 4)
        ly = height + 18 * (j // 4) - 6
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 10}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
                     f'<text x="{lx + 14:.1f}" y="{ly}" class="tick">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Span:
    start: float  # 0..1 of the window
    end: float
    state: str  # up | down | unknown
    label: str


def timeline(spans: Sequence[Span], *, title: str, start_label: str, end_label: str, width: int = 640) -> str:
    """A strip of coloured spans over a time window (portal gate history)."""
    if not spans:
        return _empty(title, width)
    colours = {"up": "#3d9a5b", "down": "#b8424b", "unknown": "#9aa3ad"}
    left, right, height = 10, 10, 70
    span_w = width - left - right
    parts = [_open(width, height, title)]
    for s in spans:
        x = left + s.start * span_w
        w = max((s.end - s.start) * span_w, 1)
        parts.append(f'<rect x="{x:.1f}" y="10" width="{w:.1f}" height="26" fill="{colours.get(s.state, "#9aa3ad")}">'
                     f'<title>{escape(s.label)}</title></rect>')
    parts.append(f'<text x="{left}" y="52" class="tick">{escape(start_label)}</text>')
    parts.append(f'<text x="{width - right}" y="52" text-anchor="end" class="tick">{escape(end_label)}</text>')
    x = left
    for state in ("up", "down", "unknown"):
        parts.append(f'<rect x="{x}" y="58" width="10" height="10" fill="{colours[state]}"/>'
                     f'<text x="{x + 14}" y="67" class="tick">{state}</text>')
        x += 80
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>')


def _empty(title: str, width: int) -> str:
    return _open(width, 40, title) + '<text x="10" y="24" class="val">no data yet</text></svg>'
