# One image for the web service, the arq worker and the migration step. It runs the built wheel
# (migrations inside it), installed plainly: no source checkout in the image.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/storeokr

FROM base AS wheel
COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM base
# Dependencies first, from the pinned constraints, so code changes reuse this layer.
COPY pyproject.toml constraints.txt README.md ./
RUN mkdir app && touch app/__init__.py \
    && pip install -c constraints.txt . \
    && pip uninstall -y storeokr && rm -rf app pyproject.toml README.md

COPY --from=wheel /wheels /wheels
RUN pip install --no-deps /wheels/storeokr-*.whl && rm -rf /wheels constraints.txt \
    && useradd --system --uid 10001 --home-dir /srv/storeokr storeokr \
    && mkdir -p var && chown storeokr var

USER storeokr
ENV STOREOKR_ENV=production
EXPOSE 8000
# No HEALTHCHECK here: the web service and the worker check different things, so each compose
# service declares its own (compose.yaml).
CMD ["storeokr", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
