"""The tables trainees/ handed over get notifications/'s names (trainees_x -> notifications_x): a rename, no row copied."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='emaildayslot',
            table=None,
        ),
        migrations.AlterModelTable(
            name='notification',
            table=None,
        ),
        migrations.AlterModelTable(
            name='notificationpreference',
            table=None,
        ),
        migrations.AlterModelTable(
            name='quiethours',
            table=None,
        ),
    ]
