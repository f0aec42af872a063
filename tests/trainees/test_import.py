"""People CSV import: parsing, validation and the set-based upsert (service and management command)."""

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from lms.roles import MANAGER, SALESPERSON, TRAINER, user_roles
from tests.factories import UserFactory, make_salesperson
from tests.trainees.conftest import HEADER, csv_bytes
from trainees.importing import parse_people_csv
from trainees.models import Team, User
from trainees.services import people_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in the source language here; the pages and the API are checked in Chinese too."""
    with translation.override("en"):
        yield


def _errors(content: bytes) -> list[tuple[int, str]]:
    return [(e.line, e.column) for e in people_import(content=content, dry_run=True).errors]


def _roles(employee_no: str) -> set[str]:
    return set(user_roles(User.objects.get(employee_no=employee_no)))


def test_good_file_creates_people_teams_roles_and_managers(good_csv):
    report = people_import(content=good_csv)
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert report.teams_created == 6
    zhang = User.objects.select_related("team").get(employee_no="S101")
    assert zhang.display_name == "张伟" and zhang.email == "zhangwei@example.com"
    assert zhang.team.full_name == "华东区/上海/一组"
    assert zhang.team.path == f"{zhang.team.parent.path}{zhang.team.id}/"
    assert zhang.team.parent.kind == Team.Kind.DEPARTMENT and zhang.team.parent.parent.kind == Team.Kind.REGION
    assert not zhang.has_usable_password()
    assert _roles("S101") == {SALESPERSON}
    assert _roles("S102") == {SALESPERSON}  # Chinese label 销售
    assert _roles("T100") == {TRAINER, MANAGER}
    boss = User.objects.get(employee_no="M100")
    assert set(boss.managed_teams.values_list("full_name", flat=True)) == {"华东区/上海/一组", "华东区/上海/二组"}


def test_team_paths_reuse_existing_teams(team_a, good_csv):
    # team_a is 华东区/上海销售部/一组; the file's 华东区 region must be the same row.
    people_import(content=good_csv)
    assert Team.objects.filter(name="华东区", parent=None).count() == 1


def test_dry_run_writes_nothing_but_counts(good_csv):
    report = people_import(content=good_csv, dry_run=True)
    assert report.ok and report.created == 4 and report.teams_created == 6
    assert not User.objects.exists() and not Team.objects.exists()


def test_second_import_is_idempotent(good_csv):
    people_import(content=good_csv)
    counts = (User.objects.count(), Team.objects.count(), User.groups.through.objects.count())
    report = people_import(content=good_csv)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert (User.objects.count(), Team.objects.count(), User.groups.through.objects.count()) == counts


def test_upsert_updates_existing_people(team_b):
    existing = make_salesperson(team_b, employee_no="S200", display_name="旧名字", email="old@example.com")
    report = people_import(content=csv_bytes("S200,新名字,new@example.com,华北区/北京/三组,trainer,"))
    assert (report.created, report.updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.display_name == "新名字" and existing.email == "new@example.com"
    assert existing.team.full_name == "华北区/北京/三组"
    assert _roles("S200") == {TRAINER}
    assert User.objects.count() == 1


def test_empty_roles_keep_an_existing_persons_roles_and_empty_email_keeps_theirs(team_b):
    UserFactory(employee_no="T9", roles=[TRAINER], email="t9@example.com")
    people_import(content=csv_bytes("T9,培训九,,总部/培训部,,", "N1,新人,,总部/培训部,,"))
    assert _roles("T9") == {TRAINER}
    assert User.objects.get(employee_no="T9").email == "t9@example.com"
    assert _roles("N1") == {SALESPERSON}


def test_manager_from_the_database_gets_the_team_and_the_role(team_b):
    boss = UserFactory(employee_no="B1", roles=[TRAINER])
    report = people_import(content=csv_bytes("S1,销售一,,华南区/二组,salesperson,B1"))
    assert report.ok, report.errors
    assert _roles("B1") == {TRAINER, MANAGER}
    assert list(boss.managed_teams.all()) == [team_b]


def test_existing_username_equal_to_an_employee_no_gets_a_distinct_username():
    UserFactory(username="S1", employee_no="OTHER")
    assert people_import(content=csv_bytes("S1,销售一,,总部/一组,,")).ok
    assert User.objects.get(employee_no="S1").username.startswith("S1-")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_each_encoding(encoding, good_csv):
    content = good_csv.decode("utf-8").encode(encoding)
    result = parse_people_csv(content)
    assert result.ok and len(result.rows) == 4
    assert result.rows[0].name == "王经理"
    assert people_import(content=content).created == 4


def test_chinese_headers_and_crlf_line_ends():
    content = "工号,姓名,邮箱,团队,角色,经理工号\r\nS1,张三,,华东区/上海/一组,销售人员,\r\n".encode("gbk")
    result = parse_people_csv(content)
    assert result.ok and result.rows[0].team_path == ("华东区", "上海", "一组")


@pytest.mark.parametrize(
    "line,column,message_part",
    [
        (",张三,,华东区/一组,,", "employee_no", "missing"),
        ("S1,,,华东区/一组,,", "name", "missing"),
        ("S1,张三,not-an-email,华东区/一组,,", "email", "not a valid"),
        ("S1,张三,,华东区/一组,boss,", "roles", "boss"),
        ("S1,张三,,,,", "team", "empty"),
        ("S1,张三,,华东区//一组,,", "team", "empty level"),
        ("S1,张三,,华东区/一组,,NOBODY", "manager_no", "NOBODY"),
        ("S" + "1" * 60 + ",张三,,华东区/一组,,", "employee_no", "longer"),
        ("S1," + "名" * 101 + ",,华东区/一组,,", "name", "longer"),
        ("S1,张三,,华东区/" + "组" * 101 + ",,", "team", "longer"),
        ("S 1,张三,,华东区/一组,,", "employee_no", "letters"),
    ],
)
def test_each_kind_of_bad_row_is_reported_with_its_line(line, column, message_part):
    content = csv_bytes("OK1,好人,,华东区/一组,,", line)
    report = people_import(content=content)
    assert not report.ok
    assert [(e.line, e.column) for e in report.errors] == [(3, column)]
    assert message_part in report.errors[0].message
    assert not User.objects.exists() and not Team.objects.exists()


def test_duplicate_employee_no_names_the_first_line():
    report = people_import(content=csv_bytes("S1,甲,,总部/一组,,", "S2,乙,,总部/一组,,", "S1,丙,,总部/一组,,"))
    assert [(e.line, e.column) for e in report.errors] == [(4, "employee_no")]
    assert "line 2" in report.errors[0].message


def test_every_bad_row_is_listed_and_nothing_is_written():
    content = csv_bytes(
        "S1,甲,,总部/一组,,",
        ",乙,bad,总部/一组,,",
        "S3,丙,,,chief,",
        "S4,丁,,总部/一组,,ZZZ",
    )
    report = people_import(content=content)
    assert sorted({e.line for e in report.errors}) == [3, 4, 5]
    assert ("email" in {e.column for e in report.errors if e.line == 3}) and len(report.errors) == 5
    assert not User.objects.exists() and not Team.objects.exists()


def test_line_numbers_follow_multiline_cells_and_skip_blank_lines():
    content = csv_bytes('S1,"甲\n乙",,总部/一组,,', "", "S2,丙,bad,总部/一组,,")
    assert _errors(content) == [(5, "email")]


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.csv", "employee_no,name\n")
    return buf.getvalue()


@pytest.mark.parametrize(
    "content,message_part",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (_zip_bytes(), "Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"hello,world\nfoo,bar\n", "header"),
        (HEADER.encode() + b"\n", "no people"),
        ("employee_no,name,team\n".encode("utf-16"), "UTF-16"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
        (b"employee_no,name,team\n\x81\xff\x81\xff,x,y\n", "neither UTF-8 nor GBK"),
    ],
    ids=["empty", "blank", "zip", "png", "other-csv", "header-only", "utf16", "elf", "bad-encoding"],
)
def test_file_that_is_not_a_people_csv_gets_a_clear_message(content, message_part):
    report = people_import(content=content)
    assert not report.ok
    assert len(report.errors) == 1
    assert message_part in report.errors[0].message


def test_huge_file_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 200
    report = people_import(content=csv_bytes(*[f"S{i},名{i},,总部/一组,," for i in range(20)]))
    assert not report.ok and "too large" in report.errors[0].message


def _rows(n: int, prefix: str = "P") -> bytes:
    return csv_bytes(
        f"{prefix}BOSS,老板,,{prefix}总部/销售部/一组,manager,",
        *[
            f"{prefix}{i:05d},销售{i},s{i}@example.com,{prefix}总部/销售部/{'一组' if i % 2 else '二组'},salesperson,{prefix}BOSS"
            for i in range(n)
        ],
    )


def _queries(content: bytes) -> int:
    with CaptureQueriesContext(connection) as ctx:
        report = people_import(content=content)
    assert report.ok, report.errors[:3]
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_rows():
    small, large = _queries(_rows(10, "A")), _queries(_rows(200, "B"))
    assert small == large
    assert User.objects.count() == 212
    # And an upsert of existing people, too.
    assert _queries(_rows(10, "A").replace(b"@example", b"@new.example")) == _queries(
        _rows(200, "B").replace(b"@example", b"@new.example")
    )


def test_command_imports_and_dry_runs(tmp_path, good_csv, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(good_csv)
    call_command("import_people", str(path), "--dry-run")
    assert "Would import 4 rows" in capsys.readouterr().out
    assert not User.objects.exists()
    call_command("import_people", str(path))
    assert "4 created" in capsys.readouterr().out
    assert User.objects.count() == 4


def test_command_reports_errors_and_fails(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes("S1,张三,bad,总部/一组,,"))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_people", str(path))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_people", str(tmp_path / "missing.csv"))
    assert not User.objects.exists()


def test_a_concurrent_write_conflict_rolls_everything_back(monkeypatch, good_csv):
    from django.db import IntegrityError

    from trainees import services

    real = services._create_missing_teams

    def create_then_conflict(plan):
        real(plan)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "_create_missing_teams", create_then_conflict)
    report = people_import(content=good_csv)
    assert not report.ok and "try again" in report.errors[0].message
    assert report.created == 0
    assert not Team.objects.exists() and not User.objects.exists()
