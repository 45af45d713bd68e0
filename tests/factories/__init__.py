"""Builders and helpers that tests import; the conftest modules keep only fixtures.

- `web`: logging in and checking problem responses.
- `places`: map and office builders (a two-street district, the routing world).
- `cases`: the case tests' world, filing, actions, photos.
- `reports`: the rollup rows and the hand-built history.
"""
