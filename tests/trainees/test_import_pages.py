"""/people/import/: upload -> preview (errors listed) -> confirm, for trainers and admins only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import make_trainer
from tests.trainees.conftest import csv_bytes
from trainees.models import PeopleImport, User

pytestmark = pytest.mark.django_db


def _upload(client, content: bytes, name: str = "people.csv"):
    return client.post(reverse("trainees:import"), {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_admin_uploads_previews_and_confirms(client_for, admin_user, good_csv):
    client = client_for(admin_user)
    assert client.get(reverse("trainees:import")).status_code == 200
    response = _upload(client, good_csv)
    pending = PeopleImport.objects.get(owner=admin_user)
    assert response.status_code == 302 and response.url == reverse("trainees:import-preview", args=[pending.id])

    preview = client.get(response.url)
    html = preview.content.decode()
    assert "张伟" in html and "华东区/上海/一组" in html
    assert reverse("trainees:import-confirm", args=[pending.id]) in html
    assert User.objects.count() == 1  # only the admin: the preview writes nothing

    done = client.post(reverse("trainees:import-confirm", args=[pending.id]), follow=True)
    assert done.status_code == 200
    assert User.objects.filter(employee_no__in=["M100", "S101", "S102", "T100"]).count() == 4
    html = done.content.decode()
    assert 'data-testid="import-result"' in html and "李娜" in html
    pending.refresh_from_db()
    assert pending.status == PeopleImport.Status.DONE and pending.created == 4

    # Confirming twice imports nothing more.
    client.post(reverse("trainees:import-confirm", args=[pending.id]))
    assert User.objects.count() == 5


def test_preview_lists_bad_rows_with_line_numbers_and_offers_no_confirm(client_for, trainer):
    client = client_for(trainer)
    response = _upload(client, csv_bytes("S1,张三,bad-mail,华东区/一组,,", "S2,李四,,华东区/一组,boss,"))
    preview = client.get(response.url)
    html = preview.content.decode()
    assert 'data-testid="import-errors"' in html
    assert "bad-mail" in html and "boss" in html
    assert "<td>2</td>" in html and "<td>3</td>" in html
    assert "import-confirm" not in html and "/confirm/" not in html
    pending = PeopleImport.objects.get(owner=trainer)
    client.post(reverse("trainees:import-confirm", args=[pending.id]))
    assert not User.objects.filter(employee_no__in=["S1", "S2"]).exists()


@pytest.mark.parametrize(
    "content,message",
    [(b"PK\x03\x04rest-of-zip", "Excel"), (b"a,b\n1,2\n", "header"), (b"", "empty")],
    ids=["zip", "not-people", "empty"],
)
def test_a_file_that_is_not_a_people_csv_is_refused_next_to_the_field(client_for, trainer, content, message):
    response = _upload(client_for(trainer), content)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_file_error"' in html and 'aria-describedby="id_file_helptext id_file_error"' in html
    assert 'aria-invalid="true"' in html
    assert not PeopleImport.objects.exists()


def test_huge_file_is_refused(client_for, trainer, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = _upload(client_for(trainer), csv_bytes(*[f"S{i},名,,总部/一组,," for i in range(20)]))
    assert response.status_code == 200 and "id_file_error" in response.content.decode()
    assert not PeopleImport.objects.exists()


def test_upload_form_is_labelled(client_for, trainer):
    html = client_for(trainer).get(reverse("trainees:import")).content.decode()
    assert '<label for="id_file"' in html
    assert 'aria-describedby="id_file_helptext"' in html


def test_admin_may_import(client_for, admin_user, good_csv):
    client = client_for(admin_user)
    response = _upload(client, good_csv)
    client.post(response.url + "confirm/")
    assert User.objects.filter(employee_no="S101").exists()


@pytest.mark.parametrize("persona", ["sales_a", "manager_a"])
def test_salesperson_and_manager_get_404(request, client_for, persona, good_csv):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("trainees:import")).status_code == 404
    assert _upload(client, good_csv).status_code == 404
    assert not PeopleImport.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("trainees:import"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_another_trainers_upload_is_404(client_for, trainer, good_csv):
    pending = PeopleImport.objects.create(owner=make_trainer(), filename="x.csv", content=good_csv)
    client = client_for(trainer)
    assert client.get(reverse("trainees:import-preview", args=[pending.id])).status_code == 404
    assert client.post(reverse("trainees:import-confirm", args=[pending.id])).status_code == 404
    assert not User.objects.filter(employee_no="S101").exists()


def test_confirm_needs_post(client_for, trainer, good_csv):
    pending = PeopleImport.objects.create(owner=trainer, filename="x.csv", content=good_csv)
    assert client_for(trainer).get(reverse("trainees:import-confirm", args=[pending.id])).status_code == 405


def test_preview_query_count_is_bounded(client_for, trainer, django_assert_max_num_queries):
    content = csv_bytes(*[f"S{i:04d},销售{i},,总部/销售部/{i % 5}组,salesperson," for i in range(300)])
    pending = PeopleImport.objects.create(owner=trainer, filename="x.csv", content=content)
    client = client_for(trainer)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("trainees:import-preview", args=[pending.id])).status_code == 200
    client.post(reverse("trainees:import-confirm", args=[pending.id]))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("trainees:import-preview", args=[pending.id]))
    assert response.content.decode().count("<tr>") >= 300


def test_login_errors_are_linked_to_the_fields(client, sales_a):
    html = client.post(reverse("login"), {"username": "sales_a", "password": "wrong"}).content.decode()
    assert 'id="login-error"' in html
    assert html.count('aria-describedby="login-error"') == 2
    assert html.count('aria-invalid="true"') == 2
    assert '<label for="id_username"' in html and '<label for="id_password"' in html


def test_admin_lists_uploads(client_for, admin_user, trainer, good_csv):
    PeopleImport.objects.create(owner=trainer, filename="people.csv", content=good_csv)
    response = client_for(admin_user).get(reverse("admin:trainees_peopleimport_changelist"))
    assert response.status_code == 200 and "people.csv" in response.content.decode()
