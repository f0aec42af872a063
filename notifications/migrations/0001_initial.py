"""notifications/ takes over its models from trainees/ (the layering of the apps): the tables stay and no row moves.

The state moves here (trainees/0016 hands it over); 0002 renames the tables to this app's names. The content types
keep their ids (so permissions and admin history stay attached), with the new app label; audit entries and queued
deferred tasks that name these models or their tasks by label are renamed with them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Concat, Substr


OLD = "trainees"
APP = "notifications"
MODELS = ['notification', 'notificationpreference', 'quiethours', 'emaildayslot']
OLD_TASKS, NEW_TASKS = "trainees.notifications.tasks.", "notifications.tasks."


def _relabel(apps, schema_editor, *, backwards: bool = False) -> None:
    src, dst = (APP, OLD) if backwards else (OLD, APP)
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=src, model__in=MODELS).update(app_label=dst)
    AuditLog = apps.get_model("lms", "AuditLog")
    AuditLog.objects.filter(object_type__in=[f"{src}.{m}" for m in MODELS]).update(
        object_type=Concat(Value(f"{dst}."), Substr("object_type", len(src) + 2))
    )
    DeferredTask = apps.get_model("lms", "DeferredTask")
    old, new = (NEW_TASKS, OLD_TASKS) if backwards else (OLD_TASKS, NEW_TASKS)
    DeferredTask.objects.filter(name__startswith=old).update(name=Concat(Value(new), Substr("name", len(old) + 1)))


# Every model trainees/ hands over, by its new app: notification subjects name their object by model label
# ("trainees.enrollment:42"), and the outbox's unique key (recipient, kind, subject, occasion) is what stops a
# reminder from going out twice, so the subjects follow the models.
SUBJECT_MODELS = {
    "learning": ["enrollment", "lessonprogress", "certificate", "calendarfeed"],
    "dashboards": ["personstats", "teamstats", "teamsnapshot", "personcategoryscore", "nudge", "coursestats",
                   "teamplanstats", "teamcoursestats", "ownerstats", "ownersnapshot"],
    "notifications": MODELS,
}


def _resubject(apps, *, backwards: bool) -> None:
    Notification = apps.get_model("notifications", "Notification")
    for app_label, names in SUBJECT_MODELS.items():
        for name in names:
            src, dst = f"{OLD}.{name}:", f"{app_label}.{name}:"
            if backwards:
                src, dst = dst, src
            Notification.objects.filter(subject__startswith=src).update(
                subject=Concat(Value(dst), Substr("subject", len(src) + 1))
            )


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor)
    _resubject(apps, backwards=False)


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, backwards=True)
    _resubject(apps, backwards=True)


class Migration(migrations.Migration):

    initial = True
    dependencies = [
        ('trainees', '0016_hand_over_models'),
        ('lms', '0003_deferred_task'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='QuietHours',
                    fields=[
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='quiet_hours', serialize=False, to=settings.AUTH_USER_MODEL, verbose_name='person')),
                        ('start', models.TimeField(blank=True, null=True, verbose_name='quiet from')),
                        ('end', models.TimeField(blank=True, null=True, verbose_name='quiet until')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name': 'quiet hours',
                        'verbose_name_plural': 'quiet hours',
                        'db_table': 'trainees_quiethours',
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('end__isnull', True), ('start__isnull', True)), models.Q(('end__isnull', False), ('start__isnull', False), models.Q(('start', models.F('end')), _negated=True)), _connector='OR'), name='quiet_hours_both_or_none')],
                    },
                ),
                migrations.CreateModel(
                    name='EmailDaySlot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=40)),
                        ('day', models.DateField()),
                        ('token', models.UUIDField()),
                        ('sent', models.BooleanField(default=False)),
                        ('claimed_at', models.DateTimeField()),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'trainees_emaildayslot',
                        'indexes': [models.Index(fields=['token'], name='email_day_slot_token')],
                        'constraints': [models.UniqueConstraint(fields=('user', 'kind', 'day'), name='email_day_slot_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=40, verbose_name='kind')),
                        ('subject', models.CharField(blank=True, default='', max_length=120, verbose_name='subject')),
                        ('occasion', models.CharField(blank=True, default='', max_length=40, verbose_name='occasion')),
                        ('context', models.JSONField(blank=True, default=dict, verbose_name='context')),
                        ('url', models.CharField(blank=True, default='', max_length=500, verbose_name='link')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created')),
                        ('show_in_app', models.BooleanField(default=True, verbose_name='shown in app')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('digest', 'Waiting for the daily digest'), ('in_digest', 'Sent in a digest'), ('skipped_preference', 'Skipped by preference'), ('skipped_no_address', 'Skipped: no e-mail address'), ('none', 'In-app only')], default='pending', max_length=20, verbose_name='e-mail status')),
                        ('not_before', models.DateTimeField(blank=True, null=True, verbose_name='not before')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('last_error', models.TextField(blank=True, default='', verbose_name='last error')),
                        ('claimed_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('claim_token', models.UUIDField(blank=True, editable=False, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('delivered_via', models.JSONField(blank=True, default=list, verbose_name='delivered via')),
                        ('digest', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='digested', to='notifications.notification', verbose_name='digest')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                    ],
                    options={
                        'verbose_name': 'notification',
                        'verbose_name_plural': 'notifications',
                        'db_table': 'trainees_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['id'], name='notification_pending'), models.Index(fields=['status', 'not_before'], name='notification_outbox'), models.Index(fields=['recipient', 'read_at'], name='notification_unread')],
                        'constraints': [models.UniqueConstraint(fields=('recipient', 'kind', 'subject', 'occasion'), name='notification_unique_key')],
                    },
                ),
                migrations.CreateModel(
                    name='NotificationPreference',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=40, verbose_name='kind')),
                        ('in_app', models.BooleanField(default=True, verbose_name='in the app')),
                        ('email', models.CharField(choices=[('immediate', 'Each time'), ('digest', 'Daily digest'), ('off', 'Off')], default='immediate', max_length=12, verbose_name='e-mail')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preferences', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'notification preference',
                        'verbose_name_plural': 'notification preferences',
                        'db_table': 'trainees_notificationpreference',
                        'constraints': [models.UniqueConstraint(fields=('user', 'kind'), name='notification_pref_unique')],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
