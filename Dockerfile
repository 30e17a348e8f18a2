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
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/libs/contracts ./libs/contracts
COPY --from=build /app/apps/console/dist ./apps/console/dist
USER node
ENV SERVICE=gateway PORT=8080
EXPOSE 8080
# exec: node replaces the shell as PID 1, so SIGTERM reaches the service itself.
CMD ["sh", "-c", "exec node dist/apps/${SERVICE}/src/main.js"]
