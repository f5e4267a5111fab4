"""CS Ops warehouse tooling: demo data generator, CLI and (later) quality and ML helpers."""

__version__ = "0.1.0"
