"""Realistic multi-year case histories for `gridloop seed history`.

`plan.py` plans when and where cases are reported, `walk.py` walks each case through the
workflow table, `case.py` keeps its columns and rows on the way, `model.py` holds the shapes,
and `db.py` reads the world from the database and COPYs the rows.
"""
