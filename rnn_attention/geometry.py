"""Plane geometry for notebook 04: the convex hull of 2-D points, and whether a point lies in it.

Introduced in notebook 04.

A context vector c = sum_j alpha_j h_j is a convex combination, so it always lies in the hull of the h_j.
"""

from __future__ import annotations

import torch

__all__ = ["convex_hull_2d", "inside_hull_2d"]


def convex_hull_2d(points) -> list:
    """Corners of the convex hull of 2-D points (N, 2), counter-clockwise (Andrew's monotone chain)."""
    pts = sorted({(float(x), float(y)) for x, y in torch.as_tensor(points).tolist()})
    if len(pts) <= 2:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def inside_hull_2d(point, hull: list, tol: float = 1e-9) -> bool:
    """True when a 2-D point lies inside or on a convex hull given by convex_hull_2d."""
    x, y = (float(v) for v in point)
    if len(hull) == 1:
        return abs(x - hull[0][0]) <= tol and abs(y - hull[0][1]) <= tol
    if len(hull) == 2:  # a segment
        (ax, ay), (bx, by) = hull
        cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
        within = min(ax, bx) - tol <= x <= max(ax, bx) + tol and min(ay, by) - tol <= y <= max(ay, by) + tol
        return abs(cross) <= tol and within
    # counter-clockwise polygon: the point must lie left of (or on) every edge
    return all(
        (bx - ax) * (y - ay) - (by - ay) * (x - ax) >= -tol for (ax, ay), (bx, by) in zip(hull, hull[1:] + hull[:1])
    )
