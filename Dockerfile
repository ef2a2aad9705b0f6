# Multi-stage build: compile in the Rust image, run from a slim Debian with only the binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY sql ./sql
RUN cargo build --release --locked --bin tessera

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /nonexistent tessera
COPY --from=build /src/target/release/tessera /usr/local/bin/tessera
COPY seeds /usr/share/tessera/seeds
USER tessera
ENV BIND_ADDR=0.0.0.0:8080
EXPOSE 8080
# DATABASE_URL must be set: the embedded PostgreSQL default is for development machines.
ENTRYPOINT ["tessera"]
CMD ["serve"]
