# The Kundencenter image: gunicorn serves the web app; the same image runs the Celery
# worker and beat (see docker-compose.yml). Configuration comes from the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/app --uid 10001 app

WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .
# Static files and translations are built into the image (the key only lets settings load);
# uploaded ticket attachments go to /app/media, a volume.
RUN DJANGO_SECRET_KEY=image-build-only python manage.py collectstatic --noinput \
    && DJANGO_SECRET_KEY=image-build-only python manage.py compilemessages \
    && mkdir -p /app/media && chown app:app /app/media

USER app
EXPOSE 8000
CMD ["gunicorn", "customercenter.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
