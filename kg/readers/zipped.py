"""ZIP-based documents (DOCX, ODT): the archive opened only after its directory is checked."""
from __future__ import annotations

import io
import struct
import zipfile

from .errors import Unreadable
from .limits import Limits

__all__ = ["open_zip"]

#: Largest central directory parsed: zipfile builds an object per entry
#: (~1 KB of memory each), so a 64 MB file of empty entries would cost ~700 MB.
#: Word and LibreOffice write a few dozen entries, plus one per picture.
MAX_DIRECTORY_BYTES = 2 * 1024 * 1024

_EOCD = b"PK\x05\x06"  # end of central directory record (22 bytes + comment)
_EOCD64_LOCATOR = b"PK\x06\x07"  # 20 bytes, just before the EOCD
_EOCD64 = b"PK\x06\x06"


def _directory_size(data: bytes) -> int | None:
    """Size of the central directory as the end records declare it (None: no end record)."""
    at = data.rfind(_EOCD, max(0, len(data) - 22 - 65535))
    if at < 0 or len(data) < at + 22:
        return None
    (size,) = struct.unpack_from("<I", data, at + 12)
    locator = at - 20
    if size == 0xFFFFFFFF and locator >= 0 and data[locator:locator + 4] == _EOCD64_LOCATOR:
        (offset,) = struct.unpack_from("<Q", data, locator + 8)
        if data[offset:offset + 4] == _EOCD64 and offset + 56 <= len(data):
            (size,) = struct.unpack_from("<Q", data, offset + 40)
    return size


def open_zip(data: bytes, limits: Limits, what: str) -> zipfile.ZipFile:
    """The archive of a ``what`` document, refused when it would unpack past ``limits``.

    Decided on the archive's own directory, before inflating anything: the
    directory's size (what zipfile parses), then the entries' declared sizes
    (zipfile stops inflating an entry at its declared size and then fails its
    CRC, so they bound the work).
    """
    size = _directory_size(data)
    if size is None:
        raise Unreadable(f"truncated or corrupt {what}")
    if size > MAX_DIRECTORY_BYTES:
        raise Unreadable(f"{what} archive directory too large ({size / 1e6:,.1f} MB: too many entries)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        raise Unreadable(f"truncated or corrupt {what}") from None
    try:
        limits.check_unpacked(sum(e.file_size for e in archive.infolist()), what)
    except Unreadable:
        archive.close()
        raise
    return archive
