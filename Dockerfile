# pipebot in HTTP mode: `docker build -t pipebot .`, then run it with the environment of
# README.md (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, DATABASE_URL, …). docker-compose.yml is an
# example with PostgreSQL and two replicas. Other commands: `docker run --rm pipebot db upgrade`.

FROM python:3.12-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY handlers/ handlers/
COPY jobs/ jobs/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --system --gid 10001 pipebot \
    && useradd --system --uid 10001 --gid pipebot --home-dir /var/lib/pipebot \
       --create-home --shell /usr/sbin/nologin pipebot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels

# The pipebot user created above, by number so runtimes can tell it is not root.
USER 10001:10001
WORKDIR /var/lib/pipebot
# The default SQLite database and pipeline.toml live here; mount a volume to keep them.
ENV PIPEBOT_HOME=/var/lib/pipebot \
    PORT=3000
VOLUME ["/var/lib/pipebot"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
ENTRYPOINT ["pipebot"]
CMD ["run", "--mode", "http"]
