"""Enrolling from a CSV of employee numbers (issue 18): the import limits on rows and cells hold there too."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from learning.models import Enrollment
from tests.factories import make_salesperson

pytestmark = pytest.mark.django_db


def test_a_list_of_more_numbers_than_an_import_takes_is_refused_next_to_the_field(
    client_for, trainer, course, team_a, settings
):
    settings.IMPORT_MAX_ROWS = 20
    make_salesperson(team_a, employee_no="S900")
    client = client_for(trainer)
    allowed = SimpleUploadedFile("list.csv", ("工号\n" + "S900\n" * 20).encode())
    response = client.post("/enrollments/new/", {"course": course.id, "who": "csv", "csv_file": allowed})
    assert response.context["preview"].ok
    refused = SimpleUploadedFile("list.csv", ("工号\n" + "S900\n" * 21).encode())
    response = client.post(
        "/enrollments/new/", {"course": course.id, "who": "csv", "csv_file": refused}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200 and response.context["preview"] is None
    assert "more than 20 rows" in response.context["form"].errors["csv_file"][0]
    assert not Enrollment.objects.exists()
