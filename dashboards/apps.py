from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from lms.roles import MANAGER, TRAINER


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")
    nav_items = (
        {"label": _("Dashboard"), "url": "dashboards:home", "roles": (MANAGER,), "order": 5, "group": "managing"},
        {
            "label": _("Course completion"),
            "url": "dashboards:courses",
            "roles": (TRAINER,),
            "order": 55,
            "group": "managing",
        },
    )

    def ready(self) -> None:
        from assessments import hooks as assessments_hooks
        from courses import hooks as courses_hooks
        from dashboards import selectors, services
        from dashboards import todo as dashboards_todo
        from learning import hooks as learning_hooks
        from practice import hooks as practice_hooks

        # The precomputed figures follow what happens below (each refresh runs after the commit).
        learning_hooks.progress_changed.register(services.stats_people_changed)
        learning_hooks.overdue_marked.register(services.stats_repair)
        courses_hooks.plan_figures_changed.register(services.stats_plans_changed)
        assessments_hooks.plan_exam_changed.register(services.stats_plans_changed)
        assessments_hooks.attempt_recorded.register(services.dashboards_record_attempt)
        practice_hooks.session_scored.register(services.dashboards_record_practice)
        # The plan page shows its participants' progress to those who may see it.
        courses_hooks.plan_page_context.register(selectors.plan_page_participants)
        # What this app adds to the home's to-do list.
        dashboards_todo.register()
