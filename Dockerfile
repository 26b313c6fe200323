# syntax=docker/dockerfile:1
# torwatch sensor image. Build: docker build -t torwatch .
# Run on the host's interfaces (see README "Running the sensor"):
#   docker run -d --name torwatch --net=host --cap-drop=ALL --cap-add=NET_RAW --cap-add=SETUID --cap-add=SETGID --cap-add=SETPCAP \
#     -v /etc/torwatch:/etc/torwatch:ro -v /var/log/torwatch:/var/log/torwatch torwatch \
#     capture --config /etc/torwatch/torwatch.yml
#
# The build stage runs the same apt-get and npm steps as .ci/run (CI checks they stay in step,
# test/packaging/dockerfile.test.ts), so every CI run exercises them. Both stages are Debian 12
# (bookworm) with Node.js 20, as CI is.

FROM node:20-bookworm AS build
ENV DEBIAN_FRONTEND=noninteractive
# Compilers and libpcap headers for the native capture addons (native/pcap-batch, cap).
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends ca-certificates g++ make python3 libpcap-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY native ./native
# prepare builds dist/ (tsc + esbuild); the install scripts build the addons against libpcap-dev.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf native/pcap-batch/build/Release/obj.target native/pcap-batch/build/Release/.deps

FROM node:20-bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive NODE_ENV=production
# libpcap at run time. No file capability on node: that would give CAP_NET_RAW to every node process
# in the image; the entrypoint gives it to the one sensor process instead (see ENTRYPOINT).
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends libpcap0.8 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system torwatch \
 && useradd --system --gid torwatch --home-dir /var/lib/torwatch --shell /usr/sbin/nologin torwatch \
 && install -d -o torwatch -g torwatch -m 0750 /var/lib/torwatch /var/log/torwatch \
 && install -d -m 0755 /etc/torwatch
WORKDIR /opt/torwatch
COPY --from=build /build/package.json ./
COPY --from=build /build/bin ./bin
COPY --from=build /build/dist ./dist
COPY data ./data
COPY --from=build /build/native ./native
COPY --from=build /build/node_modules ./node_modules
COPY systemd/torwatch.yml /etc/torwatch/torwatch.yml
# Where scripts/install.sh and systemd/torwatch.service put the command.
RUN ln -s /opt/torwatch/bin/torwatch.js /usr/bin/torwatch
# Never root while running: the container starts as root only for setpriv (util-linux, in every Debian
# image), which execs torwatch as the torwatch user with CAP_NET_RAW as its only capability, ambient so
# it survives the exec and the change of user (Docker cannot give a non-root USER a capability without
# a file capability), a bounding set of CAP_NET_RAW alone and no_new_privs. torwatch drops CAP_NET_RAW
# itself once the interfaces are open. The container must allow CAP_NET_RAW (--cap-add=NET_RAW; Docker's
# default set has it) and SETUID/SETGID/SETPCAP for setpriv (also in Docker's default set).
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["setpriv", "--reuid=torwatch", "--regid=torwatch", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", "node", "/opt/torwatch/bin/torwatch.js", "health", "--metrics", "127.0.0.1:9464"]
ENTRYPOINT ["setpriv", "--reuid=torwatch", "--regid=torwatch", "--clear-groups", "--inh-caps=-all,+net_raw", "--ambient-caps=-all,+net_raw", "--bounding-set=-all,+net_raw", "--no-new-privs", "--", "node", "/opt/torwatch/bin/torwatch.js"]
CMD ["capture", "--config", "/etc/torwatch/torwatch.yml"]
