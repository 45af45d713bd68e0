"""The demo district 长宁区: its layout, and the generators of the files in `seeds/changning/`."""
