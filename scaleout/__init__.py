"""Operator tools for http-scale-out, each a `python -m scaleout.<tool>` entry point."""
