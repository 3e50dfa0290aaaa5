"""Online backup of the trialbot database."""

import sqlite3
from pathlib import Path


def backup_database(source_path: str | Path, dest_path: str | Path) -> Path:
    """Copy the database to dest_path as one consistent snapshot, while others keep writing."""
    source = sqlite3.connect(str(source_path), timeout=10)
    try:
        dest = sqlite3.connect(str(dest_path), timeout=10)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return Path(dest_path)
