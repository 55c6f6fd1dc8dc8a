import { randomBytes } from 'node:crypto';
import { Body, Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { APPROVAL_COMMENT_MAX, APPROVAL_TOKEN_RE, DecideApprovalLink, OpenApprovalLink, type ApprovalLinkView } from '@junction/executor/contracts';
import { MESSAGE_BUS, RATE_LIMITERS, RemoteError, type MessageBus, type RateLimiter, type RateLimiters } from '@junction/platform/ports';
import { PublicRoute } from '../auth/public-route';
import { addressBucket } from '../limits/client-address';
import { retryAfterSeconds } from '../limits/rate-limit-headers';
import { approvalPageHeaders, confirmationPage, outcomePage } from './approval-page';

type Page = { status: number; heading: string; message: string; view?: ApprovalLinkView };

/** Requests to approval links one client address may make per minute (pages and decisions alike). */
export const APPROVAL_LINK_REQUESTS_PER_MINUTE = 120;

/**
 * The signed approve/reject links a notify step sends: public (the token is the credential,
 * checked by the executor that signed it). GET only shows a confirmation page, so a chat tool's
 * link preview decides nothing; the page's form POSTs to the same URL, which decides once.
 */
@ApiExcludeController()
@PublicRoute()
@Controller('approvals')
export class ApprovalLinksController {
  // unauthenticated: every request costs a signature check in the executor, so each address has a budget
  private readonly perAddress: RateLimiter;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(RATE_LIMITERS) limiters: RateLimiters,
  ) {
    this.perAddress = limiters.create({ name: 'approval-link-address', points: APPROVAL_LINK_REQUESTS_PER_MINUTE, windowSec: 60 });
  }

  @Get(':token')
  async open(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const nonce = randomBytes(16).toString('base64');
    res.set(approvalPageHeaders(nonce));
    if (await this.throttled(req, res, nonce)) return;
    const answer = await this.ask(() => this.bus.request(OpenApprovalLink, { token }), token);
    if ('status' in answer) return void res.status(answer.status).send(outcomePage(nonce, answer.heading, answer.message, answer.view));
    const closed = closedPage(answer);
    if (closed) return void res.status(closed.status).send(outcomePage(nonce, closed.heading, closed.message, answer));
    res.status(200).send(confirmationPage(nonce, answer));
  }

  @Post(':token')
  async decide(@Param('token') token: string, @Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const nonce = randomBytes(16).toString('base64');
    res.set(approvalPageHeaders(nonce));
    if (await this.throttled(req, res, nonce)) return;
    const raw = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)['comment'] : undefined;
    if (raw !== undefined && typeof raw !== 'string') {
      return void res.status(400).send(outcomePage(nonce, 'Not decided', 'comment must be text.'));
    }
    if (typeof raw === 'string' && raw.length > APPROVAL_COMMENT_MAX) {
      return void res.status(400).send(outcomePage(nonce, 'Not decided', `comment must be at most ${APPROVAL_COMMENT_MAX} characters; nothing was decided.`));
    }
    const comment = raw?.trim() ? raw : undefined;
    const answer = await this.ask(() => this.bus.request(DecideApprovalLink, { token, ...(comment ? { comment } : {}) }), token);
    if ('status' in answer) return void res.status(answer.status).send(outcomePage(nonce, answer.heading, answer.message, answer.view));
    const closed = closedPage(answer);
    if (closed) return void res.status(closed.status).send(outcomePage(nonce, closed.heading, closed.message, answer));
    const done = answer.outcome === 'approved' ? 'Approved' : 'Rejected';
    res.status(200).send(outcomePage(nonce, done, `Your decision was recorded: ${done.toLowerCase()}. You can close this page.`, answer));
  }

  /** Answers 429 with Retry-After once this address spent its budget. */
  private async throttled(req: Request, res: Response, nonce: string): Promise<boolean> {
    const decision = await this.perAddress.consume(addressBucket(req.ip));
    if (decision.allowed) return false;
    res.set('Retry-After', String(retryAfterSeconds(decision.retryAfterMs)));
    res.status(429).send(outcomePage(nonce, 'Too many requests', 'Too many requests from this address; try again in a minute. Nothing was decided.'));
    return true;
  }

  /** The executor's answer, or the page for a token it refused (a malformed one is not sent at all). */
  private async ask(request: () => Promise<ApprovalLinkView>, token: string): Promise<ApprovalLinkView | Page> {
    if (!APPROVAL_TOKEN_RE.test(token)) return { status: 400, heading: 'Invalid link', message: 'This approval link is malformed. Use the link exactly as it was sent.' };
    try {
      return await request();
    } catch (error) {
      if (error instanceof RemoteError && error.code === 'invalid_request') return { status: 400, heading: 'Invalid link', message: 'This approval link is not valid.' };
      if (error instanceof RemoteError && error.code === 'not_found') return { status: 404, heading: 'Not found', message: 'The approval of this link no longer exists.' };
      throw error;
    }
  }
}

function closedPage(view: ApprovalLinkView): Page | undefined {
  if (view.state === 'used') return { status: 409, heading: 'Already decided', message: `This approval was already ${view.outcome ?? 'decided'}; the link cannot be used again.` };
  if (view.state === 'expired') return { status: 410, heading: 'Link expired', message: 'This approval link has expired; nothing was decided.' };
  if (view.state === 'cancelled') return { status: 410, heading: 'Job cancelled', message: 'The job waiting on this approval was cancelled; nothing can be decided.' };
  return undefined;
}
