"""The offline gazetteer: cities with coordinates and the names people use."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Place(models.Model):
    geoname_id = models.PositiveIntegerField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    country_code = models.CharField(_("country code"), max_length=2, db_index=True)
    admin1 = models.CharField(_("state or province code"), max_length=20, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-population", "name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return f"{self.name}, {self.country_code}"


class PlaceName(models.Model):
    """Every name of a place ("杭州", "Hangzhou"), normalised for look-up."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    # casefolded, accents removed: what the patient's text is compared with
    key = models.CharField(max_length=200, db_index=True)

    class Meta:
        verbose_name = _("place name")
        verbose_name_plural = _("place names")
        constraints = [models.UniqueConstraint(fields=["place", "key"], name="unique_place_key")]

    def __str__(self) -> str:
        return self.name
