# One image for the four services; SERVICE picks the entry point.
# The full image has python3, make and g++ for the argon2 native build (see README, "Install scripts").
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
COPY --from=build /app/libs/contracts ./libs/contracts
USER node
ENV SERVICE=gateway
CMD ["sh", "-c", "exec node dist/apps/${SERVICE}/src/main.js"]
