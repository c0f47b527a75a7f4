# sluice: collector, gate, agent and the query tool on Debian 12 (bookworm).
#
#   docker compose up -d          # see compose.yaml
#   docker build -t sluice .      # the image alone
#
# The builder stage installs the build dependencies of DESIGN.md and builds
# the four programs; the runtime stage has only the shared libraries they
# load and runs as an unprivileged user with its data under /data.

FROM debian:bookworm AS build

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config \
        libzmq3-dev libczmq-dev \
        libprotobuf-c-dev protobuf-c-compiler \
        liblmdb-dev libcmocka-dev libexpat1-dev libyajl-dev libyaml-dev \
        libsodium-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*

# Only the sources: a build tree from the host must not reach the image.
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY proto/ proto/
COPY lib/ lib/
COPY collector/ collector/
COPY gate/ gate/
COPY agent/ agent/
COPY cli/ cli/
COPY bench/ bench/

RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSL_BUILD_TESTS=OFF \
 && cmake --build /build -j"$(nproc)" \
        --target sluice-collector sluice-gate sluice-agent sluice \
 && install -d /out \
 && install -m 0755 -s /build/collector/sluice-collector \
        /build/gate/sluice-gate /build/agent/sluice-agent \
        /build/cli/sluice /out/


FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libzmq5 libczmq4 libprotobuf-c1 liblmdb0 libexpat1 libyajl2 \
        libyaml-0-2 libsodium23 libcurl4 \
 && rm -rf /var/lib/apt/lists/*

# /data: the collector's store; /state: the gate's. A named volume mounted
# on either starts with this ownership, so the unprivileged user can write.
RUN groupadd --system --gid 10001 sluice \
 && useradd --system --uid 10001 --gid sluice --home-dir /data \
        --no-create-home --shell /usr/sbin/nologin sluice \
 && install -d -o sluice -g sluice -m 0750 /data /state

COPY --from=build /out/ /usr/local/bin/

USER sluice
WORKDIR /data
EXPOSE 7730 7731

# The daemons stop cleanly on SIGTERM (docker stop).
STOPSIGNAL SIGTERM
CMD ["sluice-collector", "--data", "/data", \
     "--listen", "tcp://0.0.0.0:7730", "--publish", "tcp://0.0.0.0:7731", \
     "--allow-remote"]
