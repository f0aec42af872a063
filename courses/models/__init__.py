from courses.models.content import Course, Lesson, Module, ModuleItem, RichTextImage
from courses.models.plans import Objective, PlanChange, Session, TrainingPlan
from courses.models.reference import Category, Competency, Method, ReferenceItem, Track

__all__ = [
    "Category",
    "Competency",
    "Course",
    "Lesson",
    "Method",
    "Module",
    "ModuleItem",
    "Objective",
    "PlanChange",
    "ReferenceItem",
    "RichTextImage",
    "Session",
    "Track",
    "TrainingPlan",
]
