# Mental Maze on Debian bookworm's nginx: the module and the worker.
#   docker build -t mental-maze .
#   docker run -p 8443:8443 -v /etc/ssl/mental-maze:/etc/ssl/mental-maze:ro \
#              -v ./my-nginx.conf:/etc/nginx/nginx.conf:ro mental-maze

FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential nginx-dev libhiredis-dev libjansson-dev libsodium-dev \
      libcurl4-openssl-dev libpq-dev \
      libpcre2-dev libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY config Makefile ./
COPY scripts/ scripts/
COPY ngx_mm_module/ ngx_mm_module/
COPY shared/ shared/
COPY worker/ worker/
COPY migrations/ migrations/
RUN make -j"$(nproc)" build/ngx_mm_module.so build/mm-worker

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      nginx-core libhiredis0.14 libjansson4 libsodium23 libssl3 libcurl4 libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/ngx_mm_module.so /usr/lib/nginx/modules/
COPY --from=build /src/build/mm-worker /usr/local/bin/
# the example: nginx refuses its placeholder secret, so mount your own (above)
COPY conf/production.conf /etc/nginx/nginx.conf
EXPOSE 8443
CMD ["nginx", "-g", "daemon off;"]
