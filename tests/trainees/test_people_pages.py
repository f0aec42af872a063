import pytest
from django.urls import reverse

from tests.factories import make_salesperson


def test_manager_lists_own_team_people(client_for, manager_a, sales_a, sales_b):
    response = client_for(manager_a).get(reverse("trainees:people"))
    assert response.status_code == 200
    assert "张三" in response.text
    assert "李四" not in response.text


def test_salesperson_cannot_open_people_list(client_for, sales_a):
    assert client_for(sales_a).get(reverse("trainees:people")).status_code == 404


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("trainees:people"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_person_page_scoped(client_for, manager_a, sales_a, sales_b):
    c = client_for(manager_a)
    assert c.get(reverse("trainees:person", args=[sales_a.id])).status_code == 200
    assert c.get(reverse("trainees:person", args=[sales_b.id])).status_code == 404


def test_people_list_query_count_does_not_grow(client_for, manager_a, team_a, django_assert_max_num_queries):
    for _ in range(60):
        make_salesperson(team_a)
    c = client_for(manager_a)
    with django_assert_max_num_queries(12):
        response = c.get(reverse("trainees:people"))
    assert response.status_code == 200


@pytest.mark.parametrize("lang,text", [("zh-hans", "人员"), ("en", "People")])
def test_people_page_in_both_languages(client_for, manager_a, lang, text):
    c = client_for(manager_a)
    c.cookies["django_language"] = lang
    assert text in c.get(reverse("trainees:people")).text
