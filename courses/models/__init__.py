from courses.models.content import Course
from courses.models.plans import TrainingPlan
from courses.models.reference import Category, Competency, Method, ReferenceItem, Track

__all__ = ["Category", "Competency", "Course", "Method", "ReferenceItem", "Track", "TrainingPlan"]
