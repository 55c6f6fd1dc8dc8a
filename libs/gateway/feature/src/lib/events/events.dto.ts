import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { EVENT_DATA_MAX_BYTES, EVENT_ID_RE, EVENT_KEY_MAX } from '@junction/executor/contracts';

/** `name` may carry a leading `$` here only so that a reserved name is answered as such (422), not as a malformed one. */
const NAME_SHAPE = /^\$?[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export class DeliverEventBody {
  @ApiProperty({
    example: 'invoice.paid',
    description: 'The event name a waitFor step waits for: letters, digits, `.`, `_`, `:`, `-`, at most 128 (names starting with `$` are reserved)',
  })
  @IsString()
  @Matches(NAME_SHAPE, { message: 'name must be an event name: letters, digits, ".", "_", ":" or "-", at most 128 characters' })
  name: string;

  @ApiProperty({ example: 'in_1Q2w3E', maxLength: EVENT_KEY_MAX, description: 'The correlation key: jobs waiting on this name and key (in this workspace) resume' })
  @IsString()
  @MinLength(1, { message: 'key must not be empty' })
  @MaxLength(EVENT_KEY_MAX, { message: `key must be at most ${EVENT_KEY_MAX} characters` })
  key: string;

  @ApiProperty({ example: 'evt_2024_0001', description: 'Your id of the event: the same id again in this workspace is a duplicate (nothing resumes twice)' })
  @IsString()
  @Matches(EVENT_ID_RE, { message: 'id must be 1–128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit' })
  id: string;

  @ApiPropertyOptional({ description: `Any JSON, at most ${EVENT_DATA_MAX_BYTES / 1024} KiB: the waiting step's output carries it as \`data\`` })
  @Allow()
  data?: unknown;
}
