"""Factories for courses, lessons and enrollments (issue 4)."""

import factory
from factory.django import DjangoModelFactory

from courses.models import Course, Lesson, Module, ModuleItem


class CourseFactory(DjangoModelFactory):
    class Meta:
        model = Course
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"课程{n}")
    status = Course.Status.PUBLISHED
    estimated_minutes = 30

    @factory.post_generation
    def owners(self, create, extracted, **kwargs):
        if create and extracted:
            self.owners.add(*extracted)


class LessonFactory(DjangoModelFactory):
    class Meta:
        model = Lesson

    title = factory.Sequence(lambda n: f"课时{n}")
    kind = Lesson.Kind.TEXT
    body = "<p>内容</p>"


class ModuleFactory(DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"章节{n}")
    order = factory.Sequence(lambda n: n)


def add_lesson(course: Course, lesson: Lesson | None = None, module: Module | None = None, **kwargs) -> ModuleItem:
    module = module or course.modules.order_by("order").first() or ModuleFactory(course=course)
    lesson = lesson or LessonFactory(**kwargs)
    return ModuleItem.objects.create(course=course, module=module, lesson=lesson, order=module.items.count() + 1)


def course_with_lessons(n: int = 3, owners=(), **kwargs) -> Course:
    course = CourseFactory(owners=list(owners), **kwargs)
    module = ModuleFactory(course=course)
    for _ in range(n):
        add_lesson(course, module=module)
    return course
