# syntax=docker/dockerfile:1
# Beacon: one static binary on a distroless base.
#   docker build --build-arg VERSION=$(git describe --tags --always) -t beacon .

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/beacon .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/beacon /beacon
ENV ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json
EXPOSE 8080
USER nonroot:nonroot
# Distroless has no shell or curl: the binary checks itself (GET /healthz on its own port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/beacon", "healthcheck"]
ENTRYPOINT ["/beacon"]
CMD ["serve"]
