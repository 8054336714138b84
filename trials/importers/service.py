"""Import ClinicalTrials.gov studies: import_studies(), the one entry point.

A thread reads and maps the sources into batches while the calling thread
writes them (trials/importers/writer.py), so parsing JSON and the database's
work overlap. Studies known here but absent from the input are counted,
never deleted.
"""

from __future__ import annotations

import gc
import os
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import BinaryIO, NamedTuple

from django.db import connection

from trials.lexicon import search_words_refresh
from trials.models import Trial
from trials.seo import sitemap_blocks_refresh
from trials.trial_pages import queue_stale_pages

from .checkpoint import Checkpoint
from .mapper import InvalidRecord, study_map
from .reader import BadRecord, Mark, ReadProgress, read_marked
from .summary import ImportProgress, ImportSummary, RecordError
from .writer import BatchWriter, Entry

MAX_ABSENT_SHOWN = 10
# Young-generation collections between two full ones while importing
# (Python's default: 10; see _few_full_collections).
FULL_COLLECTION_EVERY = 1000


class _SeenIds:
    """NCT numbers met in the input: one bit per possible number (12.5 MB, flat)."""

    def __init__(self) -> None:
        self.bits = bytearray(100_000_000 // 8)

    def add(self, nct_id: str) -> None:
        number = int(nct_id[3:])
        self.bits[number >> 3] |= 1 << (number & 7)

    def __contains__(self, nct_id: str) -> bool:
        number = int(nct_id[3:])
        return bool(self.bits[number >> 3] & (1 << (number & 7)))


def _stream_size(stream: BinaryIO) -> int | None:
    size = getattr(stream, "size", None)  # Django's UploadedFile
    if isinstance(size, int):
        return size
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        pass
    try:
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
        return end - here
    except (AttributeError, OSError, ValueError):
        return None


def _nct_id_of(record) -> str:
    try:
        nct_id = record["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return ""
    return nct_id if isinstance(nct_id, str) and len(nct_id) == 11 and nct_id[3:].isdigit() else ""


def import_studies(
    *,
    sources: Iterable[tuple[str, BinaryIO]],
    progress: Callable[[ImportProgress], None] | None = None,
    batch_size: int = 500,
    writers: int = 1,
    checkpoint: Checkpoint | None = None,
    part: bool = False,
) -> ImportSummary:
    """Import every study of the (name, binary stream) sources; see the module doc.

    A thread reads and maps the next batches while this one writes the
    current batch: parsing JSON and the database's work overlap. The queue
    between them holds two batches, so memory stays flat. With writers > 1
    (PostgreSQL only) that many threads write batches at once, each on its
    own connection: the search-vector trigger then runs on as many cores
    (only outside a transaction; inside one, batches are written in turn).

    `part=True` is for one piece of a larger input (a page of the registry
    sync): studies absent from it are not counted, and the work done once
    after an import (`after_import`) is left to the caller.

    With a checkpoint, an import that an earlier run left unfinished goes on
    after the last record written then, its counts carried over; the
    checkpoint moves on as batches are written and is cleared at the end.
    """
    summary = ImportSummary()
    sources = list(sources)
    sizes = [_stream_size(stream) for _, stream in sources]
    total = None if None in sizes else sum(sizes)
    earlier = checkpoint.load() if checkpoint else None
    after = None
    if earlier:
        after, counts = earlier
        summary.resumed = True
        for name, count in counts.items():
            setattr(summary, name, count)
    with _few_full_collections():
        reader = _BatchReader(sources, batch_size, after)
        thread = threading.Thread(target=reader.run, name="import-reader", daemon=True)
        # SQLite has one writer at a time anyway; and other connections could not
        # see what a caller's open transaction has written.
        parallel = (
            writers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block
        )
        written = _Written(summary, checkpoint)
        pool = _WriterPool(writers, written) if parallel else None
        writer = BatchWriter()
        thread.start()
        try:
            while (message := reader.queue.get())[0] != "done":
                kind, payload = message
                if kind == "crash":
                    raise payload
                elif kind == "barrier" and pool:
                    pool.drain()
                elif kind == "batch":
                    batch = payload
                    number = written.sent(batch)
                    if pool and batch.entries:
                        pool.submit(number, batch.entries)
                    else:
                        result = writer.write(batch.entries) if batch.entries else ImportSummary()
                        written.done(number, result)
                    if progress:
                        progress(ImportProgress(batch.studies, batch.bytes_read, total))
            if pool:
                pool.drain()
        finally:
            reader.stop.set()
            thread.join()
            if pool:
                pool.close()
    if checkpoint:
        checkpoint.clear()
    if part:
        return summary
    if not summary.resumed:
        # A resumed import did not read the part imported before: which
        # studies that held is not known, so neither is what is absent.
        _count_absent(summary, reader.seen)
    after_import(summary)
    return summary


@contextmanager
def _few_full_collections() -> Iterator[None]:
    """Python's full garbage collections made rare while importing.

    The batches in flight hold about a million objects (each record's
    dicts and lists), so every full collection walked them all: 13 for
    20,000 studies, 4.4 s of an import's 10 s of Python. They hold no
    reference cycles (refcounting frees them); the young generations are
    still collected as usual, and what was alive before is frozen out of
    the way.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(thresholds[0], thresholds[1], max(thresholds[2], FULL_COLLECTION_EVERY))
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def after_import(summary: ImportSummary) -> None:
    """What follows an import that created or changed trials, once."""
    if not (summary.created or summary.updated):
        return
    if connection.vendor != "postgresql":
        # Misspellings are corrected against the words trials now carry; on
        # PostgreSQL each batch has already adjusted the lexicon.
        search_words_refresh()
    # New trials reach the sitemap index at once.
    sitemap_blocks_refresh()
    # Recruiting trials' pages are rendered in the background, before visitors ask.
    queue_stale_pages()


class _Batch(NamedTuple):
    """Distinct studies to write, the records of that stretch that failed,
    the mark of the stretch's last record and the progress at its end."""

    entries: list[Entry]
    errors: list[RecordError]
    mark: Mark | None
    studies: int
    bytes_read: int


class _Written:
    """Counts batches in, in the order they were read, as they are written.

    Batches written at once finish out of order; a batch is counted (and the
    checkpoint moved past it) once every batch before it is written, so the
    counts and the checkpoint always describe the same part of the input.
    """

    def __init__(self, summary: ImportSummary, checkpoint: Checkpoint | None) -> None:
        self.summary = summary
        self.checkpoint = checkpoint
        self.waiting: OrderedDict[int, list] = OrderedDict()
        self.next = 0

    def sent(self, batch: _Batch) -> int:
        number = self.next
        self.next += 1
        self.waiting[number] = [batch, None]
        return number

    def done(self, number: int, result: ImportSummary) -> None:
        self.waiting[number][1] = result
        mark = None
        while self.waiting and (first := next(iter(self.waiting.values())))[1] is not None:
            self.waiting.popitem(last=False)
            batch, result = first
            for error in batch.errors:
                self.summary.fail(*error)
            self.summary.add(result)
            mark = batch.mark or mark
        if mark and self.checkpoint:
            self.checkpoint.save(mark, self.summary)


class _WriterPool:
    """Writer threads taking batches from a short queue, each on its own connection."""

    def __init__(self, size: int, written: _Written) -> None:
        self.written = written
        self.jobs: queue.Queue = queue.Queue(maxsize=size)
        self.results: queue.Queue = queue.Queue()
        self.in_flight = 0
        self.threads = [
            threading.Thread(target=self._work, name=f"import-writer-{n}", daemon=True)
            for n in range(size)
        ]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        writer = BatchWriter()
        try:
            while (job := self.jobs.get()) is not None:
                number, entries = job
                try:
                    self.results.put((number, writer.write(entries)))
                except BaseException as exc:  # noqa: BLE001 - raised again by the caller
                    self.results.put((number, exc))
        finally:
            connection.close()  # this thread's own connection

    def _collect(self, block: bool) -> None:
        while self.in_flight:
            try:
                result = self.results.get(block=block)
            except queue.Empty:
                return
            self.in_flight -= 1
            number, result = result
            if isinstance(result, BaseException):
                raise result
            self.written.done(number, result)
            block = False

    def submit(self, number: int, entries: list[Entry]) -> None:
        self._collect(block=False)
        self.jobs.put((number, entries))
        self.in_flight += 1

    def drain(self) -> None:
        """Wait for every batch handed out so far."""
        while self.in_flight:
            self._collect(block=True)

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()


class _BatchReader:
    """Reads and maps the sources into batches of distinct studies, in a thread."""

    def __init__(
        self, sources: list[tuple[str, BinaryIO]], batch_size: int, after: Mark | None
    ) -> None:
        self.sources = sources
        self.batch_size = batch_size
        self.after = after
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.stop = threading.Event()
        self.seen = _SeenIds()
        self.read = ReadProgress()
        self.studies = 0
        self.errors: list[RecordError] = []
        self.mark: Mark | None = None

    def send(self, message: tuple) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(message, timeout=0.5)
                return
            except queue.Full:
                continue

    def run(self) -> None:
        try:
            self._read()
        except BaseException as exc:  # noqa: BLE001 - handed to the importing thread
            self.send(("crash", exc))
        self.send(("done", None))

    def _records(self):
        first = self.after.source if self.after else 0
        for index, (name, stream) in enumerate(self.sources):
            if index >= first:
                yield from read_marked(index, name, stream, self.read, self.after)

    def _read(self) -> None:
        batch: dict[str, Entry] = {}
        for mark, source, position, record in self._records():
            if self.stop.is_set():
                return
            self.studies += 1
            if isinstance(record, BadRecord):
                self._failed(
                    RecordError(source, position, record.field, record.message), mark, batch
                )
                continue
            try:
                study = study_map(record)
            except InvalidRecord as exc:
                if nct_id := _nct_id_of(record):
                    self.seen.add(nct_id)  # in the input, only broken: not absent
                self._failed(RecordError(source, position, exc.field, exc.message), mark, batch)
                continue
            if study.nct_id in batch:  # the same study twice: the later one wins
                self._flush(batch)
            elif study.nct_id in self.seen:
                # Seen in an earlier batch: parallel writers must finish that one first.
                self._flush(batch)
                self.send(("barrier", None))
            self.seen.add(study.nct_id)
            batch[study.nct_id] = Entry(source, position, study)
            self.mark = mark
            if len(batch) >= self.batch_size:
                self._flush(batch)
        self._flush(batch)

    def _failed(self, error: RecordError, mark: Mark, batch: dict[str, Entry]) -> None:
        self.errors.append(error)
        self.mark = mark
        if len(self.errors) >= self.batch_size:  # a file of nothing but broken records
            self._flush(batch)

    def _flush(self, batch: dict[str, Entry]) -> None:
        if batch or self.errors:
            entries = list(batch.values())
            message = _Batch(entries, self.errors, self.mark, self.studies, self.read.bytes_read)
            self.send(("batch", message))
            batch.clear()
            self.errors = []


def _count_absent(summary: ImportSummary, seen: _SeenIds) -> None:
    known = Trial.objects.order_by().values_list("nct_id", flat=True)
    for nct_id in known.iterator(chunk_size=10_000):
        if nct_id not in seen:
            summary.absent += 1
            if len(summary.absent_examples) < MAX_ABSENT_SHOWN:
                summary.absent_examples.append(nct_id)
