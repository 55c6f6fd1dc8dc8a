import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Problems } from '@junction/platform/http';
import { TriggerIngress, type Accepted } from './trigger-ingress.service';

/** Webhook ingress: unauthenticated by design (the hook id is unguessable; signatures are checked per trigger). */
@ApiTags('webhooks')
@Controller('hooks')
export class HooksController {
  constructor(private readonly ingress: TriggerIngress) {}

  @Post(':hookId')
  @HttpCode(202)
  @ApiOperation({ summary: 'Deliver an event to a started webhook recipe; 202 only once it is durably stored' })
  @ApiAcceptedResponse({ description: '{ status: "accepted", dedupeKey, duplicate }' })
  async deliver(@Param('hookId') hookId: string, @Req() req: Request): Promise<{ status: 'accepted' } & Omit<Accepted, 'recipeId'>> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(hookId)) throw Problems.notFound('The hook');
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0); // see acceptRawHookBodies
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    const query: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.query)) if (typeof value === 'string') query[name] = value;
    const accepted = await this.ingress.webhook(hookId, { rawBody, headers, query, contentType: req.header('content-type') ?? '', receivedAtMs: Date.now() });
    return { status: 'accepted', dedupeKey: accepted.dedupeKey, duplicate: accepted.duplicate };
  }
}
