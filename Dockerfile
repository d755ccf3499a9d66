# Builds the `sigmaris` binary and runs it on a slim Debian with the same system libraries.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        pkg-config libpq-dev libssl-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product sigmaris --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/sigmaris" /out/sigmaris

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpq5 libssl3 libcurl4 ca-certificates libjs-chart.js tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app sigmaris
WORKDIR /app
COPY --from=build /out/sigmaris /usr/local/bin/sigmaris
COPY sql ./sql
COPY Public ./Public
USER sigmaris
ENV HOST=0.0.0.0 PORT=8000 SIGMARIS_MIGRATIONS_DIR=/app/sql SIGMARIS_PUBLIC_DIR=/app/Public
EXPOSE 8000
ENTRYPOINT ["sigmaris"]
CMD ["serve"]
