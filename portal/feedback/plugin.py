"""How customer feedback plugs into the portal."""

from portal.core.domains import Domain, NavItem, PersonalDataHandler
from portal.core.tasks import Periodic, crontab
from portal.feedback import labels
from portal.feedback.cli import feedback_cli
from portal.feedback.demo import seed_feedback
from portal.feedback.periodic import (
    analyse_new_answers,
    queue_last_months_reports,
    remind_about_follow_ups,
    survey_participants_of_ended_activities,
)
from portal.feedback.services.privacy import erase_personal_data, export_personal_data
from portal.feedback.views import bp

DOMAIN = Domain(
    name="feedback",
    blueprints=(bp,),
    cli_commands=(feedback_cli,),
    navigation=(
        NavItem("feedback.results", labels.NAV_FEEDBACK, position=55),
        NavItem("feedback.handle", labels.NAV_HANDLING, "feedback.handle", 120),
        NavItem("feedback.report", labels.NAV_REPORTS, "feedback.report", 125),
    ),
    seed_demo=seed_feedback,
    periodic_tasks=(
        Periodic("feedback.follow_up_reminders", crontab(minute="15"), remind_about_follow_ups),
        Periodic(
            "feedback.monthly_reports",
            crontab(day="1", hour="5", minute="20"),
            queue_last_months_reports,
        ),
        Periodic("feedback.analyse_answers", crontab(minute="*/5"), analyse_new_answers),
        Periodic(
            "feedback.participation_surveys",
            crontab(hour="9", minute="30"),
            survey_participants_of_ended_activities,
        ),
    ),
    personal_data=(
        PersonalDataHandler("feedback", export=export_personal_data, erase=erase_personal_data),
    ),
)
