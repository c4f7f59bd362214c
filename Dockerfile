# The PAIR Evidence Assistant as a container image: `docker compose up` (see compose.yaml
# and the README's "Containers" section) or `docker build -t pair-assistant .`.
#
# Stage "build" installs the packages (a CPU-only torch first, so sentence-transformers
# does not pull a CUDA build) and builds the index from the corpus with the packaged model,
# offline. Stage "runtime" copies the virtual environment and the source tree with its
# built index, and runs `pair-assistant serve` as an unprivileged user.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG TORCH_SPEC=torch==2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
RUN pip install --upgrade pip && pip install "${TORCH_SPEC}" --index-url "${TORCH_INDEX}"
COPY pyproject.toml README.md ./
COPY assistant ./assistant
RUN pip install -e .
COPY templates ./templates
COPY corpus ./corpus
COPY eval ./eval
COPY index/README.md ./index/README.md
# The index is built here, once; the image serves it read-only (PAIR_AUTO_REBUILD=false).
RUN pair-assistant index build && pair-assistant index verify

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 pair \
    && useradd --system --uid 10001 --gid pair --home-dir /app --shell /usr/sbin/nologin pair \
    && mkdir -p /var/lib/pair-assistant \
    && chown pair:pair /var/lib/pair-assistant
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    PAIR_HOST=0.0.0.0 \
    PAIR_PORT=8000 \
    PAIR_AUTO_REBUILD=false \
    PAIR_INSTANCE_DIR=/var/lib/pair-assistant \
    PAIR_LOG_FORMAT=json
WORKDIR /app
USER pair
VOLUME ["/var/lib/pair-assistant"]
EXPOSE 8000
# /healthz from inside the container, under the first trusted host name if any are set.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, sys, urllib.request as r; host = os.environ.get('PAIR_TRUSTED_HOSTS', '').split(',')[0].strip(); url = 'http://127.0.0.1:%s/healthz' % os.environ.get('PAIR_PORT', '8000'); sys.exit(0 if r.urlopen(r.Request(url, headers={'Host': host} if host else {}), timeout=5).status == 200 else 1)"
CMD ["pair-assistant", "serve"]
