import { Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MESSAGE_BUS, type MessageBus } from '@junction/platform/ports';
import { RotateVault, RotateVaultResult } from '@junction/auth/contracts';
import { RootTokenRoute } from './root-token';

/** Operator actions on the credential vault, authorised by the root token. */
@ApiTags('operator')
@ApiBearerAuth()
@Controller('v1/vault')
export class VaultController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  @Post('rotate')
  @HttpCode(200)
  @RootTokenRoute()
  @ApiOperation({ summary: 'Re-wrap every data key under the newest master key (root token); the vault keeps serving' })
  @ApiOkResponse({ type: RotateVaultResult })
  rotate(): Promise<RotateVaultResult> {
    return this.bus.request(RotateVault, {});
  }
}
