# One image for every cryptoutil service and for the operator:
#   docker build -t ghcr.io/cryptoutil/cryptoutil:dev .
#   docker run ghcr.io/cryptoutil/cryptoutil:dev learn-ps start --config /etc/cryptoutil/config/config.yml
#   docker run ghcr.io/cryptoutil/cryptoutil:dev operator start
# The build stage compiles TypeScript and drops dev dependencies; the runtime stage is distroless
# (no shell, no package manager) and runs as the non-root UID 65532.
#
# Base images. The build image is pinned to the exact Node release of .nvmrc and a Debian release;
# distroless publishes no version tags for Node, only the moving nodejs24-debian12 tags. A tag can
# move, a digest cannot: for a release build, pin both by digest. No digest is written here because
# none could be checked where this file was written (no registry reachable); a digest nobody checked
# is worse than a tag. To pin one, on a machine with docker:
#   docker buildx imagetools inspect node:24.22.3-bookworm-slim               # prints "Digest: sha256:…"
#   docker buildx imagetools inspect gcr.io/distroless/nodejs24-debian12:nonroot
# then build with
#   --build-arg BUILD_IMAGE=node:24.22.3-bookworm-slim@sha256:<digest> \
#   --build-arg RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot@sha256:<digest>
# or write the digests into the two ARG lines below (Renovate and Dependabot keep such pins current).
ARG BUILD_IMAGE=node:24.22.3-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY services ./services
COPY operator ./operator
RUN npm run build && npm prune --omit=dev
# Exec probes run `cryptoutil ...` without a shell: a launcher whose interpreter line names the
# distroless node binary directly (the kernel reads it; no /usr/bin/env is needed).
RUN printf '#!/nodejs/bin/node\nimport("/app/dist/services/cli.js");\n' > /app/cryptoutil && chmod 0555 /app/cryptoutil

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin
COPY --from=build --chown=0:0 /app/package.json ./package.json
COPY --from=build --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/dist ./dist
COPY --from=build --chown=0:0 /app/cryptoutil /usr/local/bin/cryptoutil
# distroless :nonroot is UID/GID 65532; the pods set the same runAsUser and a read-only root file system.
USER 65532:65532
EXPOSE 8080 8480
ENTRYPOINT ["node", "/app/dist/services/cli.js"]
