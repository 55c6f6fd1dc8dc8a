import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface ServiceProcess {
  name: string;
  url: string;
  /** Its `GET /metrics` on METRICS_PORT (a free port unless the environment names one). */
  metricsUrl: string;
  child: ChildProcess;
  /** Every line the process printed so far (JSON log lines and anything else). */
  output: string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL: the process gets no chance to clean up. */
  kill(): Promise<void>;
}

const workspaceRoot = join(__dirname, '../../../../..');

/**
 * Starts a built service (`dist/apps/<name>/main.js`) as a child process with the given
 * environment, and resolves once it logs that it listens. Build first: `npm run build`.
 * With `JUNCTION_CPU_PROFILE_DIR` set, each service writes a V8 CPU profile there when it stops
 * (`--cpu-prof` is refused in NODE_OPTIONS, so it goes on the command line).
 */
export async function startServiceProcess(name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<ServiceProcess> {
  const main = join(workspaceRoot, 'dist/apps', name, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` before the e2e tests`);
  const profileDir = process.env.JUNCTION_CPU_PROFILE_DIR;
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...nodeArgs, main], {
    cwd: workspaceRoot,
    env: { PATH: process.env.PATH ?? '', PORT: '0', METRICS_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  // a test that fails before its afterAll must not leave a service running after jest exits
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.removeListener('exit', killOnExit);
      resolve();
    }),
  );
  const { url, metricsUrl } = await new Promise<{ url: string; metricsUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
    const onLine = (line: string) => {
      output.push(line);
      try {
        const parsed = JSON.parse(line) as { msg?: string; url?: string; metricsUrl?: string };
        if (parsed.msg === `${name} started` && parsed.url) {
          clearTimeout(timer);
          resolve({ url: parsed.url, metricsUrl: parsed.metricsUrl ?? '' });
        }
      } catch {
        // not a JSON log line (stderr text): kept in output
      }
    };
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      lines.filter(Boolean).forEach(onLine);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it started:\n${output.join('\n')}`));
    });
  });
  return {
    name,
    url,
    metricsUrl,
    child,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
