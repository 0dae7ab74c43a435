#!/usr/bin/env python3
"""An SVG chart of plan-cli's proven gap against graph size, from side_by_side.py's JSON lines
(../shared/anchors/moccasin/side_by_side.py --jsonl FILE), one series per budget multiplier m.
Cases without a plan are marked on the axis as crosses. Standard library only.

Usage: python3 tools/random_layered/gap_chart.py results.jsonl -o docs/charts/gap-vs-size.svg
"""
import argparse, json, math


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("jsonl")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.jsonl) if l.strip()]
    series = {}
    for r in rows:
        gap = (r.get("ours") or {}).get("gap")
        series.setdefault(r["m"], []).append((r["N"], None if gap is None else 100 * gap))
    W, H, L, R, T, B = 640, 360, 60, 150, 30, 50
    sizes = sorted({n for s in series.values() for n, _ in s})
    gmax = max([g for s in series.values() for _, g in s if g is not None] + [1])
    top = max(2, math.ceil(gmax / 2) * 2)
    lo, hi = math.log10(min(sizes)) - 0.1, math.log10(max(sizes)) + 0.1
    x = lambda n: L + (math.log10(n) - lo) / (hi - lo) * (W - L - R)
    y = lambda g: T + (1 - g / top) * (H - T - B)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="18" font-size="14">plan-cli (ilp): proven gap against graph size, random layered DAGs</text>']
    for k in range(0, top + 1, max(1, top // 5)):
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{y(k):.1f}" y2="{y(k):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{L - 8}" y="{y(k) + 4:.1f}" text-anchor="end">{k}%</text>')
    for n in sizes:
        out.append(f'<text x="{x(n):.1f}" y="{H - B + 18}" text-anchor="middle">{n}</text>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">nodes (log scale)</text>')
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    for i, (m, pts) in enumerate(sorted(series.items(), reverse=True)):
        c = colours[i % len(colours)]
        pts.sort()
        line = [(x(n), y(g)) for n, g in pts if g is not None]
        if len(line) > 1:
            out.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="' + " ".join(f"{px:.1f},{py:.1f}" for px, py in line) + '"/>')
        for n, g in pts:
            if g is None:
                px, py = x(n), y(0)
                out.append(f'<path d="M{px - 5:.1f},{py - 5:.1f} l10,10 m0,-10 l-10,10" stroke="{c}" stroke-width="2"/>')
            else:
                out.append(f'<circle cx="{x(n):.1f}" cy="{y(g):.1f}" r="4" fill="{c}"/>')
        out.append(f'<circle cx="{W - R + 20}" cy="{T + 20 + 20 * i}" r="4" fill="{c}"/>')
        out.append(f'<text x="{W - R + 30}" y="{T + 24 + 20 * i}">budget {round(100 * m)}% of peak</text>')
    out.append(f'<text x="{W - R + 20}" y="{T + 24 + 20 * len(series)}">× no plan</text>')
    out.append("</svg>")
    with open(a.output, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
