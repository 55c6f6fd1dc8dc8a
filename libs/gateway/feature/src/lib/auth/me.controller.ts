import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, ROLES, type Principal } from '../shared/principal';

export class MeView {
  @ApiProperty()
  workspaceId: string;

  @ApiProperty({ enum: ROLES, description: 'Decides what the caller may do (an auditor only reads)' })
  role: Principal['role'];

  @ApiProperty({ enum: ['api_key', 'user'] })
  kind: Principal['kind'];

  @ApiProperty({ description: 'The API key id or the user id (never a secret)' })
  id: string;

  @ApiPropertyOptional({ description: 'For a session token: when it expires (ISO 8601)' })
  expiresAt?: string;
}

/** Who the caller is: what a console or a script needs to know before showing or trying anything. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  @Get()
  @ApiOperation({ summary: 'The calling principal: its workspace, role, and key or user id' })
  @ApiOkResponse({ type: MeView })
  me(@CurrentPrincipal() principal: Principal): MeView {
    return {
      workspaceId: principal.workspaceId,
      role: principal.role,
      kind: principal.kind,
      id: principal.id,
      ...(principal.session ? { expiresAt: new Date(principal.session.expiresAt * 1000).toISOString() } : {}),
    };
  }
}
