# Multi-stage build: the web UI in Node, the service in Rust, and a slim Debian image that
# holds only the binary, the built UI and the sample seeds, run by a non-root user.
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web ./
RUN npm run build

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY sql ./sql
# Cargo.toml names the benchmark target; the build needs its files to read the manifest.
COPY benches ./benches
RUN cargo build --release --locked --bin tessera

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /nonexistent tessera
COPY --from=build /src/target/release/tessera /usr/local/bin/tessera
COPY --from=web /web/dist /usr/share/tessera/web
COPY seeds /usr/share/tessera/seeds
USER tessera
ENV BIND_ADDR=0.0.0.0:8080 \
    WEB_DIR=/usr/share/tessera/web \
    LOG_FORMAT=json
EXPOSE 8080
# DATABASE_URL must be set: the embedded PostgreSQL default is for development machines.
ENTRYPOINT ["tessera"]
CMD ["serve"]
