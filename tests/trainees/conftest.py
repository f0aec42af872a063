import pytest

HEADER = "employee_no,name,email,team,roles,manager_no"


def csv_bytes(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\n".join([header, *lines, ""]).encode(encoding)


@pytest.fixture
def good_csv() -> bytes:
    return csv_bytes(
        "M100,王经理,wang@example.com,华东区/上海/一组,manager,",
        "S101,张伟,zhangwei@example.com,华东区/上海/一组,salesperson,M100",
        "S102,李娜,lina@example.com,华东区/上海/二组,销售,M100",
        "T100,周老师,zhou@example.com,总部/培训部,trainer;manager,",
    )
