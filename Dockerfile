# syntax=docker/dockerfile:1
#
# Portcullis image. Node runs the TypeScript sources directly (type stripping), so "build" is
# `npm ci` + the type-check; the runtime image holds production dependencies only.
#
#   docker build -t portcullis .
#   docker run --read-only -p 3128:3128 -p 9090:9090 \
#     -v "$PWD/deploy:/etc/portcullis:ro" -v portcullis-audit:/var/log/portcullis portcullis
#
# Signals: Node is PID 1, with no tini in front. `portcullis start` installs its own handlers
# for SIGTERM and SIGINT (drain, then exit), SIGHUP (reload) and SIGUSR2 (reopen audit files),
# so the kernel's PID-1 rule (signals without a handler are ignored) loses nothing; and the
# gateway never spawns child processes, so there are no zombies for an init to reap.
# No HEALTHCHECK: Kubernetes probes /healthz and /readyz on the admin port.

ARG NODE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# Production dependencies only, installed where npm exists (the runtime image has no npm).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# The whole tree with dev dependencies, type-checked; the checked sources are what ship.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
RUN npx tsc -p tsconfig.json \
 && find src -name '*.test.ts' -delete \
 && mkdir -p /out/var/log/portcullis

FROM ${RUNTIME_IMAGE} AS runtime
LABEL org.opencontainers.image.title="portcullis" \
      org.opencontainers.image.description="Egress gateway for AI agents"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
# The only writable path: the audit file sink's directory (mount a volume there; the root
# filesystem can then be read-only). 65532 is distroless's `nonroot`.
COPY --from=build --chown=65532:65532 /out/var/log/portcullis /var/log/portcullis
VOLUME ["/var/log/portcullis"]
USER 65532:65532
EXPOSE 3128 9090
ENTRYPOINT ["/nodejs/bin/node", "bin/portcullis.js"]
CMD ["start", "-c", "/etc/portcullis/portcullis.yaml"]
