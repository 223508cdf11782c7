"""Small SVG charts for the admin's 数据统计, drawn on the server: no chart library to ship, nothing to load from
the internet (government intranets often have none), and the figures stay readable as a table below them."""

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 980, 220, 36
COLOURS = ("#1a56c4", "#d46b08", "#138a3e", "#999999")


def line_chart(days, series, title):
    """`series`: [(label, values)], one value per day; None values (a day not fetched) are gaps."""
    top = max([v for _, values in series for v in values if v is not None] + [1])
    step = (WIDTH - 2 * PAD) / max(len(days) - 1, 1)

    def x(i):
        return PAD + i * step

    def y(v):
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top

    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        'style="width:100%;height:auto;background:#fff">',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#ccc"/>',
        f'<text x="{WIDTH - PAD}" y="16" font-size="12" fill="#888" text-anchor="end">最高 {top}</text>',
    ]
    for i, day in enumerate(days):
        if i % max(len(days) // 10, 1) == 0 or i == len(days) - 1:
            parts.append(
                f'<text x="{x(i):.0f}" y="{HEIGHT - PAD + 16}" font-size="11" fill="#888" text-anchor="middle">'
                f"{escape(day[5:])}</text>"
            )
    for n, (label, values) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        runs, run = [], []
        for i, v in enumerate(values):
            if v is None:
                runs, run = runs + [run] if run else runs, []
            else:
                run.append(f"{x(i):.1f},{y(v):.1f}")
        runs += [run] if run else []
        for points in runs:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>')
        parts.append(
            f'<rect x="{PAD + 170 * n}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{PAD + 170 * n + 18}" y="16" font-size="13" fill="#333">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
