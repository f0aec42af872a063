from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ReferenceItem(models.Model):
    """Reference data with a name in each UI language; `name` answers in the active one."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def description(self) -> str:
        return self.description_en if (get_language() or "").startswith("en") else self.description_zh


class Category(ReferenceItem):
    """培训内容类别: the six classic topic areas."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class Competency(ReferenceItem):
    """素质: ethics, ability, knowledge, mindset."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")


class Track(ReferenceItem):
    """系列: a course series."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("track")
        verbose_name_plural = _("tracks")


class Method(ReferenceItem):
    """培训方法, with when it suits and its cost/feedback trade-off in the descriptions."""

    trade_off_zh = models.TextField(_("cost and feedback (Chinese)"), blank=True)
    trade_off_en = models.TextField(_("cost and feedback (English)"), blank=True)

    class Meta(ReferenceItem.Meta):
        verbose_name = _("training method")
        verbose_name_plural = _("training methods")

    @property
    def trade_off(self) -> str:
        return self.trade_off_en if (get_language() or "").startswith("en") else self.trade_off_zh
