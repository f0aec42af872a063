"""Form widgets shared by the apps' forms."""

from django import forms
from django.forms.renderers import TemplatesSetting
from django.urls import reverse


class RichTextarea(forms.Textarea):
    """A rich-text field: the Quill editor (static/vendor/quill-*) over a plain textarea that stays the form field.

    Without JavaScript the textarea is all there is (HTML or plain text typed by hand); with it, static/js/richtext.js
    hides the textarea, shows the toolbar and the editor, and copies the editor's HTML into the textarea on every
    change. Images go to `courses:richtext_image_upload` (trainers only) and are shown from their own address.
    The page needs nothing of its own: the widget brings its styles and script (loaded once however many fields a
    page has), so a form only declares `widgets = {"body": RichTextarea()}`. Whatever arrives is sanitised by the
    service that saves it, as for any other input.

    Rendered with the project's template engine (templates/lms/widgets/richtext.html), where the CSP check of the
    page templates reads it too."""

    template_name = "lms/widgets/richtext.html"

    def __init__(self, attrs=None):
        super().__init__({"rows": 10, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["upload_url"] = reverse("courses:richtext_image_upload")
        return context

    def render(self, name, value, attrs=None, renderer=None):
        return super().render(name, value, attrs, renderer=TemplatesSetting())
