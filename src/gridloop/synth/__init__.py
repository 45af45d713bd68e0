"""Synthetic and demo data: tooling, not the service.

- `tiling.py` (with `raster.py`, `clustering.py`): exact raster tilings of a district;
- `district.py`: the synthetic district of `gridloop seed synthetic` and the benchmarks;
- `changning/`: the demo district 长宁区 and the generators of the files in `seeds/changning/`
  (`python -m gridloop.synth.changning.generate`, `… .generate_offices`);
- `history/`: realistic multi-year case histories for `gridloop seed history`.

The command line and the benchmarks use this package; the service's own packages never import
it.
"""
