/** Process-level wiring for the CLI: Ctrl+C becomes cancellation, the exit code is set. */
import { runCli } from './main';

export async function startCli(argv: readonly string[]): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    controller.abort(new Error('interrupted'));
  });
  const code = await runCli(argv, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
  process.exitCode = code;
}
