# Must FAIL the Dockerfile lint (validate-deploy.sh checks that each problem is named): an
# end-of-life Node, an unpinned one, and a runnable image without a health check, without an init
# process, without source maps and running as root.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci && npx nx run gateway:build

FROM node:24-bookworm-slim AS runtime
WORKDIR /app
COPY --from=build /src/dist/apps/gateway/ ./
CMD ["node", "main.js"]
