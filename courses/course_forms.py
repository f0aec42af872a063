from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import Category, Course, Lesson, Track
from lms.widgets import RichTextarea


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class CourseForm(forms.ModelForm):
    cover_upload = forms.FileField(label=_("Cover image"), required=False, help_text=_("PNG, JPEG, GIF or WebP."))

    class Meta:
        model = Course
        fields = [
            "title",
            "category",
            "track",
            "description",
            "estimated_minutes",
            "prerequisites",
            "self_enroll",
            "certificate_valid_days",
        ]
        widgets = {"description": RichTextarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("order")
        self.fields["category"].empty_label = _("(none)")
        self.fields["track"].queryset = Track.objects.order_by("order")
        self.fields["track"].empty_label = _("(none)")
        others = Course.objects.order_by("title")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["prerequisites"].queryset = others
        self.fields["prerequisites"].required = False
        _style(self)


class LessonForm(forms.ModelForm):
    video_upload = forms.FileField(label=_("Video file"), required=False, help_text=_("MP4, WebM or Ogg."))
    file_upload = forms.FileField(label=_("File"), required=False, help_text=_("PDF, Word, PowerPoint or Excel."))

    class Meta:
        model = Lesson
        fields = ["title", "kind", "category", "estimated_minutes", "body", "video_url", "duration_seconds", "url"]
        widgets = {"body": RichTextarea(attrs={"rows": 12})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("order")
        self.fields["category"].empty_label = _("(none)")
        _style(self)
