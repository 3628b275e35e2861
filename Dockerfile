# wsfault: a fault-injection proxy for WebSocket applications.
#   docker build -t wsfault .
#   docker run --rm -p 7878:7878 -p 7879:7879 wsfault --target ws://host.docker.internal:3000
# Health: HEALTHCHECK runs `wsfault health`, which asks the API's /health (see docs/DOCKER.md).

# Build stage: compile TypeScript, then keep only production dependencies.
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The build also precompiles validators, parses the built-in scenarios (scripts/build-artifacts.mjs)
# and bundles the command line (scripts/bundle-cli.mjs).
COPY scripts/build-artifacts.mjs scripts/bundle-cli.mjs ./scripts/
COPY scenarios ./scenarios
RUN npm run build && npm prune --omit=dev

# Runtime stage: the compiled proxy, its dependencies, the scenario library and schema.
FROM node:22-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scenarios ./scenarios
COPY schema ./schema
COPY dashboard ./dashboard
USER node
EXPOSE 7878 7879
# Probe the control API's GET /health (readiness: 200 once every proxy listens), never the proxy
# port: a probe there is a client to every fault (it would use up refuse-first-3's refusals).
# With --api off, add --health 127.0.0.1:7880 and -e WSFAULT_HEALTH_URL=http://127.0.0.1:7880/health.
ENV WSFAULT_HEALTH_URL=http://127.0.0.1:7879/health
HEALTHCHECK --interval=10s --timeout=5s --retries=3 \
  CMD ["node", "/app/dist/cli/main.js", "health"]
ENTRYPOINT ["node", "/app/dist/cli/main.js", "--listen", "0.0.0.0:7878", "--api", "0.0.0.0:7879"]
