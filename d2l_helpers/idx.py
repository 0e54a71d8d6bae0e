"""The IDX file format of (Fashion-)MNIST, gzip-compressed: read and write.

Both the real files and the offline stand-in go through ``read_idx_gz``, so a
corrupt or truncated file fails the same way whichever it is.
"""
import gzip
import os
import struct
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

_UBYTE = 0x08  # the only element type (Fashion-)MNIST uses


class DataFileError(ValueError):
    """A data file is missing, truncated or not in the expected format."""


def _fix_hint(path):
    return f"delete {path} and run again to fetch or generate it anew"


def read_idx_gz(path, expected_ndim):
    """Return the uint8 array stored in the gzip-compressed IDX file ``path``.

    Raises :class:`DataFileError` naming the file for anything but a complete,
    well-formed file with ``expected_ndim`` dimensions.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataFileError(f"{path} does not exist") from None
    except (OSError, EOFError, zlib.error) as err:
        raise DataFileError(f"{path} is truncated or not gzip data ({err}); "
                            f"{_fix_hint(path)}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != _UBYTE or raw[3] != expected_ndim:
        raise DataFileError(f"{path} is not an IDX file of unsigned bytes with "
                            f"{expected_ndim} dimension(s); {_fix_hint(path)}")
    header = 4 + 4 * expected_ndim
    if len(raw) < header:
        raise DataFileError(f"{path} has a truncated header; {_fix_hint(path)}")
    shape = struct.unpack(f">{expected_ndim}I", raw[4:header])
    if len(raw) - header != int(np.prod(shape)):
        raise DataFileError(f"{path} holds {len(raw) - header} bytes of data but its header "
                            f"says {shape}; {_fix_hint(path)}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def write_idx_gz(path, array):
    """Write a uint8 ``array`` to ``path`` as gzip-compressed IDX, atomically.

    The gzip header carries no name and no time, so equal arrays give equal bytes.
    The bytes go to a temporary file of this call's own (``<name>.<pid>.<random>.part``),
    renamed into place once complete: processes writing the same file at the same
    time do not disturb each other, and the last rename wins. The process id in the
    name lets a later writer remove what a killed one left behind (:func:`stale_parts`).
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, _UBYTE, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path = Path(path)
    descriptor, partial = tempfile.mkstemp(prefix=f"{path.name}.{os.getpid()}.", suffix=".part",
                                           dir=path.parent)
    try:
        with open(descriptor, "wb") as raw_file:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw_file, mtime=0,
                               compresslevel=6) as f:
                f.write(header)
                f.write(array.tobytes())
        os.chmod(partial, 0o644)  # mkstemp makes it private to us; data files are readable
        os.replace(partial, path)  # never leaves a half-written file under the real name
    except BaseException:  # including KeyboardInterrupt: leave no temporary file behind
        Path(partial).unlink(missing_ok=True)
        raise


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (another user's), or this system cannot tell: keep its file
    return True


def stale_parts(folder, max_age=3600):
    """The temporary ``.part`` files in ``folder`` whose writer is gone: its process on this
    machine no longer runs, or (a name without a process id, another machine's) older
    than ``max_age`` seconds. A kernel killed while writing leaves one behind."""
    stale = []
    for part in Path(folder).glob("*.part"):
        pieces = part.name.split(".")
        pid = next((int(p) for p in reversed(pieces[:-2]) if p.isdigit()), None)
        try:
            old = time.time() - part.stat().st_mtime > max_age
        except OSError:
            continue  # removed meanwhile
        if (pid is not None and not _alive(pid)) or (pid is None and old):
            stale.append(part)
    return stale
