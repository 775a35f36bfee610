# One image for every Sanctuary service; the compose file picks the service with its command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml ./
COPY shared ./shared
COPY services ./services
COPY sanctuary ./sanctuary
COPY config ./config
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app sanctuary \
    && mkdir -p /app/var /keys /public-keys \
    && chown sanctuary /app/var /keys /public-keys

USER sanctuary
ENV SANCTUARY_SIGNING_KEYS=/keys \
    SANCTUARY_LOG_JSON=true
# Overridden per service in docker-compose.yml.
CMD ["python", "-m", "services.referral"]
