app_name = "courses"
urlpatterns: list = []
