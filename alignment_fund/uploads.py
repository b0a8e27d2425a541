"""Documents people upload (milestone reports): what a file really is, judged from its content and not its name, and
the private storage it is kept in.

A report is a PDF, a Word document (.docx) or an OpenDocument text (.odt), at most 20 MB. The name's extension must
say which, and the content must be that kind: a PDF starts with `%PDF-`; a .docx is a zip holding
`[Content_Types].xml` and `word/document.xml`; an .odt is a zip whose first entry, `mimetype`, says
`application/vnd.oasis.opendocument.text`. A program renamed `.pdf`, a zip that would unpack to far more than it
weighs, or a file that is not what its name says is refused with a message saying why.

The files live in the "reports" storage (`STORAGES["reports"]`: a private directory under VAR_DIR by default, S3 by
configuration), under random names, and are served only through a view that checks who is asking.
"""

from __future__ import annotations

import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

MAX_REPORT_BYTES = 20 * 1024 * 1024
SNIFF_BYTES = 2048
# A zip's members may add up to this much once unpacked, and each may be at most this many times its packed size:
# enough for any real document (text compresses about 10:1), far too little for a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 2000
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

# Starts of files that are programs, whatever they are called.
EXECUTABLE_MAGIC = (
    b"MZ",  # Windows .exe, .dll
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java class
    b"#!",  # scripts
)


@dataclass(frozen=True)
class DocumentKind:
    extension: str
    content_type: str
    label: str
    noun: str  # "a PDF", for messages


PDF = DocumentKind("pdf", "application/pdf", "PDF", "a PDF")
DOCX = DocumentKind(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "Word (.docx)",
    "a Word document",
)
ODT = DocumentKind("odt", "application/vnd.oasis.opendocument.text", "OpenDocument text (.odt)", "an OpenDocument text")
REPORT_KINDS = {kind.extension: kind for kind in (PDF, DOCX, ODT)}
ACCEPTED = "a PDF, a Word document (.docx) or an OpenDocument text (.odt)"


def clean_file_name(name: str) -> str:
    """The name as the uploader's computer gave it, without a path, control characters or an extreme length: kept to
    show and to offer back in the download's Content-Disposition, never used to store the file."""
    base = PurePath(str(name).replace("\\", "/")).name
    text = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip()
    if len(text) > 200:
        stem, dot, extension = text.rpartition(".")
        text = (stem[:190] + dot + extension[:9]) if dot and len(extension) < 10 else text[:200]
    return text or "report"


def check_report_file(upload) -> DocumentKind:
    """What kind of document `upload` (a Django UploadedFile) is, or a ValidationError saying why it is refused."""
    name = clean_file_name(getattr(upload, "name", "") or "")
    size = getattr(upload, "size", None)
    if size is None:
        raise ValidationError("The upload could not be read: send the report again.", code="unreadable")
    if size == 0:
        raise ValidationError(f"“{name}” is empty.", code="empty")
    if size > MAX_REPORT_BYTES:
        raise ValidationError(
            f"“{name}” is {size / 1024 / 1024:.1f} MB: a report can be at most {MAX_REPORT_BYTES // 1024 // 1024} MB.",
            code="too_large",
        )
    extension = PurePath(name).suffix.lower().lstrip(".")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(EXECUTABLE_MAGIC):
        raise ValidationError(f"“{name}” is a program, not a document: a report must be {ACCEPTED}.", code="executable")
    kind = REPORT_KINDS.get(extension)
    if kind is None:
        raise ValidationError(f"“{name}” is not {ACCEPTED}.", code="file_type")
    if kind is PDF:
        if not head.startswith(b"%PDF-"):
            raise ValidationError(_mismatch(name, PDF), code="content_mismatch")
        return PDF
    _check_office_zip(upload, name, kind)
    return kind


def _mismatch(name: str, kind: DocumentKind) -> str:
    return f"“{name}” is called .{kind.extension}, but its content is not {kind.noun}: a report must be {ACCEPTED}."


def _check_office_zip(upload, name: str, kind: DocumentKind) -> None:
    mismatch = ValidationError(_mismatch(name, kind), code="content_mismatch")
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            _check_unpacked_size(members, name)
            names = {member.filename for member in members}
            if kind is DOCX:
                if not {"[Content_Types].xml", "word/document.xml"} <= names:
                    raise mismatch
            else:
                first = members[0] if members else None
                if first is None or first.filename != "mimetype" or first.file_size > 100:
                    raise mismatch
                if archive.read(first).strip() != ODT_MIMETYPE:
                    raise mismatch
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        raise mismatch from exc
    finally:
        upload.seek(0)


def _check_unpacked_size(members: list[zipfile.ZipInfo], name: str) -> None:
    bomb = ValidationError(
        f"“{name}” would unpack to far more than a document holds (a “zip bomb”): it was refused.", code="zip_bomb"
    )
    if len(members) > MAX_ZIP_MEMBERS or sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise bomb
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise bomb


def report_storage_name(instance, filename: str) -> str:
    """A random name, so no report can be found by guessing: the original name is kept beside it, not in it."""
    extension = PurePath(filename).suffix.lower()
    extension = extension if extension.lstrip(".") in REPORT_KINDS else ""
    return f"reports/{secrets.token_urlsafe(24)}{extension}"


class ReportsStorage(LazyObject):
    """`STORAGES["reports"]`, looked up when first used, and again after the setting changes (as in tests)."""

    def _setup(self):
        self._wrapped = storages["reports"]


reports_storage = ReportsStorage()


def get_reports_storage():
    """For a FileField's `storage=`: a callable, so that migrations name it and do not freeze its settings."""
    return reports_storage


@receiver(setting_changed)
def _forget_reports_storage(*, setting, **kwargs) -> None:
    if setting == "STORAGES":
        reports_storage._wrapped = empty
