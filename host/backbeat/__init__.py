"""backbeat: host tooling for the backbeat exercise timer."""

__version__ = "0.1.0"
