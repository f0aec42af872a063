"""The tables trainees/ handed over get learning/'s names (trainees_x -> learning_x): a rename, no row copied."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('learning', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='calendarfeed',
            table=None,
        ),
        migrations.AlterModelTable(
            name='certificate',
            table=None,
        ),
        migrations.AlterModelTable(
            name='enrollment',
            table=None,
        ),
        migrations.AlterModelTable(
            name='lessonprogress',
            table=None,
        ),
    ]
