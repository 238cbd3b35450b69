# One image for every cryptoutil service and for the operator:
#   docker build -t ghcr.io/cryptoutil/cryptoutil:dev .
#   docker run ghcr.io/cryptoutil/cryptoutil:dev learn-ps start --config /etc/cryptoutil/config/config.yml
#   docker run ghcr.io/cryptoutil/cryptoutil:dev operator start
# The build stage compiles TypeScript and drops dev dependencies; the runtime stage is distroless
# (no shell, no package manager) and runs as the non-root UID 65532.

FROM node:24.22.3-bookworm-slim AS build
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

FROM gcr.io/distroless/nodejs24-debian12:nonroot AS runtime
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
