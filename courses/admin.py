from django.contrib import admin

from courses.models import Category, Competency, Method, Track


@admin.register(Category, Competency, Track)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "order")
    ordering = ("order",)


@admin.register(Method)
class MethodAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "order")
    ordering = ("order",)
