# One image for the web service, the arq worker and the migration step.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/storeokr

# Dependencies first, from the pinned constraints, so code changes reuse this layer.
COPY pyproject.toml constraints.txt README.md ./
RUN mkdir app && touch app/__init__.py \
    && pip install -c constraints.txt . \
    && pip uninstall -y storeokr && rm -rf app

COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
# Editable, so that `storeokr migrate` finds migrations/ beside the package.
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /srv/storeokr storeokr \
    && mkdir -p var && chown storeokr var

USER storeokr
ENV STOREOKR_ENV=production
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["storeokr", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
