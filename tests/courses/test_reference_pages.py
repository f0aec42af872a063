"""Reference data outside the admin (issue 19): categories, competencies and tracks added, edited and deleted by
trainers and admins; an item in use is not deleted; everyone else gets 404."""

import pytest
from django.urls import reverse

from courses.models import Category, Competency, Method, Track
from tests.learning.factories import CourseFactory

KINDS = [("categories", Category), ("competencies", Competency), ("tracks", Track)]


def _data(**overrides):
    data = {"code": "key-accounts", "name_zh": "大客户", "name_en": "Key accounts", "description_zh": "", "description_en": "", "order": 7}  # fmt: skip
    data.update(overrides)
    return data


@pytest.mark.parametrize("kind,model", KINDS)
def test_trainer_adds_an_item(client_for, trainer, kind, model):
    c = client_for(trainer)
    assert reverse("courses:reference_add", args=[kind]) in c.get(reverse("courses:reference_index")).text
    response = c.post(reverse("courses:reference_add", args=[kind]), _data())
    assert response.status_code == 302
    item = model.objects.get(code="key-accounts")
    assert (item.name_zh, item.name_en, item.order) == ("大客户", "Key accounts", 7)


def test_admin_adds_an_item(client_for, admin_user):
    assert client_for(admin_user).post(reverse("courses:reference_add", args=["tracks"]), _data()).status_code == 302
    assert Track.objects.filter(code="key-accounts").exists()


@pytest.mark.parametrize("persona", ["manager_a", "sales_a"])
def test_others_get_404(client_for, request, persona):
    c = client_for(request.getfixturevalue(persona))
    category = Category.objects.first()
    assert c.get(reverse("courses:reference_add", args=["categories"])).status_code == 404
    assert c.post(reverse("courses:reference_add", args=["categories"]), _data()).status_code == 404
    assert c.post(reverse("courses:reference_delete", args=["categories", category.id])).status_code == 404
    assert not Category.objects.filter(code="key-accounts").exists()
    assert Category.objects.filter(pk=category.pk).exists()


def test_methods_cannot_be_added_or_deleted(client_for, trainer):
    c = client_for(trainer)
    method = Method.objects.first()
    assert c.get(reverse("courses:reference_add", args=["methods"])).status_code == 404
    assert c.post(reverse("courses:reference_delete", args=["methods", method.id])).status_code == 404
    assert c.get(reverse("courses:reference_add", args=["nonsense"])).status_code == 404
    assert Method.objects.filter(pk=method.pk).exists()


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"code": ""}, "code", "A code is required."),
        ({"code": "Key Accounts!"}, "code", "lower-case letters"),
        ({"code": "product"}, "code", "already used"),
        ({"name_zh": "  "}, "name_zh", "required"),
        ({"order": 5000}, "order", "0 to 999"),
    ],
)
def test_bad_input_is_a_form_error(client_for, trainer, overrides, field, message):
    c = client_for(trainer)
    c.cookies["django_language"] = "en"
    count = Category.objects.count()
    response = c.post(reverse("courses:reference_add", args=["categories"]), _data(**overrides))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert Category.objects.count() == count


def test_unused_item_is_deleted(client_for, trainer):
    c = client_for(trainer)
    item = Track.objects.create(code="spare", name_zh="备用", name_en="Spare")
    page = c.get(reverse("courses:reference_delete", args=["tracks", item.id]))
    assert page.status_code == 200 and page.context["usage"] == []
    response = c.post(reverse("courses:reference_delete", args=["tracks", item.id]))
    assert response.status_code == 302
    assert not Track.objects.filter(pk=item.pk).exists()


def test_item_in_use_is_refused_with_a_reason(client_for, trainer):
    c = client_for(trainer)
    c.cookies["django_language"] = "en"
    category = Category.objects.get(code="product")
    CourseFactory(category=category)
    CourseFactory(category=category)
    page = c.get(reverse("courses:reference_delete", args=["categories", category.id]))
    assert ("courses", 2) in page.context["usage"]
    assert "cannot be deleted" in page.text
    response = c.post(reverse("courses:reference_delete", args=["categories", category.id]), follow=True)
    assert response.status_code == 200
    assert "is in use (courses: 2)" in response.text
    assert Category.objects.filter(pk=category.pk).exists()


def test_edit_still_works_for_added_items(client_for, trainer):
    c = client_for(trainer)
    item = Competency.objects.create(code="drive", name_zh="进取", name_en="Drive")
    data = {"name_zh": "进取心", "name_en": "Drive", "description_zh": "", "description_en": "", "order": 3}
    assert c.post(reverse("courses:reference_edit", args=["competencies", item.id]), data).status_code == 302
    item.refresh_from_db()
    assert item.name_zh == "进取心" and item.code == "drive"


def test_index_query_budget(client_for, trainer, django_assert_max_num_queries):
    Category.objects.bulk_create([Category(code=f"c{i}", name_zh=f"类{i}", name_en=f"C{i}") for i in range(60)])
    c = client_for(trainer)
    with django_assert_max_num_queries(12):
        response = c.get(reverse("courses:reference_index"))
    assert response.status_code == 200 and "c59" in response.text
