"""Capacity plan and policy check for the stack, from the inventory's variables alone.

`python -m scaleout.plan --help` for the command; `model.build(settings)` for the library.
"""
