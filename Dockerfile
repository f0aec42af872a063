FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_SETTINGS_MODULE=lms.settings.local python manage.py collectstatic --noinput -v0
RUN useradd --create-home lms && mkdir -p /app/media && chown -R lms /app/media
USER lms
EXPOSE 8000
