import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import pino from 'pino';
import { loadConfig } from '@junction/platform/config';
import { buildServiceModule } from '@junction/platform/service';
import { gatewayService } from './gateway.service';
import { buildOpenApiDocument } from './openapi';

/**
 * The gateway's OpenAPI document without a server: Nest's preview mode builds the module graph
 * (routes, decorators) but instantiates no provider, so nothing connects to NATS, Redis or
 * Postgres. The same `buildOpenApiDocument` serves `/docs/openapi.json` at run time.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
  const env = loadConfig(gatewayService.env, {});
  const root = buildServiceModule(gatewayService, env, pino({ level: 'silent' }));
  const app = await NestFactory.create(root, { preview: true, logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

/** The committed form: two-space JSON with a final newline. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
