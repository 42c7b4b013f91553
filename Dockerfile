# syntax=docker/dockerfile:1
#
# alert-delivery as a container: a Debian build stage, then a slim runtime
# with the shared libraries only, running as an unprivileged user.
#
#   docker build -t alert-delivery .
#   docker volume create alert-delivery
#   docker run -d --name alert-delivery -p 9095:9095 --stop-timeout 15 \
#     -v alert-delivery:/var/lib/alert-delivery \
#     -e ALERT_DELIVERY_WEBHOOK_TOKEN=... -e ALERT_DELIVERY_ADMIN_TOKEN=... \
#     -e SLACK_BOT_TOKEN=xoxb-... alert-delivery
#   docker run --rm -e ... alert-delivery check --online
#
# The config is contrib/docker/alert-delivery.yaml (listen 0.0.0.0:9095,
# everything else from the environment); mount another one over
# /etc/alert-delivery/alert-delivery.yaml to change more. SIGTERM gives
# Slack calls in flight up to 10 s, hence --stop-timeout 15 (Docker's
# default is 10 s). Keep the volume: it holds the database and the outbox.

ARG DEBIAN_RELEASE=bookworm

FROM debian:${DEBIAN_RELEASE} AS build
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential autoconf automake pkg-config \
      libevent-dev libjansson-dev libcurl4-openssl-dev libsqlite3-dev \
      libpcre2-dev libyaml-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN autoreconf -fi
# A separate build folder, so that a tree configured on the host (kept out
# by .dockerignore anyway) cannot get in the way. make install puts the
# binary, the default rules and the reference templates under /out.
WORKDIR /build
RUN /src/configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
      CFLAGS="-O2 -g" \
 && make -j"$(nproc)" \
 && make install-strip DESTDIR=/out \
 && /out/usr/bin/alert-delivery version

FROM debian:${DEBIAN_RELEASE}-slim
# The runtime libraries of the -dev packages above (libcurl4 brings its own
# dependencies) and CA certificates for https://slack.com. curl is for the
# HEALTHCHECK: the relay has no health subcommand, and curl costs about
# 300 KiB here because libcurl4 is needed anyway; a bash /dev/tcp probe
# would save that but cannot tell a 200 from a 500 reliably.
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libevent-2.1-7 libjansson4 libcurl4 libsqlite3-0 libpcre2-8-0 \
      libyaml-0-2 libssl3 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*

# A fixed numeric id, so that Kubernetes' runAsNonRoot can check it and a
# bind-mounted folder can be chowned to it: chown 10001:10001 DIR.
RUN groupadd --system --gid 10001 alert-delivery \
 && useradd --system --uid 10001 --gid alert-delivery --no-create-home \
      --home-dir /var/lib/alert-delivery --shell /usr/sbin/nologin alert-delivery \
 && install -d -o alert-delivery -g alert-delivery -m 0700 /var/lib/alert-delivery

COPY --from=build /out/usr/bin/alert-delivery /usr/bin/alert-delivery
COPY --from=build /out/usr/share/alert-delivery /usr/share/alert-delivery
COPY contrib/docker/alert-delivery.yaml /etc/alert-delivery/alert-delivery.yaml

ENV ALERT_DELIVERY_CONFIG=/etc/alert-delivery/alert-delivery.yaml
USER 10001:10001
WORKDIR /var/lib/alert-delivery
VOLUME ["/var/lib/alert-delivery"]
EXPOSE 9095
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["curl", "-fsS", "--max-time", "4", "-o", "/dev/null", "http://127.0.0.1:9095/healthz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/alert-delivery"]
CMD ["serve"]
