# syntax=docker/dockerfile:1
# The platform's images for teams that build with Docker (BuildKit). They are the images
# `make images` builds without Docker or any registry (deploy/images; a test keeps the two alike):
# one static binary on an empty base, non-root (65532), a CA bundle, a writable /data.
#
#   docker build --build-arg BINARY=profile -t caiomatch/profile:dev .
#
# BINARY is one of profile, mission, matching, notification, gateway (the default), caiomatch
# (all in one; `caiomatch deadletters` is the operators' tool) or seed. The binary's version
# (-version, the spans' service.version) is the commit when the build context holds the
# repository's .git directory, else "dev"; VERSION, REVISION and CREATED set the labels:
#   --build-arg VERSION=$(git rev-parse --short=12 HEAD) --build-arg REVISION=$(git rev-parse HEAD) \
#   --build-arg CREATED=$(git log -1 --format=%cI)

ARG BINARY=gateway
ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG BINARY
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
COPY . .
# Static (CGO_ENABLED=0: the SQLite driver is pure Go), without local paths or symbol tables.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    set -eu; \
    case "$BINARY" in \
      profile|mission|matching|notification) pkg=./services/$BINARY/cmd/$BINARY ;; \
      gateway|caiomatch|seed) pkg=./gateway/cmd/$BINARY ;; \
      *) echo "BINARY=$BINARY: want profile, mission, matching, notification, gateway, caiomatch or seed" >&2; exit 1 ;; \
    esac; \
    git config --global --add safe.directory /src; \
    vcs=false; if [ -d .git ] && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then vcs=true; fi; \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOFLAGS= \
      go build -trimpath -buildvcs=$vcs -ldflags='-s -w' -o /rootfs/usr/local/bin/$BINARY "$pkg"; \
    mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp /data; \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/data:/sbin/nologin\n' >/rootfs/etc/passwd; \
    printf 'root:x:0:\nnonroot:x:65532:\n' >/rootfs/etc/group; \
    chmod 1777 /rootfs/tmp

FROM scratch AS runtime
COPY --from=build /rootfs/ /
COPY --from=build --chown=65532:65532 --chmod=750 /data /data
ENV PATH=/usr/local/bin CAIOMATCH_DATA_DIR=/data
USER 65532:65532
WORKDIR /data
STOPSIGNAL SIGTERM
ARG VERSION=dev
ARG REVISION=
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.source="https://github.com/caiomatch/caiomatch" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.created="$CREATED"

FROM runtime AS profile
ENV CAIOMATCH_PROFILE_GRPC_ADDR=:9101 CAIOMATCH_ADMIN_ADDR=:9090
EXPOSE 9101 9090
LABEL org.opencontainers.image.title="caiomatch/profile" \
      org.opencontainers.image.description="caiomatch profile service (gRPC on 9101)"
ENTRYPOINT ["/usr/local/bin/profile"]

FROM runtime AS mission
ENV CAIOMATCH_MISSION_GRPC_ADDR=:9102 CAIOMATCH_ADMIN_ADDR=:9090
EXPOSE 9102 9090
LABEL org.opencontainers.image.title="caiomatch/mission" \
      org.opencontainers.image.description="caiomatch mission service (gRPC on 9102)"
ENTRYPOINT ["/usr/local/bin/mission"]

FROM runtime AS matching
ENV CAIOMATCH_MATCHING_GRPC_ADDR=:9103 CAIOMATCH_ADMIN_ADDR=:9090
EXPOSE 9103 9090
LABEL org.opencontainers.image.title="caiomatch/matching" \
      org.opencontainers.image.description="caiomatch matching service (gRPC on 9103)"
ENTRYPOINT ["/usr/local/bin/matching"]

FROM runtime AS notification
ENV CAIOMATCH_NOTIFICATION_GRPC_ADDR=:9104 CAIOMATCH_ADMIN_ADDR=:9090
EXPOSE 9104 9090
LABEL org.opencontainers.image.title="caiomatch/notification" \
      org.opencontainers.image.description="caiomatch notification service (gRPC on 9104)"
ENTRYPOINT ["/usr/local/bin/notification"]

FROM runtime AS gateway
ENV CAIOMATCH_HTTP_ADDR=:8080 CAIOMATCH_ADMIN_ADDR=:9090
EXPOSE 8080 9090
LABEL org.opencontainers.image.title="caiomatch/gateway" \
      org.opencontainers.image.description="caiomatch HTTP gateway: the public REST/JSON API and web pages in front of the services"
ENTRYPOINT ["/usr/local/bin/gateway"]

FROM runtime AS caiomatch
ENV CAIOMATCH_HTTP_ADDR=:8080 CAIOMATCH_ADMIN_ADDR=:9090
EXPOSE 8080 9090
LABEL org.opencontainers.image.title="caiomatch/caiomatch" \
      org.opencontainers.image.description="caiomatch all in one process (embedded NATS, SQLite, every service and the gateway); `caiomatch deadletters` is the operators' dead-letter tool"
ENTRYPOINT ["/usr/local/bin/caiomatch"]

FROM runtime AS seed
LABEL org.opencontainers.image.title="caiomatch/seed" \
      org.opencontainers.image.description="caiomatch seeder: synthetic consultants, firms and missions through the public API"
ENTRYPOINT ["/usr/local/bin/seed"]

# The stage BINARY names is the image.
FROM ${BINARY}
