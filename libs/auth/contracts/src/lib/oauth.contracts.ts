import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { ConnectionRef, ConnectionView } from './connection.contracts';

export class StartOAuthQuery {
  @ApiProperty({ description: 'Must equal the connection’s registered redirectUri exactly' })
  @IsString()
  @MaxLength(2000)
  redirectUri: string;
}

export class StartOAuthRequest extends ConnectionRef {
  @IsString()
  @MaxLength(2000)
  redirectUri: string;
}

export class OAuthAuthorization {
  @ApiProperty({ description: 'Send the user here; the provider redirects back to the callback with code and state' })
  @IsString()
  authorizationUrl: string;

  @ApiProperty()
  @IsISO8601({ strict: true })
  expiresAt: string;
}

export class OAuthCallbackQuery {
  @ApiProperty()
  @IsString()
  @MaxLength(200)
  state: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  code?: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  error?: string;

  @ApiProperty({ required: false })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  error_description?: string;
}

export class CompleteOAuthRequest {
  @IsString()
  @MaxLength(200)
  state: string;

  @IsString()
  @MaxLength(4000)
  code: string;
}

/** `auth.start-oauth.v1`: a PKCE (S256) authorization URL with a single-use state bound to workspace, caller and connection. */
export const StartOAuth = defineRpc('auth.start-oauth.v1', StartOAuthRequest, OAuthAuthorization);
/** `auth.complete-oauth.v1`: the callback's code for tokens; the state names the connection. */
export const CompleteOAuth = defineRpc('auth.complete-oauth.v1', CompleteOAuthRequest, ConnectionView, { timeoutMs: 15_000 });
