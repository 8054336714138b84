"""Read ClinicalTrials.gov API v2 study records from files, streaming.

One reader for every shape an export comes in: a single study object, a page
``{"studies": [...]}``, a JSON array of studies, one study per line (NDJSON),
or a .zip of such files (the registry's "download all" is a zip of one JSON
file per study). Memory stays flat: a study is built only when it is yielded,
and an array or a page is walked with ijson, never loaded whole.

Positions name where a record is, for error messages: "line 7" in NDJSON,
"record 3" otherwise (counted from 1 within its file).
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import ijson

# A study record on one line is rarely more than a few hundred kilobytes; a
# first line longer than this is not NDJSON but one big minified document.
MAX_SNIFF_BYTES = 8 * 1024 * 1024
NDJSON_SUFFIXES = (".jsonl", ".ndjson")
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be read; the reader goes on with the next one."""

    field: str
    message: str


@dataclass
class ReadProgress:
    """Bytes read so far over all sources, for a progress bar."""

    bytes_read: int = 0


class _Counted(io.RawIOBase):
    """A raw stream that replays a peeked prefix and counts the bytes read."""

    def __init__(self, prefix: bytes, rest: BinaryIO, progress: ReadProgress) -> None:
        self._prefix = prefix
        self._rest = rest
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
        else:
            chunk = self._rest.read(len(buffer))
            size = len(chunk)
            buffer[:size] = chunk
        self._progress.bytes_read += size
        return size


def _peek_first_line(stream: BinaryIO) -> bytes:
    """The stream's head up to and including the first non-blank line's end."""
    head = b""
    while len(head) < MAX_SNIFF_BYTES:
        chunk = stream.read(64 * 1024)
        if not chunk:
            break
        head += chunk
        if head.lstrip()[:1] and b"\n" in head.lstrip():
            break
    return head


def _is_ndjson(name: str, head: bytes) -> bool:
    if name.lower().endswith(NDJSON_SUFFIXES):
        return True
    first = head.lstrip().split(b"\n", 1)[0].strip()
    if not first.startswith(b"{") or len(first) >= MAX_SNIFF_BYTES:
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def _json_error(exc: Exception) -> str:
    # yajl's messages run over several lines, pointing at the spot.
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"not valid JSON: {first_line}".rstrip(": ")


def _studies_of(value, position: str) -> Iterator[tuple[str, dict | BadRecord]]:
    """A parsed document's studies: itself, or each of a page's or array's."""
    if isinstance(value, dict) and isinstance(value.get("studies"), list):
        for index, study in enumerate(value["studies"], start=1):
            yield from _studies_of(study, f"{position}, study {index}")
    elif isinstance(value, dict):
        yield position, value
    else:
        yield position, BadRecord("", f"expected a study object, got {_type_name(value)}")


def _type_name(value) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _read_lines(stream: BinaryIO) -> Iterator[tuple[str, dict | BadRecord]]:
    for number, line in enumerate(io.BufferedReader(stream, 1024 * 1024), start=1):
        if not line.strip():
            continue
        position = f"line {number}"
        try:
            value = json.loads(line.decode("utf-8"))
        except ValueError as exc:  # UnicodeDecodeError is one
            yield position, BadRecord("", _json_error(exc))
            continue
        yield from _studies_of(value, position)


def _read_document(stream: BinaryIO) -> Iterator[tuple[str, dict | BadRecord]]:
    """A JSON array, a page or a single study, walked event by event."""
    reader = io.BufferedReader(stream, 1024 * 1024)
    events = ijson.parse(reader, use_float=True, multiple_values=True)
    done = _Count()
    try:
        for prefix, event, _value in events:
            if prefix == "" and event == "start_array":
                for study in ijson.items(_array_events(events), "item", use_float=True):
                    yield from _studies_of(study, done.next())
            elif prefix == "" and event == "start_map":
                yield from _read_object(events, done)
            elif prefix == "":
                yield done.next(), BadRecord("", f"expected a study object, got {event}")
    except ijson.JSONError as exc:
        # The record being read when the JSON broke: the one after the last read.
        yield f"record {done.records + 1}", BadRecord("", _json_error(exc))


class _Count:
    def __init__(self) -> None:
        self.records = 0

    def next(self) -> str:
        self.records += 1
        return f"record {self.records}"


def _array_events(events):
    """The events of a top-level array, its opening event (already taken) replayed."""
    yield "", "start_array", None
    for prefix, event, value in events:
        yield prefix, event, value
        if prefix == "" and event == "end_array":
            return


def _read_object(events, done: _Count):
    """A top-level object: a page whose studies stream by, or one study."""
    study: dict = {}
    page = False
    for prefix, event, value in events:
        if prefix == "" and event == "end_map":
            break
        if event != "map_key":
            continue
        if value == "studies":
            prefix, event, _value = next(events)
            if event == "start_array":
                page = True
                items = ijson.items(_studies_events(events), "studies.item", use_float=True)
                for item in items:
                    yield from _studies_of(item, done.next())
                continue
            study["studies"] = _build(events, prefix, event, _value)
        else:
            prefix, event, first = next(events)
            study[value] = _build(events, prefix, event, first)
    if not page:
        yield done.next(), study


def _studies_events(events):
    """The events of a page's "studies" array, its opening event replayed."""
    yield "studies", "start_array", None
    for prefix, event, value in events:
        yield prefix, event, value
        if prefix == "studies" and event == "end_array":
            return


def _build(events, prefix: str, event: str, value):
    if event not in ("start_map", "start_array"):
        return value
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    depth = 1
    for _prefix, event, value in events:
        builder.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                break
    return builder.value


@dataclass(frozen=True, order=True)
class Mark:
    """Where a record is in an import's input, for resuming after it.

    The file (its index among the sources), the zip member (its index among
    the archive's files; 0 outside a zip) and the record within that file or
    member (counted from 1). A resumed import skips whole files and zip
    members without reading them, and parses only the part of one file or
    member that was already imported.
    """

    source: int
    member: int
    record: int


def read_source(
    name: str, stream: BinaryIO, progress: ReadProgress | None = None
) -> Iterator[tuple[str, str, dict | BadRecord]]:
    """Yield (source, position, study or BadRecord) for every record of a file.

    The source is the file's name, or "archive.zip/member.json" inside a zip.
    """
    for _mark, source, position, record in read_marked(0, name, stream, progress):
        yield source, position, record


def read_marked(
    index: int,
    name: str,
    stream: BinaryIO,
    progress: ReadProgress | None = None,
    after: Mark | None = None,
) -> Iterator[tuple[Mark, str, str, dict | BadRecord]]:
    """read_source's records with their marks, skipping those up to `after`."""
    progress = progress or ReadProgress()
    head = stream.read(len(ZIP_MAGIC))
    if head == ZIP_MAGIC or name.lower().endswith(".zip"):
        yield from _read_zip(index, name, _rewound(head, stream), progress, after)
        return
    yield from _marked(index, 0, _read_plain(name, head, stream, progress), after)


def _marked(index: int, member: int, records, after: Mark | None):
    skip = after.record if after and (after.source, after.member) == (index, member) else 0
    for number, (source, position, record) in enumerate(records, start=1):
        if number > skip:
            yield Mark(index, member, number), source, position, record


def _read_plain(
    name: str, head: bytes, stream: BinaryIO, progress: ReadProgress
) -> Iterator[tuple[str, str, dict | BadRecord]]:
    head += _peek_first_line(stream)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip():
        yield name, "file", BadRecord("", "the file is empty")
        return
    counted = _Counted(head, stream, progress)
    records = _read_lines(counted) if _is_ndjson(name, head) else _read_document(counted)
    for position, record in records:
        yield name, position, record


def _rewound(head: bytes, stream: BinaryIO) -> BinaryIO:
    """The whole stream again, seekable: a zip's directory is at its end."""
    try:
        stream.seek(-len(head), io.SEEK_CUR)
        return stream
    except (AttributeError, OSError, ValueError):
        spooled = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)
        spooled.write(head)
        shutil.copyfileobj(stream, spooled)
        spooled.seek(0)
        return spooled


def _read_zip(
    index: int, name: str, stream: BinaryIO, progress: ReadProgress, after: Mark | None
) -> Iterator[tuple[Mark, str, str, dict | BadRecord]]:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield Mark(index, 0, 1), name, "file", BadRecord("", f"not a readable zip archive: {exc}")
        return
    first = after.member if after and after.source == index else 0
    with archive:
        members = (
            member
            for member in archive.infolist()
            if not (member.is_dir() or member.filename.startswith(("__MACOSX/", ".")))
        )
        for number, member in enumerate(members):
            if number >= first:
                with archive.open(member) as inner:
                    records = read_source(f"{name}/{member.filename}", inner, ReadProgress())
                    yield from _marked(index, number, records, after)
            # Progress counts the archive's (compressed) bytes, member by member.
            progress.bytes_read += member.compress_size
