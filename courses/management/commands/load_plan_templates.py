from django.core.management.base import BaseCommand

from courses import plan_demo


class Command(BaseCommand):
    help = "Create the three shipped training plan templates if they are missing (idempotent; edited ones are kept)."

    def handle(self, *args, **options):
        plans = plan_demo.seed_templates()
        for plan in plans:
            self.stdout.write(f"{plan.pk}: {plan.title}")
