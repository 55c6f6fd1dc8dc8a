import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsUrl, Matches, MaxLength } from 'class-validator';

export const OAUTH_GRANTS = ['authorization_code', 'client_credentials'] as const;
export type OAuthGrant = (typeof OAUTH_GRANTS)[number];

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Where a connection gets its tokens; not secret (the client id and secret are credentials). */
export class OAuthSettings {
  @ApiProperty({ enum: OAUTH_GRANTS })
  @IsIn(OAUTH_GRANTS)
  grant: OAuthGrant;

  @ApiProperty({ example: 'https://provider.example/oauth/token' })
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  tokenUrl: string;

  @ApiProperty({ required: false, example: 'https://provider.example/oauth/authorize' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  authorizationUrl?: string;

  @ApiProperty({ required: false, description: 'The one redirect URI registered with the provider; compared exactly' })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  redirectUri?: string;

  @ApiProperty({ required: false, type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/, { each: true })
  scopes?: string[];
}
