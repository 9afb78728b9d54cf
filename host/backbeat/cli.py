"""The backbeat command line: one click group, one command per user task."""

from __future__ import annotations

import click

from backbeat import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="backbeat")
def main() -> None:
    """backbeat: routines for a clip-on back-exercise timer.

    Write routines in YAML, check and compile them, flash them onto the
    device, and pull session logs back.
    """


if __name__ == "__main__":  # pragma: no cover
    main()
