# The bot in a container: `docker compose up -d` (compose.yaml), or
#   docker build -t daily-ai-insights . && docker run --env-file .env -v digest-data:/data daily-ai-insights
# See docs/deploy.md. The database lives on the /data volume; the process runs as a non-root user.
ARG PYTHON_IMAGE=python:3.12-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    DIGEST_DB=/data/digest.db \
    DIGEST_OUT=/data/out \
    DIGEST_HEALTH_PORT=8080

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin digest \
    && mkdir -p /data && chown digest:digest /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY digest ./digest
COPY bot ./bot
RUN pip install .

USER digest
VOLUME ["/data"]
# /healthz (every mode) and Slack HTTP mode (python -m bot slack --http, or PORT)
EXPOSE 8080 3000

HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot.health"]

# exec form: python is PID 1 and gets SIGTERM itself (shutdown within 10 s, docker's grace)
ENTRYPOINT ["python", "-m", "bot"]
CMD []
