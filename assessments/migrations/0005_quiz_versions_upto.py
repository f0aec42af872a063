from django.db import migrations, models
from django.db.models import Max


def pin_published(apps, schema_editor):
    """Published quizzes keep what they give today: the versions current now."""
    QuestionVersion = apps.get_model("assessments", "QuestionVersion")
    Quiz = apps.get_model("assessments", "Quiz")
    upto = QuestionVersion.objects.aggregate(m=Max("id"))["m"]
    if upto is not None:
        Quiz.objects.filter(status="published").update(versions_upto=upto)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0004_attempt_waiting_grading_index")]

    operations = [
        migrations.AddField(
            model_name="quiz",
            name="versions_upto",
            field=models.PositiveBigIntegerField(
                blank=True, editable=False, null=True, verbose_name="question versions up to"
            ),
        ),
        migrations.RunPython(pin_published, migrations.RunPython.noop),
    ]
