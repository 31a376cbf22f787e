/** `spvit sim zcu102`: a simulated ZCU102 with its console on a pty and the board agent on loopback. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { StudioError } from '../../../core/shared/errors';
import { DEFAULT_AGENT_PORT } from '../../../devices/zcu102/agent/agent-main';
import { SimZcu102Board } from '../../../devices/sim/zcu102/sim-board';
import { SIM_IMAGES } from '../../../devices/sim/zcu102/sim-login';
import { integerFlag, stringFlag } from '../arguments';

import type { SimImage } from '../../../devices/sim/zcu102/sim-login';
import type { CliCommand } from '../command';

const USAGE = 'spvit sim zcu102 [--link PATH] [--agent-port N] [--seed S] [--image petalinux|petalinux-expired-password|vitis-ai] [--autoboot SECONDS]';

export const simZcu102Command: CliCommand = {
  name: 'sim zcu102',
  summary: 'a simulated ZCU102: console on a pty (socat), board agent on 127.0.0.1',
  usage: USAGE,
  options: {
    link: { type: 'string' },
    'agent-port': { type: 'string' },
    seed: { type: 'string' },
    image: { type: 'string' },
    autoboot: { type: 'string' },
  },
  async run(args, io) {
    const link = stringFlag(args, 'link') ?? join(tmpdir(), 'spvit-sim-zcu102');
    const agentPort = integerFlag(args, 'agent-port', { min: 0, max: 65535 }) ?? DEFAULT_AGENT_PORT;
    const seed = integerFlag(args, 'seed', { min: 0, max: 2 ** 32 - 1 }) ?? 1;
    const autobootSeconds = integerFlag(args, 'autoboot', { min: 0, max: 60 }) ?? 2;
    const image = stringFlag(args, 'image') ?? 'petalinux';
    if (!(SIM_IMAGES as readonly string[]).includes(image)) {
      throw new StudioError('input/invalid', `--image must be one of ${SIM_IMAGES.join(', ')}, got '${image}'.`);
    }
    let failure: string | null = null;
    let wake: () => void = () => undefined;
    const board = await SimZcu102Board.start({
      link,
      agentPort,
      seed,
      image: image as SimImage,
      autobootSeconds,
      signal: io.signal,
      onFailure: (reason) => {
        failure = reason;
        wake();
      },
    });
    io.stdout.write(
      [
        `simulated ZCU102 (${image} image, seed ${seed})`,
        `  console    ${board.link} -> ${board.devicePath}, 115200 8N1`,
        `  agent      spvit-board-agent listens on 127.0.0.1:${agentPort === 0 ? 'a free port' : agentPort} once started from the console`,
        `  try        spvit devices --serial ${board.link}`,
        'ready; Ctrl+C stops the board',
        '',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await board.close();
    if (failure !== null) throw new StudioError('device/failed', `The simulated console stopped: ${failure}`);
    return 0;
  },
};
