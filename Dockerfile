# wsfault: a fault-injection proxy for WebSocket applications.
#   docker build -t wsfault .
#   docker run --rm -p 7878:7878 -p 7879:7879 wsfault --target ws://host.docker.internal:3000

# Build stage: compile TypeScript, then keep only production dependencies.
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
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
USER node
EXPOSE 7878 7879
# The proxy port accepting a TCP connection means wsfault is up (node:22-slim has no curl).
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "require('net').connect(7878, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/main.js", "--listen", "0.0.0.0:7878", "--api", "0.0.0.0:7879"]
