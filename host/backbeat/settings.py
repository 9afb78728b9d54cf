"""The user's settings, kept in $XDG_CONFIG_HOME/backbeat/config.json (~/.config when
XDG_CONFIG_HOME is not set): for now the routines folder that `backbeat flash` flashes."""

from __future__ import annotations

import json
import os
from pathlib import Path


class SettingsError(Exception):
    """The settings file cannot be read or written; str() says which and why."""


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "backbeat" / "config.json"


def _load() -> dict[str, object]:
    path = config_path()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise SettingsError(f"{path}: cannot read the settings ({e}) (hint: fix or remove "
                            "the file)") from None
    return data if isinstance(data, dict) else {}


def routines_folder() -> Path | None:
    """The folder set with `backbeat flash --folder`, or None before one is set."""
    folder = _load().get("routines")
    return Path(folder) if isinstance(folder, str) else None


def set_routines_folder(folder: Path) -> None:
    data = _load()
    data["routines"] = str(folder.resolve())
    path = config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        tmp.replace(path)
    except OSError as e:
        raise SettingsError(f"{path}: cannot write the settings ({e.strerror or e})") from None
