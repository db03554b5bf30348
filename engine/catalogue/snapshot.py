"""A checked catalogue kept in the cache, so that a command starts without reading and checking
its YAML again (issue 23: `collab plan` spent a fifth of its time there).

A snapshot is the loaded Catalogue, pickled, under a key that is a sha256 over everything the
load depends on: the catalogue's files (the digest the catalogue itself carries), the code
that loads it (engine/catalogue/ and the modules below it: tests/test_architecture.py holds
the package to that), the versions of Python, pydantic and PyYAML, and the paths it names
(the folder as given, the working directory: rule files are named relative to it). Only a
catalogue without errors is stored; its warnings are `collab validate`'s business, which never
reads a snapshot.

A snapshot is never trusted on its name alone. It is read only from the private cache folder
of engine.cachedir (the user's own, writable by no one else), only as a regular file of the
user's, and before anything is unpickled its header must name this format, this version and
this very key, and the sha256 of its content must match the one the header gives; unpickling
then builds only the catalogue's own classes and paths, and the result must be a Catalogue
whose digest is the one the files give. Anything else (a truncated, corrupt, foreign or stale
snapshot) is a miss: the catalogue is loaded and checked in full, and the snapshot rewritten.
Snapshots are written whole or not at all (a locked temporary file renamed over the entry),
so runs sharing the cache at the same time each read a whole snapshot or none.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import stat
import sys
from functools import cache
from pathlib import Path, PosixPath, PurePosixPath, PureWindowsPath, WindowsPath

from engine.cachedir import read_regular, usable_dir
from engine.catalogue.catalogue import Catalogue
from engine.catalogue.layout import catalogue_paths, identity
from engine.collector import without_cyclic_gc

FORMAT = b"collab-catalogue-snapshot"
VERSION = 1
KEEP = 8  # snapshots kept; the oldest beyond that are removed when one is written
MAX_SNAPSHOT_BYTES = 200_000_000  # the 100x benchmark catalogue takes about 17 MB
MAX_FILE_BYTES = 2_000_000  # as engine.catalogue.documents: a larger file is the full load's error
NAME = re.compile(r"^catalogue-[0-9a-f]{64}\.pickle$")
_BOM = b"\xef\xbb\xbf"
# by identity: Python 3.13 pickles them as pathlib._local.PosixPath, earlier ones as pathlib's
_PATHS = frozenset({PosixPath, WindowsPath, PurePosixPath, PureWindowsPath})


def load_catalogue_cached(root: Path) -> Catalogue:
    """The catalogue at ``root``, from its snapshot when one checks out, else loaded and checked
    in full (engine.catalogue.checks, which raises on errors) and stored for the next run."""
    folder = usable_dir()
    digest = _files_digest(root) if folder is not None else None
    if folder is None or digest is None:
        return _full_load(root)
    key = snapshot_key(root, digest)
    path = folder / f"catalogue-{key}.pickle"
    found = _read(path, key, digest)
    if found is not None:
        return found
    catalogue = _full_load(root)
    if catalogue.digest == digest:  # the files did not change while they were loaded
        _write(folder, path, key, catalogue)
    return catalogue


def _full_load(root: Path) -> Catalogue:
    from engine.catalogue.checks import load_catalogue_at  # only on a miss: the checks' modules

    return load_catalogue_at(root)


# --------------------------------------------------------------------------- the key


def _files_digest(root: Path) -> str | None:
    """The digest the loaded catalogue will carry (engine.catalogue.layout.identity), from the
    files' bytes; None when a file cannot be read as the load reads it (the load then says why)."""
    services_dir, rules_dir = root / "services", root / "rules"
    if not (services_dir.is_dir() and rules_dir.is_dir()):
        return None
    files = []
    services, rules = catalogue_paths(services_dir, rules_dir)
    for path in services + rules:
        raw = _read_source(path)
        if raw is None:
            return None
        # the load hashes the text it parsed: the bytes without a leading byte order mark
        files.append((path, hashlib.sha256(raw[3:] if raw.startswith(_BOM) else raw).hexdigest()))
    return identity(files)


def _read_source(path: Path, limit: int = MAX_FILE_BYTES, follow: bool = True,
                 whole: bool = True) -> bytes | None:
    """The bytes of a regular file, opened without blocking: at most ``limit`` of them (with
    ``whole``, None for a larger file); a link is followed only with ``follow`` (as the load
    does)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags if follow else flags | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        with io.FileIO(descriptor, closefd=False) as stream:
            raw = stream.read(limit + 1)
        return raw if len(raw) <= limit else None if whole else raw[:limit]
    except OSError:
        return None
    finally:
        os.close(descriptor)


@cache
def _code_parts() -> tuple[bytes, ...]:
    """The sources of the code a catalogue is loaded by (engine/*.py and engine/catalogue/),
    and the versions of what it stands on."""
    import pydantic.version
    import pydantic_core
    import yaml

    package = Path(__file__).resolve().parent.parent
    parts = [b"python", sys.version.encode(), b"pydantic", pydantic.version.VERSION.encode(),
             b"pydantic-core", pydantic_core.__version__.encode(), b"pyyaml",
             yaml.__version__.encode(), b"libyaml", str(hasattr(yaml, "CSafeLoader")).encode()]
    sources = [*package.glob("*.py"), *(package / "catalogue").rglob("*.py")]
    for source in sorted(sources):
        parts += [source.relative_to(package).as_posix().encode(), source.read_bytes()]
    return tuple(parts)


def snapshot_key(root: Path, digest: str) -> str:
    """A sha256 over a length-prefixed encoding of every part the loaded catalogue depends on."""
    key = hashlib.sha256()
    parts = [FORMAT, str(VERSION).encode(), digest.encode(), *_code_parts(), b"paths",
             os.fsencode(str(root)), os.fsencode(str(root.resolve())),
             os.fsencode(str(Path.cwd().resolve()))]
    for part in parts:
        key.update(len(part).to_bytes(8, "big"))
        key.update(part)
    return key.hexdigest()


# --------------------------------------------------------------------------- reading


def _header(key: str, content: bytes) -> bytes:
    return b"%s %d %s %s\n" % (FORMAT, VERSION, key.encode(), hashlib.sha256(content).hexdigest()
                               .encode())


class _CatalogueUnpickler(pickle.Unpickler):
    """Builds only what a catalogue is made of: the classes of engine.catalogue, and paths."""

    def find_class(self, module: str, name: str) -> type:
        if module == "pathlib" or module.startswith("pathlib."):
            found = super().find_class(module, name)
            if found in _PATHS:
                return found  # type: ignore[no-any-return]
        elif module == "engine.catalogue" or module.startswith("engine.catalogue."):
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__.startswith("engine.catalogue"):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a catalogue")


def _read(path: Path, key: str, digest: str) -> Catalogue | None:
    """The snapshot at ``path`` if it checks out (see the module's docstring), else None."""
    raw = read_regular(path, MAX_SNAPSHOT_BYTES, own=True)
    if raw is None:
        return None
    end = raw.find(b"\n")
    content = raw[end + 1:]
    if end < 0 or raw[:end + 1] != _header(key, content):
        return None
    try:
        with without_cyclic_gc():  # a catalogue's objects, all alive (engine.collector)
            catalogue = _CatalogueUnpickler(io.BytesIO(content)).load()
    except Exception:  # whatever a damaged pickle raises, it is only a miss
        return None
    if not isinstance(catalogue, Catalogue) or catalogue.digest != digest:
        return None
    return catalogue


# --------------------------------------------------------------------------- writing


def _write(folder: Path, path: Path, key: str, catalogue: Catalogue) -> None:
    """Store ``catalogue`` at ``path`` whole or not at all, then prune; a failure is only slower."""
    from engine.output_guards import locked_temporary, remove_stale_temporaries

    try:
        content = pickle.dumps(catalogue, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    try:
        remove_stale_temporaries(folder)
        descriptor, lock, name = locked_temporary(path)
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(_header(key, content))
            stream.write(content)
        Path(name).replace(path)  # atomic: a reader sees the old snapshot or the whole new one
        _prune(folder)
    except OSError:
        Path(name).unlink(missing_ok=True)
    finally:
        os.close(lock)


def _prune(folder: Path) -> None:
    """Remove the oldest snapshots beyond KEEP: only files this tool wrote (their name, a
    regular file of the user's, this format's header)."""
    ours = []
    for entry in os.scandir(folder):
        if not NAME.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            continue
        head = _read_source(Path(entry.path), len(FORMAT) + 1, follow=False, whole=False)
        if head == FORMAT + b" ":
            ours.append((info.st_mtime_ns, entry.name, Path(entry.path)))
    for _, _, stale in sorted(ours)[:-KEEP]:
        Path(stale).unlink(missing_ok=True)
