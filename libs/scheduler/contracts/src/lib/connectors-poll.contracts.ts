import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { defineRpc } from '@junction/platform/ports';
import { CONNECTOR_KEY_RE } from '@junction/connectors/contracts';

/**
 * Defined here until the connectors service owns it: the scheduler is its only caller today.
 * The connectors service serves it by running the trigger's `poll` against the third party.
 */
export class PollRequest {
  @IsString()
  @MaxLength(64)
  workspaceId: string;

  @Matches(CONNECTOR_KEY_RE)
  connectorKey: string;

  @Matches(CONNECTOR_KEY_RE)
  trigger: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  connectionId?: string;

  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;

  /** What the previous poll answered as `nextCursor`; null on the very first poll. */
  @ValidateIf((o: PollRequest) => o.cursor !== null)
  @IsObject()
  cursor: Record<string, unknown> | null;
}

export class PolledRecord {
  /** Stable per record (an id, or id + updated-at for "changed" triggers): equal keys are one event. */
  @IsString()
  @MaxLength(256)
  dedupeKey: string;

  @IsObject()
  data: Record<string, unknown>;
}

export class PollResponse {
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => PolledRecord)
  records: PolledRecord[];

  /** Stored once every record of this page is durably published; null keeps polling from the start. */
  @ValidateIf((o: PollResponse) => o.nextCursor !== null)
  @IsObject()
  nextCursor: Record<string, unknown> | null;

  /** True when another page is ready now: the scheduler asks again at once, with `nextCursor`. */
  @IsBoolean()
  hasMore: boolean;
}

/** `connectors.poll.v1`: one page of a polling trigger. Slow third parties get a generous deadline. */
export const ConnectorsPoll = defineRpc('connectors.poll.v1', PollRequest, PollResponse, { timeoutMs: 30_000 });
