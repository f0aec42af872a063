from courses.models.content import Course, Lesson, Module, ModuleItem
from courses.models.plans import TrainingPlan
from courses.models.reference import Category, Competency, Method, ReferenceItem, Track

__all__ = [
    "Category",
    "Competency",
    "Course",
    "Lesson",
    "Method",
    "Module",
    "ModuleItem",
    "ReferenceItem",
    "Track",
    "TrainingPlan",
]
