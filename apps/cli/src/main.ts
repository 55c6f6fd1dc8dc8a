// decorators of the shared recipe contracts read metadata when their module loads
import 'reflect-metadata';
import { runCli } from './lib/program';

// `junction … | head`: the reader left, nothing more to say
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`junction: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
