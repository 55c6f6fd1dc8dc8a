import { Injectable } from '@nestjs/common';
import type { ConnectionEntity } from '@junction/auth/data-access';
import { Envelope } from '@junction/auth/domain';

/** Both encryption layers are bound to the row: a box copied elsewhere does not open. */
export function connectionAad(row: { workspaceId: string; id: string }): string {
  return `connection/${row.workspaceId}/${row.id}`;
}

/** A connection's secret fields in and out of their envelope, with the columns that go with them. */
@Injectable()
export class SealedSecrets {
  constructor(private readonly envelope: Envelope) {}

  open(row: ConnectionEntity): Promise<Record<string, string>> {
    return this.envelope.open(row, connectionAad(row));
  }

  async seal(
    row: { workspaceId: string; id: string },
    secrets: Record<string, string>,
  ): Promise<Pick<ConnectionEntity, 'ciphertext' | 'wrappedKey' | 'masterKeyId' | 'secretFields'>> {
    const sealed = await this.envelope.seal(secrets, connectionAad(row));
    return { ciphertext: sealed.ciphertext, wrappedKey: sealed.wrappedKey, masterKeyId: sealed.masterKeyId, secretFields: Object.keys(secrets).sort() };
  }
}
