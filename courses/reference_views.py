"""A small page where trainers edit the reference data (categories, competencies, tracks, methods)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from courses import plan_services
from courses.models import Category, Competency, Method, Track
from courses.plan_forms import BootstrapMixin, apply_errors
from lms.permissions import role_required
from lms.roles import TRAINER

KINDS = {"categories": Category, "competencies": Competency, "tracks": Track, "methods": Method}


def _form_class(model):
    fields = ["name_zh", "name_en", "description_zh", "description_en", "order"]
    if model is Method:
        fields[4:4] = ["trade_off_zh", "trade_off_en"]

    class ReferenceForm(BootstrapMixin, forms.ModelForm):
        class Meta:
            pass

        def _post_clean(self):
            pass

    ReferenceForm.Meta.model = model
    ReferenceForm.Meta.fields = fields
    ReferenceForm.Meta.widgets = {
        name: forms.Textarea(attrs={"rows": 2}) for name in fields if name.startswith(("description", "trade_off"))
    }
    return forms.modelform_factory(model, form=ReferenceForm, fields=fields, widgets=ReferenceForm.Meta.widgets)


@login_required
@role_required(TRAINER)
def reference_index(request):
    groups = [(kind, model._meta.verbose_name_plural, list(model.objects.all())) for kind, model in KINDS.items()]
    return render(request, "courses/reference/index.html", {"groups": groups})


@login_required
@role_required(TRAINER)
def reference_edit(request, kind: str, item_id: int):
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    try:
        item = model.objects.get(pk=item_id)
    except model.DoesNotExist:
        raise Http404 from None
    form_class = _form_class(model)
    form = form_class(request.POST or None, instance=model.objects.get(pk=item.pk))
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.reference_item_update(item=item, user=request.user, **form.cleaned_data)
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("courses:reference_index")
    return render(request, "courses/reference/edit.html", {"form": form, "item": item, "kind": kind})
