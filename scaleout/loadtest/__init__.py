"""Staged load with `hey`, a timeline of the fleet while it runs, and a report.

`python -m scaleout.loadtest` runs the load (and the fleet observer when given a cluster and
service); `python -m scaleout.loadtest.observe` watches the fleet alone;
`python -m scaleout.loadtest.report RUN_DIR` rebuilds summary.md and timeline.png from a run.
"""
