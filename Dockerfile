# layerscope in a container: a static musl binary on scratch (a few MB).
#
#   docker build -t layerscope .
#   docker save app:ci | docker run --rm -i layerscope check -
#   docker run --rm -v "$PWD:/work" layerscope report /work/image.tar
#
# tests/container_image.rs builds the runtime stage (everything after the
# second FROM) with buildah around the test binary and runs it.

FROM rust:1-alpine AS build
# zstd-sys and ring compile C; musl-dev for the static link.
RUN apk add --no-cache musl-dev ca-certificates
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin layerscope \
 && mkdir -p /out/tmp && chmod 1777 /out/tmp \
 && cp target/release/layerscope /out/layerscope

FROM scratch
# TLS roots for registry pulls (layerscope reads the system store), and a
# /tmp for stdin spills and the layer cache.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/tmp /tmp
COPY --from=build /out/layerscope /layerscope
ENV XDG_CACHE_HOME=/tmp/cache TMPDIR=/tmp
WORKDIR /work
ENTRYPOINT ["/layerscope"]
