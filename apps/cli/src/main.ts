// decorators of the shared recipe contracts read metadata when their module loads
import 'reflect-metadata';
import { runCli } from './lib/program';

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`junction: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
