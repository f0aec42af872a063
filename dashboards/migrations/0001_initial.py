"""dashboards/ takes over its models from trainees/ (the layering of the apps): the tables stay and no row moves.

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
APP = "dashboards"
MODELS = ['personstats', 'teamstats', 'teamsnapshot', 'personcategoryscore', 'nudge', 'coursestats', 'teamplanstats', 'teamcoursestats', 'ownerstats', 'ownersnapshot']
OLD_TASKS, NEW_TASKS = "trainees.dashboards.tasks.", "dashboards.tasks."


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
                    name='CourseStats',
                    fields=[
                        ('course', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='stats', serialize=False, to='courses.course', verbose_name='course')),
                        ('enrollments', models.PositiveIntegerField(default=0, verbose_name='enrollments')),
                        ('completed', models.PositiveIntegerField(default=0, verbose_name='completed')),
                        ('overdue', models.PositiveIntegerField(default=0, verbose_name='overdue')),
                        ('progress_sum', models.PositiveBigIntegerField(default=0)),
                        ('refreshed_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name': 'course figures',
                        'verbose_name_plural': 'course figures',
                        'db_table': 'trainees_coursestats',
                    },
                ),
                migrations.CreateModel(
                    name='TeamStats',
                    fields=[
                        ('enrollments', models.PositiveIntegerField(default=0, verbose_name='enrollments')),
                        ('completed', models.PositiveIntegerField(default=0, verbose_name='completed')),
                        ('overdue', models.PositiveIntegerField(default=0, verbose_name='overdue')),
                        ('progress_sum', models.PositiveBigIntegerField(default=0)),
                        ('certs_valid', models.PositiveIntegerField(default=0, verbose_name='valid certificates')),
                        ('certs_expiring', models.PositiveIntegerField(default=0, verbose_name='certificates expiring in 30 days')),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='quiz attempts')),
                        ('passed', models.PositiveIntegerField(default=0, verbose_name='quiz attempts passed')),
                        ('score_sum', models.FloatField(default=0)),
                        ('team', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='stats', serialize=False, to='trainees.team', verbose_name='team')),
                        ('people', models.PositiveIntegerField(default=0, verbose_name='people')),
                        ('overdue_people', models.PositiveIntegerField(default=0, verbose_name='people overdue')),
                        ('score_bins', models.JSONField(blank=True, default=list)),
                        ('areas', models.JSONField(blank=True, default=dict)),
                        ('expiring', models.JSONField(blank=True, default=list)),
                        ('refreshed_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'verbose_name': 'team figures',
                        'verbose_name_plural': 'team figures',
                        'db_table': 'trainees_teamstats',
                    },
                ),
                migrations.CreateModel(
                    name='OwnerSnapshot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('people', models.PositiveIntegerField(default=0)),
                        ('enrollments', models.PositiveIntegerField(default=0)),
                        ('completed', models.PositiveIntegerField(default=0)),
                        ('overdue', models.PositiveIntegerField(default=0)),
                        ('progress_sum', models.PositiveBigIntegerField(default=0)),
                        ('certs_valid', models.PositiveIntegerField(default=0)),
                        ('certs_expiring', models.PositiveIntegerField(default=0)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('passed', models.PositiveIntegerField(default=0)),
                        ('score_sum', models.FloatField(default=0)),
                        ('owner_key', models.PositiveBigIntegerField()),
                        ('day', models.DateField(verbose_name='day')),
                    ],
                    options={
                        'verbose_name': 'daily trainer snapshot',
                        'verbose_name_plural': 'daily trainer snapshots',
                        'db_table': 'trainees_ownersnapshot',
                        'ordering': ['owner_key', 'day'],
                        'constraints': [models.UniqueConstraint(fields=('owner_key', 'day'), name='ownersnapshot_once_per_day')],
                    },
                ),
                migrations.CreateModel(
                    name='OwnerStats',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('enrollments', models.PositiveIntegerField(default=0, verbose_name='enrollments')),
                        ('completed', models.PositiveIntegerField(default=0, verbose_name='completed')),
                        ('overdue', models.PositiveIntegerField(default=0, verbose_name='overdue')),
                        ('progress_sum', models.PositiveBigIntegerField(default=0)),
                        ('certs_valid', models.PositiveIntegerField(default=0, verbose_name='valid certificates')),
                        ('certs_expiring', models.PositiveIntegerField(default=0, verbose_name='certificates expiring in 30 days')),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='quiz attempts')),
                        ('passed', models.PositiveIntegerField(default=0, verbose_name='quiz attempts passed')),
                        ('score_sum', models.FloatField(default=0)),
                        ('owner_key', models.PositiveBigIntegerField(unique=True)),
                        ('courses', models.PositiveIntegerField(default=0, verbose_name='courses')),
                        ('plans', models.PositiveIntegerField(default=0, verbose_name='training plans')),
                        ('people', models.PositiveIntegerField(default=0, verbose_name='people')),
                        ('score_bins', models.JSONField(blank=True, default=list)),
                        ('areas', models.JSONField(blank=True, default=list)),
                        ('refreshed_at', models.DateTimeField(auto_now=True)),
                        ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                    ],
                    options={
                        'verbose_name': 'trainer figures',
                        'verbose_name_plural': 'trainer figures',
                        'db_table': 'trainees_ownerstats',
                    },
                ),
                migrations.CreateModel(
                    name='Nudge',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(verbose_name='day')),
                        ('overdue', models.PositiveIntegerField(default=0, verbose_name='overdue items')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='sent by')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                    ],
                    options={
                        'verbose_name': 'nudge',
                        'verbose_name_plural': 'nudges',
                        'db_table': 'trainees_nudge',
                        'constraints': [models.UniqueConstraint(fields=('user', 'day'), name='nudge_once_per_day')],
                    },
                ),
                migrations.CreateModel(
                    name='PersonCategoryScore',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('score_sum', models.FloatField(default=0)),
                        ('category', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='courses.category', verbose_name='category')),
                        ('competency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='courses.competency', verbose_name='competency')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='category_scores', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                    ],
                    options={
                        'verbose_name': 'category score',
                        'verbose_name_plural': 'category scores',
                        'db_table': 'trainees_personcategoryscore',
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('category__isnull', False), ('competency__isnull', True)), models.Q(('category__isnull', True), ('competency__isnull', False)), _connector='OR'), name='personcategoryscore_category_xor_competency'), models.UniqueConstraint(condition=models.Q(('category__isnull', False)), fields=('user', 'category'), name='pcs_once_per_category'), models.UniqueConstraint(condition=models.Q(('competency__isnull', False)), fields=('user', 'competency'), name='pcs_once_per_competency')],
                    },
                ),
                migrations.CreateModel(
                    name='PersonStats',
                    fields=[
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='stats', serialize=False, to=settings.AUTH_USER_MODEL, verbose_name='person')),
                        ('is_active', models.BooleanField(default=True)),
                        ('enrollments', models.PositiveIntegerField(default=0, verbose_name='enrollments')),
                        ('completed', models.PositiveIntegerField(default=0, verbose_name='completed')),
                        ('overdue', models.PositiveIntegerField(default=0, verbose_name='overdue')),
                        ('progress_sum', models.PositiveIntegerField(default=0)),
                        ('avg_progress', models.FloatField(default=0, verbose_name='average progress')),
                        ('certs_valid', models.PositiveIntegerField(default=0, verbose_name='valid certificates')),
                        ('certs_expiring', models.PositiveIntegerField(default=0, verbose_name='certificates expiring in 30 days')),
                        ('last_activity_at', models.DateTimeField(blank=True, null=True, verbose_name='last activity')),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='quiz attempts')),
                        ('passed', models.PositiveIntegerField(default=0, verbose_name='quiz attempts passed')),
                        ('score_sum', models.FloatField(default=0)),
                        ('avg_score', models.FloatField(blank=True, null=True, verbose_name='average score')),
                        ('refreshed_at', models.DateTimeField(auto_now=True)),
                        ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='trainees.team', verbose_name='team')),
                    ],
                    options={
                        'verbose_name': 'person figures',
                        'verbose_name_plural': 'person figures',
                        'db_table': 'trainees_personstats',
                        'indexes': [models.Index(fields=['team', 'is_active'], name='personstats_team_idx'), models.Index(fields=['-overdue', '-user'], name='personstats_overdue_idx'), models.Index(fields=['-certs_expiring', '-user'], name='personstats_expiring_idx'), models.Index(fields=['avg_progress', 'user'], name='personstats_progress_idx'), models.Index(condition=models.Q(('avg_score__isnull', False)), fields=['avg_score', 'user'], name='personstats_lowest_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='TeamCourseStats',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('enrollments', models.PositiveIntegerField(default=0, verbose_name='people enrolled')),
                        ('completed', models.PositiveIntegerField(default=0, verbose_name='completed')),
                        ('overdue', models.PositiveIntegerField(default=0, verbose_name='overdue')),
                        ('progress_sum', models.PositiveBigIntegerField(default=0)),
                        ('completion', models.FloatField(default=0, verbose_name='completion rate')),
                        ('refreshed_at', models.DateTimeField(auto_now=True)),
                        ('course', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='courses.course', verbose_name='course')),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='trainees.team', verbose_name='team')),
                    ],
                    options={
                        'verbose_name': 'team course figures',
                        'verbose_name_plural': 'team course figures',
                        'db_table': 'trainees_teamcoursestats',
                        'indexes': [models.Index(fields=['team', 'completion', 'course'], name='teamcoursestats_completion_idx')],
                        'constraints': [models.UniqueConstraint(fields=('team', 'course'), name='teamcoursestats_once_per_team')],
                    },
                ),
                migrations.CreateModel(
                    name='TeamPlanStats',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('participants', models.PositiveIntegerField(default=0, verbose_name='participants')),
                        ('courses', models.PositiveIntegerField(default=0, verbose_name='linked courses')),
                        ('expected', models.PositiveIntegerField(default=0)),
                        ('completed', models.PositiveIntegerField(default=0, verbose_name='completed')),
                        ('overdue', models.PositiveIntegerField(default=0, verbose_name='overdue')),
                        ('progress_sum', models.PositiveBigIntegerField(default=0)),
                        ('completion', models.FloatField(default=0, verbose_name='completion rate')),
                        ('exam_takers', models.PositiveIntegerField(default=0, verbose_name='exam takers')),
                        ('exam_passed', models.PositiveIntegerField(default=0, verbose_name='exam passed')),
                        ('exam_score_sum', models.FloatField(default=0)),
                        ('refreshed_at', models.DateTimeField(auto_now=True)),
                        ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='courses.trainingplan', verbose_name='training plan')),
                        ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='trainees.team', verbose_name='team')),
                    ],
                    options={
                        'verbose_name': 'plan figures',
                        'verbose_name_plural': 'plan figures',
                        'db_table': 'trainees_teamplanstats',
                        'indexes': [models.Index(fields=['team', 'completion', 'plan'], name='teamplanstats_completion_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('team__isnull', False)), fields=('team', 'plan'), name='teamplanstats_once_per_team'), models.UniqueConstraint(condition=models.Q(('team__isnull', True)), fields=('plan',), name='teamplanstats_once_overall')],
                    },
                ),
                migrations.CreateModel(
                    name='TeamSnapshot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('people', models.PositiveIntegerField(default=0)),
                        ('enrollments', models.PositiveIntegerField(default=0)),
                        ('completed', models.PositiveIntegerField(default=0)),
                        ('overdue', models.PositiveIntegerField(default=0)),
                        ('progress_sum', models.PositiveBigIntegerField(default=0)),
                        ('certs_valid', models.PositiveIntegerField(default=0)),
                        ('certs_expiring', models.PositiveIntegerField(default=0)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('passed', models.PositiveIntegerField(default=0)),
                        ('score_sum', models.FloatField(default=0)),
                        ('week', models.DateField(verbose_name='week')),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='snapshots', to='trainees.team', verbose_name='team')),
                    ],
                    options={
                        'verbose_name': 'weekly team snapshot',
                        'verbose_name_plural': 'weekly team snapshots',
                        'db_table': 'trainees_teamsnapshot',
                        'ordering': ['team', 'week'],
                        'constraints': [models.UniqueConstraint(fields=('team', 'week'), name='teamsnapshot_once_per_week')],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
