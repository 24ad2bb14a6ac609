# Duk: one uvicorn process serving FastAPI, as the non-root user `duk`.
# SQLite in /data by default; set DUK_DATABASE_URL to a PostgreSQL URL for production, and
# DUK_SECRET_KEY to a random value of 32+ characters (the image refuses to start without it).

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /build
RUN python -m venv /opt/duk
# Exactly the pinned packages, each checked against its hash (requirements/prod.lock, made by
# `make lock`), then Duk itself with nothing more.
COPY requirements/prod.lock ./
RUN /opt/duk/bin/pip install --require-hashes -r prod.lock
COPY . ./src/
# The gettext catalogs of both domains are compiled here (.mo files are not in git) so the
# package ships them.
RUN /opt/duk/bin/pybabel compile -D "messages family" -d ./src/app/locale \
    && /opt/duk/bin/pip install --no-deps ./src

FROM python:3.11-slim
# WeasyPrint (PDF export) needs Pango and a font at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-hosny-amiri \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --shell /usr/sbin/nologin duk \
    && mkdir /data \
    && chown duk:duk /data
COPY --from=build /opt/duk /opt/duk
# The data the installed package reads at run time: migrations, canvas templates, catalogue.
COPY alembic.ini /opt/duk-home/alembic.ini
COPY migrations /opt/duk-home/migrations
COPY canvas_templates /opt/duk-home/canvas_templates
COPY catalogue /opt/duk-home/catalogue
ENV PATH=/opt/duk/bin:$PATH \
    DUK_HOME=/opt/duk-home \
    DUK_ENV=production \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DUK_DATABASE_URL=sqlite:////data/duk.db
USER duk
WORKDIR /home/duk
VOLUME /data
EXPOSE 8000
CMD ["sh", "-c", "duk init && duk serve --host 0.0.0.0 --port 8000"]
