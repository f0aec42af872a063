"""The tables trainees/ handed over get dashboards/'s names (trainees_x -> dashboards_x): a rename, no row copied."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('dashboards', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='coursestats',
            table=None,
        ),
        migrations.AlterModelTable(
            name='nudge',
            table=None,
        ),
        migrations.AlterModelTable(
            name='ownersnapshot',
            table=None,
        ),
        migrations.AlterModelTable(
            name='ownerstats',
            table=None,
        ),
        migrations.AlterModelTable(
            name='personcategoryscore',
            table=None,
        ),
        migrations.AlterModelTable(
            name='personstats',
            table=None,
        ),
        migrations.AlterModelTable(
            name='teamcoursestats',
            table=None,
        ),
        migrations.AlterModelTable(
            name='teamplanstats',
            table=None,
        ),
        migrations.AlterModelTable(
            name='teamsnapshot',
            table=None,
        ),
        migrations.AlterModelTable(
            name='teamstats',
            table=None,
        ),
    ]
