/**
 * The process the simulated board starts for `spvit-board-agent`: the real agent code with the
 * simulated accelerator. Arguments after `--sim` belong to the simulator, the rest to the agent.
 */
import { parseArgs } from 'node:util';

import { runAgentProcess } from '../../zcu102/agent/agent-main';
import { DEVICE_TREE_MODEL, unameText } from './board-text';
import { fixedPointReader } from './fixed-point-reader';
import { SimAcceleratorRuntime } from './sim-runtime';

function main(): void {
  // A simulated board's agent lives as long as the simulator that started it.
  if (process.send !== undefined) process.once('disconnect', () => process.exit(0));
  const separator = process.argv.indexOf('--sim');
  const agentArgs = process.argv.slice(2, separator < 0 ? undefined : separator);
  const { values } = parseArgs({
    args: separator < 0 ? [] : process.argv.slice(separator + 1),
    options: {
      seed: { type: 'string', default: '1' },
      'state-dir': { type: 'string' },
      'default-port': { type: 'string', default: '7700' },
      hostname: { type: 'string', default: 'spvit-sim-zcu102' },
    },
    strict: true,
  });
  runAgentProcess({
    argv: agentArgs,
    env: process.env,
    defaultStateDir: values['state-dir'] ?? '/tmp/spvit-sim-zcu102-agent',
    defaultPort: Number(values['default-port']),
    // The simulated board's network is the loopback interface: nothing else can reach its agent.
    defaultHost: '127.0.0.1',
    board: { model: DEVICE_TREE_MODEL, hostname: values.hostname, kernel: unameText(values.hostname, '-r') },
    createRuntime: () => Promise.resolve(new SimAcceleratorRuntime({ seed: Number(values.seed), readers: [fixedPointReader] })),
    print: (line) => process.stdout.write(`${line}\n`),
  });
}

main();
