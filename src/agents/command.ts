import type { AgentAdapter } from './adapter.js';
import { ok } from '../util/result.js';

/** `agent: command`: runs the job's argv as given (a string command is already `/bin/sh -c`). */
export const commandAdapter: AgentAdapter = {
  kind: 'command',
  // A build or test run may be silent for hours: no limit unless the manifest sets one.
  defaults: { timeoutMs: null, idleKillMs: null, why: 'command jobs have no default limits: set timeout or idle.kill' },
  interruptFirst: false,
  // Plain programs ask [y/n]-style questions: 'n' and Enter declines them.
  decline: { kind: 'text', text: 'n', enter: true },
  plan(job) {
    const [file, ...args] = job.command ?? [];
    if (file === undefined) {
      throw new Error(`Internal error: command job '${job.name}' has no argv`);
    }
    return ok({ file, args, env: {} });
  },
};
