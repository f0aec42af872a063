from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class _StrictPageSize:
    """`page_size` must be a positive whole number when given (a clear 400, not a silent default)."""

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if raw:
            value = raw[-1]
            if not value.isdigit() or int(value) < 1:
                raise ValidationError({self.page_size_query_param: [_("Enter a whole number of at least 1.")]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
                parameter["description"] = f"Rows per page, at least 1; values above {self.max_page_size} are capped."
            if parameter["name"] == getattr(self, "page_query_param", None):
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters


class PageNumberPagination(_StrictPageSize, pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        """`page` must be a whole number of at least 1 when given (DRF took an empty value as page 1)."""
        raw = request.query_params.getlist(self.page_query_param)
        if raw and not (raw[-1].isdigit() and int(raw[-1]) >= 1):
            raise ValidationError({self.page_query_param: [_("Enter a whole number of at least 1.")]})
        return super().get_page_number(request, paginator)


class CursorPagination(_StrictPageSize, pagination.CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"
