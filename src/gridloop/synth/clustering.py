"""Deterministic clustering of raster cells: nearest seeds and k-means with k-means++ seeding,
every cluster non-empty, clusters numbered north → south.
"""

from __future__ import annotations

import random

import numpy as np

from gridloop.synth.raster import FloatArray, IntArray

KMEANS_ITERATIONS = 30


def nearest(points: FloatArray, centres: FloatArray, scale: FloatArray | None = None) -> IntArray:
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    if scale is not None:
        d2 = d2 / (scale[None, :] ** 2)
    labels: IntArray = np.argmin(d2, axis=1).astype(np.intp)
    return labels


def centroids(points: FloatArray, labels: IntArray, k: int, fallback: FloatArray) -> FloatArray:
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    sums_x = np.bincount(labels, weights=points[:, 0], minlength=k)
    sums_y = np.bincount(labels, weights=points[:, 1], minlength=k)
    centres = fallback.copy()
    filled = counts > 0
    centres[filled, 0] = sums_x[filled] / counts[filled]
    centres[filled, 1] = sums_y[filled] / counts[filled]
    return centres


def fill_empty(points: FloatArray, labels: IntArray, k: int) -> IntArray:
    """Give every empty cluster one point: the outermost point of the largest cluster."""
    labels = labels.copy()
    while True:
        counts = np.bincount(labels, minlength=k)
        empty = np.flatnonzero(counts == 0)
        if len(empty) == 0:
            return labels
        big = int(np.argmax(counts))
        members = np.flatnonzero(labels == big)
        centre = points[members].mean(axis=0)
        far = members[int(np.argmax(((points[members] - centre) ** 2).sum(axis=1)))]
        labels[far] = int(empty[0])


def kmeans(points: FloatArray, k: int, rng: random.Random) -> IntArray:
    """Lloyd's k-means with k-means++ seeding from ``rng``; every cluster ends up non-empty."""
    n = len(points)
    if k <= 1:
        return np.zeros(n, dtype=np.intp)
    if k >= n:
        return np.arange(n, dtype=np.intp)
    chosen = [rng.randrange(n)]
    d2 = ((points - points[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        cumulative = np.cumsum(d2)
        pick = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
        pick = min(pick, n - 1)
        while d2[pick] == 0.0:  # already a centre (only possible through rounding)
            pick = (pick + 1) % n
        chosen.append(pick)
        d2 = np.minimum(d2, ((points - points[pick]) ** 2).sum(axis=1))
    centres = points[chosen].copy()
    labels = nearest(points, centres)
    for _ in range(KMEANS_ITERATIONS):
        centres = centroids(points, labels, k, centres)
        updated = nearest(points, centres)
        if np.array_equal(updated, labels):
            break
        labels = updated
    return fill_empty(points, labels, k)


def assign_to_seeds(points: FloatArray, seeds: FloatArray) -> IntArray:
    """Nearest seed; a seed that wins no point is moved into the largest cluster and retried."""
    k = len(seeds)
    seeds = seeds.copy()
    labels = nearest(points, seeds)
    for _ in range(k):
        counts = np.bincount(labels, minlength=k)
        empty = np.flatnonzero(counts == 0)
        if len(empty) == 0:
            return labels
        big = int(np.argmax(counts))
        members = np.flatnonzero(labels == big)
        far = members[int(np.argmax(((points[members] - seeds[big]) ** 2).sum(axis=1)))]
        seeds[int(empty[0])] = points[far]
        labels = nearest(points, seeds)
    return fill_empty(points, labels, k)


def order_north_to_south(points: FloatArray, labels: IntArray, k: int) -> IntArray:
    """Relabel clusters so that label 0 has the northernmost centroid (ties: westernmost)."""
    centres = centroids(points, labels, k, np.zeros((k, 2)))
    order = np.lexsort((centres[:, 0], centres[:, 1]))  # primary: row (y), then column (x)
    rank = np.empty(k, dtype=np.intp)
    rank[order] = np.arange(k, dtype=np.intp)
    relabelled: IntArray = rank[labels]
    return relabelled
