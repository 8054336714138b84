"""Medical terminology from named sources (data/terminology/, NOTICE.md):
MeSH 2024 descriptors with their tree numbers and entry terms, HPO's
layperson synonyms and Simplified Chinese labels. Loaded by
`manage.py load_terminology`; read by trials/understanding.py one indexed
lookup per query, never held whole in a web worker."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class MeshDescriptor(models.Model):
    """A MeSH descriptor: the name ClinicalTrials.gov's derivedSection uses."""

    descriptor_id = models.CharField(_("descriptor"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=250)

    class Meta:
        ordering = ["name"]
        verbose_name = _("MeSH descriptor")
        verbose_name_plural = _("MeSH descriptors")

    def __str__(self) -> str:
        return self.name


class MeshTreeNumber(models.Model):
    """One place of a descriptor in the MeSH tree ("C04.588.180"): the
    descriptors whose numbers start with it are its narrower terms."""

    descriptor = models.ForeignKey(MeshDescriptor, on_delete=models.CASCADE, related_name="trees")
    number = models.CharField(_("tree number"), max_length=80)

    class Meta:
        # Descendants are a prefix search (LIKE 'C04.588.%'): on PostgreSQL
        # the pattern operator class lets it use the index in any collation.
        indexes = [
            models.Index(
                fields=["number"], name="mesh_tree_number", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return self.number


class TerminologyTerm(models.Model):
    """A phrase a patient or a registry may use, meaning a concept: a MeSH
    entry term, an HPO layperson synonym or Chinese label, a Chinese word of
    Chinese Open Wordnet or CC-CEDICT or an English name of WordNet's
    matched to MeSH. `key` is the
    phrase as the query's words are compared (trials/terminology.py
    term_key); `meaning` is what trials are searched for."""

    class Source(models.TextChoices):
        MESH = "mesh", "MeSH"
        HPO_LAY = "hpo-lay", "HPO layperson"
        HPO_ZH = "hpo-zh", "HPO Chinese"
        COW_ZH = "cow-zh", "Chinese Open Wordnet"
        CEDICT_ZH = "cedict", "CC-CEDICT"
        WORDNET_EN = "wn-en", "WordNet"

    key = models.CharField(_("key"), max_length=200)
    term = models.CharField(_("term"), max_length=250)
    meaning = models.CharField(_("meaning"), max_length=250)
    descriptor_id = models.CharField(_("descriptor"), max_length=16, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)

    class Meta:
        indexes = [
            models.Index(fields=["key"], name="terminology_term_key"),
            # A condition's Chinese name (trials/condition_names.py): HPO's
            # Chinese label by its English or by its MeSH descriptor.
            models.Index(
                Lower("meaning"),
                name="terminology_zh_meaning",
                condition=models.Q(source="hpo-zh"),
            ),
            models.Index(
                fields=["descriptor_id"],
                name="terminology_zh_descriptor",
                condition=models.Q(source="hpo-zh"),
            ),
        ]
        verbose_name = _("terminology term")
        verbose_name_plural = _("terminology terms")

    def __str__(self) -> str:
        return f"{self.term} → {self.meaning}"


class TerminologyWord(models.Model):
    """A word of some terminology term: a real word, never "corrected"."""

    word = models.CharField(_("word"), max_length=60, unique=True)

    def __str__(self) -> str:
        return self.word


class TerminologySource(models.Model):
    """A loaded source file and its checksum: loading again skips a file
    whose checksum is unchanged."""

    name = models.CharField(_("source"), max_length=60, unique=True)
    version = models.CharField(_("version"), max_length=80)
    checksum = models.CharField(_("checksum"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} {self.version}"
