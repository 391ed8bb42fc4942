# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY adapters ./adapters
COPY contracts ./contracts
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 ocpi && mkdir /data && chown ocpi /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER ocpi
WORKDIR /data
VOLUME /data
ENV OCPI_HUB_DATABASE_URL=sqlite:////data/ocpi-hub.db
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["ocpi-hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
