import { ApiProperty } from '@nestjs/swagger';
import { Allow, IsBoolean, IsInt, IsString, Matches, MaxLength, Min, MinLength } from 'class-validator';
import { defineRpc, Opaque } from '@junction/platform/ports';
import { WorkspaceScoped } from './recipe-api.contracts';

/** An event name `POST /v1/events` takes (the waitFor step's `event`); `$`-names are the platform's own and refused there. */
export const EVENT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** The sender's id of an event: what deduplicates it within the workspace. */
export const EVENT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** A correlation key is at most this long (a waitFor key rendered longer fails its step). */
export const EVENT_KEY_MAX = 256;
/** The event's `data`, as JSON, is at most this many bytes. */
export const EVENT_DATA_MAX_BYTES = 64 * 1024;

/** One event for the jobs waiting on (workspace, name, key). */
export class DeliverEventRequest extends WorkspaceScoped {
  @Matches(EVENT_NAME_RE)
  name: string;

  @IsString()
  @MinLength(1)
  @MaxLength(EVENT_KEY_MAX)
  key: string;

  @Matches(EVENT_ID_RE)
  id: string;

  @Allow()
  @Opaque()
  data?: unknown;
}

export class DeliverEventResult {
  @ApiProperty({ example: 'evt_2024_0001' })
  @IsString()
  id: string;

  @ApiProperty({ description: 'The id was delivered before (within the buffer TTL): nothing was stored or resumed again' })
  @IsBoolean()
  duplicate: boolean;

  @ApiProperty({ description: 'Jobs waiting on this name and key that the event resumed (0 for a duplicate; an event nobody waits for yet stays buffered)' })
  @IsInt()
  @Min(0)
  resumed: number;
}

/** Idempotent per workspace by `id`: stores the event (bounded buffer with a TTL) and wakes every job waiting on its name and key. */
export const DeliverEvent = defineRpc('executor.event-deliver.v1', DeliverEventRequest, DeliverEventResult);
