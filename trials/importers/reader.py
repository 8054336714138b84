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
import struct
import zlib
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
        yield from _read_zip(index, name, head, stream, progress, after)
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


# A zip is read from its start, member after member, by the local header in
# front of each: Python's zipfile reads the whole central directory first,
# a ZipInfo per member (about 480 MB for the registry's 500,000 files).
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
LOCAL_MAGIC = b"PK\x03\x04"
DIRECTORY_MAGICS = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07")
DESCRIPTOR_MAGIC = b"PK\x07\x08"
STORED, DEFLATED = 0, 8
HAS_DESCRIPTOR, ENCRYPTED = 0x08, 0x01
MAX_MEMBER_BYTES = 256 * 1024 * 1024  # a study is kilobytes; a member over this is refused


class ZipTrouble(Exception):
    """A zip that cannot be read on from here."""


class _Pushback:
    """A binary stream read in chunks, with bytes read too far given back.
    Reads advance an offset into the current chunk: no copy of the chunk per
    small read (a member's header is read in four pieces)."""

    def __init__(self, stream: BinaryIO, progress: ReadProgress) -> None:
        self.stream = stream
        self.progress = progress
        self.buffer = b""
        self.pos = 0

    def _fill(self, size: int) -> bool:
        chunk = self.stream.read(max(size, 1024 * 1024))
        if not chunk:
            return False
        self.progress.bytes_read += len(chunk)
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return True

    def read(self, size: int) -> bytes:
        while len(self.buffer) - self.pos < size and self._fill(size):
            pass
        data = self.buffer[self.pos : self.pos + size]
        self.pos += len(data)
        return data

    def unread(self, data: bytes) -> None:
        if data and self.pos >= len(data) and self.buffer[self.pos - len(data) : self.pos] == data:
            self.pos -= len(data)
        elif data:
            self.buffer, self.pos = data + self.buffer[self.pos :], 0

    def exactly(self, size: int, what: str) -> bytes:
        data = self.read(size)
        if len(data) < size:
            raise ZipTrouble(f"the archive ends inside {what}")
        return data

    def skip(self, size: int) -> None:
        while size > 0:
            data = self.read(min(size, 1024 * 1024))
            if not data:
                raise ZipTrouble("the archive ends inside a member")
            size -= len(data)

    def inflate(self, *, keep: bool) -> bytes:
        """A deflated member whose size the header does not give: up to its end."""
        inflater = zlib.decompressobj(-15)
        out, total = [], 0
        while not inflater.eof:
            chunk = self.read(64 * 1024)
            if not chunk:
                raise ZipTrouble("the archive ends inside a member")
            try:
                data = inflater.decompress(chunk)
            except zlib.error as exc:
                raise ZipTrouble(f"a member is not valid deflate data: {exc}") from None
            total += len(data)
            if total > MAX_MEMBER_BYTES:
                raise ZipTrouble("a member is larger than any study record")
            if keep:
                out.append(data)
        # What the deflate stream did not use is the tail of the last chunk.
        self.unread(inflater.unused_data)
        return b"".join(out)

    def stored_until_descriptor(self) -> bytes:
        """A stored member whose size the header does not give: up to the data
        descriptor whose checksum and size are those of the bytes before it."""
        data, start = b"", 0
        while True:
            at = data.find(DESCRIPTOR_MAGIC, start)
            if at >= 0 and len(data) >= at + 16:
                crc, size = struct.unpack_from("<II", data, at + 4)
                if size == at and crc == zlib.crc32(data[:at]):
                    self.unread(data[at:])
                    return data[:at]
                start = at + 1
                continue
            chunk = self.read(64 * 1024)
            if not chunk:
                raise ZipTrouble("the archive ends inside a member")
            if len(data) > MAX_MEMBER_BYTES:
                raise ZipTrouble("a member is larger than any study record")
            data += chunk


def _zip64_sizes(extra: bytes, compressed: int, size: int) -> tuple[int, int]:
    while len(extra) >= 4:
        kind, length = struct.unpack_from("<HH", extra)
        if kind == 0x0001:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, 4))
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if compressed == 0xFFFFFFFF and values:
                compressed = values.pop(0)
            break
        extra = extra[4 + length :]
    return compressed, size


def _zip_members(
    stream: _Pushback, first: int
) -> Iterator[tuple[int, str, bytes | BadRecord | None]]:
    """(index, name, the member's bytes, or why not, or None when skipped) in order."""
    number = 0
    while True:
        magic = stream.read(4)
        if not magic or magic in DIRECTORY_MAGICS:
            return
        if magic != LOCAL_MAGIC:
            raise ZipTrouble("this is not a zip archive's member")
        header = LOCAL_MAGIC + stream.exactly(LOCAL_HEADER.size - 4, "a member's header")
        _, _, flags, method, _, _, _, compressed, size, name_length, extra_length = (
            LOCAL_HEADER.unpack(header)
        )
        name = stream.exactly(name_length, "a member's name").decode("utf-8", "replace")
        extra = stream.exactly(extra_length, "a member's header")
        compressed, size = _zip64_sizes(extra, compressed, size)
        descriptor = bool(flags & HAS_DESCRIPTOR)
        # With a data descriptor the header's sizes are usually 0, "see after
        # the data"; some writers fill them in all the same.
        unsized = descriptor and compressed == 0
        listed = not (name.endswith("/") or name.startswith(("__MACOSX/", ".")))
        wanted = listed and number >= first
        if flags & ENCRYPTED or method not in (STORED, DEFLATED):
            if unsized:
                raise ZipTrouble(f"{name}: an encrypted or unusual member ends nowhere known")
            stream.skip(compressed)
            data = BadRecord("", "an encrypted member, or compressed in a way not read here")
        elif unsized and method == DEFLATED:
            data = stream.inflate(keep=wanted)
        elif unsized:
            data = stream.stored_until_descriptor()
        elif not wanted:
            stream.skip(compressed)
            data = None
        else:
            if size > MAX_MEMBER_BYTES:
                raise ZipTrouble(f"{name}: larger than any study record")
            raw = stream.exactly(compressed, "a member")
            try:
                data = raw if method == STORED else zlib.decompress(raw, -15, max(size, 1))
            except zlib.error as exc:
                data = BadRecord("", f"not valid deflate data: {exc}")
        if descriptor:
            head = stream.exactly(4, "a member's data descriptor")
            rest = 8 if head != DESCRIPTOR_MAGIC else 12
            # Zip64 descriptors carry 8-byte sizes: told apart by what follows.
            tail = stream.exactly(rest, "a member's data descriptor")
            peek = stream.read(4)
            if peek and peek not in (LOCAL_MAGIC, *DIRECTORY_MAGICS):
                tail += peek + stream.exactly(4, "a member's data descriptor")
                peek = stream.read(4)
            stream.unread(peek)
        if listed:
            yield number, name, data if wanted else None
            number += 1


def _refuse_constant(name: str):
    raise ValueError(name)  # NaN, Infinity: what the streaming reader refuses


def _member_study(source: str, data: bytes) -> list[tuple[str, str, dict]] | None:
    """A zip member that is one study, read with one json.loads; None otherwise.

    The registry's zip is one study per member, already whole in memory:
    sniffing its first line and walking it again (twice the parse, and the
    event-by-event reader for an indented file) was a quarter of the reading
    of a zip of one-line members, more for indented ones. Whatever is not one
    plain study object (a page, an array, lines of studies, broken JSON) goes
    the general way, which names its records as it always did.
    """
    if source.lower().endswith(NDJSON_SUFFIXES):
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(value, dict) or "studies" in value:
        return None
    # As the general way names it: one line is NDJSON's "line 1", an
    # indented document its "record 1".
    text = text.strip()
    if "\n" in text:
        position = "record 1"
    elif data[:1] == b"{":
        position = "line 1"
    else:
        return None
    return [(source, position, value)]


def _read_zip(
    index: int,
    name: str,
    head: bytes,
    stream: BinaryIO,
    progress: ReadProgress,
    after: Mark | None,
) -> Iterator[tuple[Mark, str, str, dict | BadRecord]]:
    first = after.member if after and after.source == index else 0
    reader = _Pushback(stream, progress)
    reader.unread(head)
    progress.bytes_read += len(head)
    number = -1
    try:
        for number, member, data in _zip_members(reader, first):
            if data is None:
                continue
            if isinstance(data, BadRecord):
                yield Mark(index, number, 1), f"{name}/{member}", "file", data
                continue
            source = f"{name}/{member}"
            records = _member_study(source, data)
            if records is None:
                records = read_source(source, io.BytesIO(data), ReadProgress())
            yield from _marked(index, number, records, after)
    except ZipTrouble as exc:
        where = "not a readable zip archive" if number < 0 else f"after member {number + 1}"
        message = f"{where}: {exc}"
        yield Mark(index, number + 1, 1), name, "file", BadRecord("", message)
