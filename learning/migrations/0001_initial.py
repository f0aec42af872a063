"""learning/ takes over its models from trainees/ (the layering of the apps): the tables stay and no row moves.

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
APP = "learning"
MODELS = ['enrollment', 'lessonprogress', 'certificate', 'calendarfeed']
OLD_TASKS, NEW_TASKS = "trainees.tasks.", "learning.tasks."


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


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor)


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, backwards=True)


class Migration(migrations.Migration):

    initial = True
    dependencies = [
        ('trainees', '0016_hand_over_models'),
        ('lms', '0003_deferred_task'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('courses', '0006_certificate_validity_range'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='CalendarFeed',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token', models.CharField(max_length=64, unique=True)),
                        ('created_at', models.DateTimeField(auto_now=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='calendar_feed', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                    ],
                    options={
                        'verbose_name': 'calendar feed',
                        'verbose_name_plural': 'calendar feeds',
                        'db_table': 'trainees_calendarfeed',
                    },
                ),
                migrations.CreateModel(
                    name='Enrollment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('due_date', models.DateField(blank=True, null=True, verbose_name='due date')),
                        ('status', models.CharField(choices=[('not_started', 'Not started'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('overdue', 'Overdue')], default='not_started', max_length=20, verbose_name='status')),
                        ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='progress (%)')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='enrolled at')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                        ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='completed at')),
                        ('last_activity_at', models.DateTimeField(blank=True, null=True, verbose_name='last activity')),
                        ('unenrolled_at', models.DateTimeField(blank=True, null=True, verbose_name='unenrolled at')),
                        ('course', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='enrollments', to='courses.course', verbose_name='course')),
                        ('enrolled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='enrolled by')),
                        ('last_lesson', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='courses.lesson', verbose_name='last lesson')),
                        ('plan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='enrollments', to='courses.trainingplan', verbose_name='training plan')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='enrollments', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                        ('via_plan', models.ForeignKey(blank=True, help_text='Set when a plan enrollment created this course enrollment.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='courses.trainingplan', verbose_name='through plan')),
                    ],
                    options={
                        'verbose_name': 'enrollment',
                        'verbose_name_plural': 'enrollments',
                        'db_table': 'trainees_enrollment',
                        'ordering': ['due_date', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Certificate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=32, unique=True, verbose_name='verification code')),
                        ('holder_name', models.CharField(max_length=150, verbose_name='name')),
                        ('course_title', models.CharField(max_length=200, verbose_name='course')),
                        ('issued_at', models.DateTimeField(verbose_name='issued at')),
                        ('expires_on', models.DateField(blank=True, null=True, verbose_name='valid until')),
                        ('course', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='certificates', to='courses.course', verbose_name='course')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='certificates', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                        ('enrollment', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='certificate', to='learning.enrollment', verbose_name='enrollment')),
                    ],
                    options={
                        'verbose_name': 'certificate',
                        'verbose_name_plural': 'certificates',
                        'db_table': 'trainees_certificate',
                        'ordering': ['-issued_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='LessonProgress',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seconds_watched', models.PositiveIntegerField(default=0, verbose_name='seconds watched')),
                        ('duration_seconds', models.PositiveIntegerField(blank=True, null=True, verbose_name='video length (seconds)')),
                        ('last_position', models.PositiveIntegerField(default=0, verbose_name='last position (seconds)')),
                        ('last_heartbeat_at', models.DateTimeField(blank=True, null=True)),
                        ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='completed at')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('lesson', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='progress', to='courses.lesson', verbose_name='lesson')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lesson_progress', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                    ],
                    options={
                        'verbose_name': 'lesson progress',
                        'verbose_name_plural': 'lesson progress',
                        'db_table': 'trainees_lessonprogress',
                    },
                ),
                migrations.AddIndex(
                    model_name='enrollment',
                    index=models.Index(fields=['user', 'unenrolled_at', 'due_date'], name='enrollment_my_learning_idx'),
                ),
                migrations.AddConstraint(
                    model_name='enrollment',
                    constraint=models.UniqueConstraint(condition=models.Q(('course__isnull', False)), fields=('user', 'course'), name='enrollment_once_per_course'),
                ),
                migrations.AddConstraint(
                    model_name='enrollment',
                    constraint=models.UniqueConstraint(condition=models.Q(('plan__isnull', False)), fields=('user', 'plan'), name='enrollment_once_per_plan'),
                ),
                migrations.AddConstraint(
                    model_name='enrollment',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('course__isnull', False), ('plan__isnull', True)), models.Q(('course__isnull', True), ('plan__isnull', False)), _connector='OR'), name='enrollment_course_xor_plan'),
                ),
                migrations.AddConstraint(
                    model_name='enrollment',
                    constraint=models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='enrollment_progress_le_100'),
                ),
                migrations.AddConstraint(
                    model_name='lessonprogress',
                    constraint=models.UniqueConstraint(fields=('user', 'lesson'), name='lessonprogress_once_per_lesson'),
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
