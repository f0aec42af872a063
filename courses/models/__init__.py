from courses.models.content import Course
from courses.models.plans import Objective, PlanChange, Session, TrainingPlan
from courses.models.reference import Category, Competency, Method, ReferenceItem, Track

__all__ = [
    "Category",
    "Competency",
    "Course",
    "Method",
    "Objective",
    "PlanChange",
    "ReferenceItem",
    "Session",
    "Track",
    "TrainingPlan",
]
