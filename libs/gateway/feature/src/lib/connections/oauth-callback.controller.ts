import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ProblemException } from '@junction/platform/http';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { CompleteOAuth, ConnectionView, OAuthCallbackQuery } from '@junction/auth/contracts';
import { PublicRoute } from '../auth/public-route';

/** Where the provider sends the user back; the single-use `state` names workspace and connection. */
@ApiTags('connections')
@Controller('v1/oauth')
export class OAuthCallbackController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Get('callback')
  @PublicRoute()
  @ApiOperation({ summary: 'OAuth2 redirect target: exchanges the code (with the PKCE verifier) for tokens' })
  @ApiOkResponse({ type: ConnectionView })
  callback(@Query() query: OAuthCallbackQuery): Promise<ConnectionView> {
    if (query.error || !query.code) {
      throw new ProblemException('oauth-denied', 'Authorization denied', 400, { detail: `The provider did not authorise the connection (${query.error ?? 'no code'}).` });
    }
    return this.bus.request(CompleteOAuth, { state: query.state, code: query.code });
  }
}
