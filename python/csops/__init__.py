"""CS Ops warehouse tooling: demo data generator, CLI and (later) quality and ML helpers."""

from .errors import CsopsError

__all__ = ["CsopsError", "__version__"]

__version__ = "0.1.0"
