# One image for the four services; SERVICE picks the entry point (gateway, identity, membership, notifications).
# Build stage: the full Node image (compilers there, should a native module need one) and every dependency;
# final stage: the slim image with production dependencies only, no compilers, as the unprivileged node user.
FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production
# The services need node only: npm and corepack (and what they could fetch) stay out of the running image.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
  /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/libs/contracts ./libs/contracts
COPY --from=build /app/apps/console/dist ./apps/console/dist
# Numeric: a runtime checking runAsNonRoot can tell without a runAsUser (1000 is the node user of the base image).
USER 1000:1000
ENV SERVICE=gateway PORT=8080
EXPOSE 8080
# For Docker and compose; Kubernetes probes /health/live and /health/ready itself.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# exec: node replaces the shell as PID 1, so SIGTERM reaches the service itself.
CMD ["sh", "-c", "exec node dist/apps/${SERVICE}/src/main.js"]
