import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from '@junction/platform/logging';
import { SERVICE_ENV } from '@junction/platform/service';
import { ConsoleController } from './console.controller';
import { consoleDirCandidates, ConsoleFiles, firstExisting } from './console-files';

/** The part of the gateway's environment the console reads. */
export interface ConsoleEnv {
  CONSOLE_DIR?: string;
}

@Module({
  controllers: [ConsoleController],
  providers: [
    {
      provide: ConsoleFiles,
      inject: [SERVICE_ENV, ROOT_LOGGER],
      useFactory: (env: ConsoleEnv, logger: Logger) => {
        const candidates = consoleDirCandidates(env.CONSOLE_DIR, __dirname);
        const dir = firstExisting(candidates);
        if (dir) logger.info({ dir }, 'serving the web console at /console');
        else logger.warn({ looked: candidates }, 'the web console is not built (no index.html): /console answers 404; build it with npx nx build console, or set CONSOLE_DIR');
        return new ConsoleFiles(dir);
      },
    },
  ],
})
export class ConsoleModule {}
