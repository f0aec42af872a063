"""trainees/ keeps people, teams and people imports; learning/, dashboards/ and notifications/ take over the rest.

State only: no table is touched here. The new apps' 0001 migrations take the models over (same tables), their
0002 migrations rename the tables.
"""

from django.db import migrations

HANDED_OVER = [
    # learning/ (Certificate before Enrollment: it points at it)
    "Certificate",
    "CalendarFeed",
    "LessonProgress",
    "Enrollment",
    # dashboards/
    "PersonStats",
    "TeamStats",
    "TeamSnapshot",
    "PersonCategoryScore",
    "Nudge",
    "CourseStats",
    "TeamPlanStats",
    "TeamCourseStats",
    "OwnerStats",
    "OwnerSnapshot",
    # notifications/
    "EmailDaySlot",
    "NotificationPreference",
    "QuietHours",
    "Notification",
]


class Migration(migrations.Migration):
    dependencies = [("trainees", "0015_user_name_order_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name) for name in HANDED_OVER],
        )
    ]
