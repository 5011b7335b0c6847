"""Fetching a dataset archive: into a temporary file beside its destination, md5-verified before any use."""

import contextlib
import hashlib
import os
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from prunability.errors import ArtifactError


def md5sum(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def fetched(url: str, md5: str, root: Path, name: str) -> Iterator[Path]:
    """Yield the archive at ``url`` downloaded under ``root`` and verified; it is deleted afterwards.

    Only the extracted files are kept: the archive is a temporary file that a killed download cannot leave
    behind under a name the loader would read.
    """
    root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=root)
    os.close(fd)
    archive = Path(tmp)
    try:
        with urllib.request.urlopen(url) as response, archive.open("wb") as out:
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
        got = md5sum(archive)
        if got != md5:
            raise ArtifactError(f"md5 mismatch for {url}: expected {md5}, got {got}; the download is corrupt")
        yield archive
    finally:
        archive.unlink(missing_ok=True)
