"""A small page where trainers keep the reference data: categories, competencies and tracks are added, edited and
removed (when unused) here; training methods are edited only."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses import plan_services, reference_services
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


def _add_form_class(model):
    """The edit form with the code first: an item's code is chosen once, when it is added."""

    class AddForm(_form_class(model)):
        code = forms.CharField(
            label=gettext_lazy("Code"),
            max_length=40,
            required=False,
            help_text=gettext_lazy(
                "Lower-case letters, digits and dashes, e.g. key-accounts. It cannot be changed later."
            ),
        )
        field_order = ["code"]

    return AddForm


def _model_for(kind: str):
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    return model


def _item_for(model, item_id: int):
    try:
        return model.objects.get(pk=item_id)
    except model.DoesNotExist:
        raise Http404 from None


@login_required
@role_required(TRAINER)
def reference_index(request):
    groups = [
        (kind, model._meta.verbose_name_plural, list(model.objects.all()), model in reference_services.ADDABLE)
        for kind, model in KINDS.items()
    ]
    return render(request, "courses/reference/index.html", {"groups": groups})


@login_required
@role_required(TRAINER)
def reference_add(request, kind: str):
    model = _model_for(kind)
    if model not in reference_services.ADDABLE:
        raise Http404
    form = _add_form_class(model)(request.POST or None, initial={"order": model.objects.count() + 1})
    if request.method == "POST" and form.is_valid():
        try:
            reference_services.reference_item_create(model=model, user=request.user, **form.cleaned_data)
        except ValidationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("Added."))
            return redirect(f"{reverse('courses:reference_index')}#ref-{kind}")
    context = {"form": form, "item": None, "kind": kind, "label": model._meta.verbose_name}
    return render(request, "courses/reference/edit.html", context)


@login_required
@role_required(TRAINER)
def reference_delete(request, kind: str, item_id: int):
    """GET: what uses the item, and a delete button when nothing does. POST: delete it, or say why not."""
    model = _model_for(kind)
    if model not in reference_services.ADDABLE:
        raise Http404
    item = _item_for(model, item_id)
    if request.method == "POST":
        try:
            reference_services.reference_item_delete(item=item, user=request.user)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, _("Deleted."))
            return redirect(f"{reverse('courses:reference_index')}#ref-{kind}")
    usage = reference_services.reference_item_usage(item=item)
    return render(request, "courses/reference/delete.html", {"item": item, "kind": kind, "usage": usage})


@login_required
@role_required(TRAINER)
def reference_edit(request, kind: str, item_id: int):
    model = _model_for(kind)
    item = _item_for(model, item_id)
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
