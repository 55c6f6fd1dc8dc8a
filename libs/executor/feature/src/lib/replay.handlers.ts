import { Injectable } from '@nestjs/common';
import { ReplayRecipe, type ReplayRecipeRequest, type ReplayResult } from '@junction/executor/contracts';
import { OnRequest } from '@junction/platform/messaging';
import { ReplayService } from './replay.service';

/** The replay subject: a thin binding to `ReplayService`. */
@Injectable()
export class ReplayHandlers {
  constructor(private readonly replays: ReplayService) {}

  @OnRequest(ReplayRecipe)
  replay(request: ReplayRecipeRequest): Promise<ReplayResult> {
    return this.replays.replay(request);
  }
}
