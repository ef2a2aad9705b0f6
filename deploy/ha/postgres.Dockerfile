# PostgreSQL 15 with pg_auto_failover, both from Debian 12's packages: the monitor and every
# database node of the highly available example run this image.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 postgresql-15-auto-failover \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/pgaf && chown postgres: /var/lib/pgaf
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    XDG_CONFIG_HOME=/var/lib/pgaf/config \
    XDG_DATA_HOME=/var/lib/pgaf/data
USER postgres
WORKDIR /var/lib/pgaf
ENTRYPOINT ["pg_autoctl"]
