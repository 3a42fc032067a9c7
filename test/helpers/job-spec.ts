import type { JobSpec } from '../../src/manifest/model.js';
import { defaultSupervision } from './supervision.js';

/** A `command` job's spec named `flood` (`true` in /tmp) with these answer rules: for supervision and session tests. */
export function floodJobSpec(answers: Array<Record<string, unknown>> = []): JobSpec {
  return {
    name: 'flood',
    agent: 'command',
    prompt: null,
    command: ['true'],
    workdir: '/tmp',
    env: {},
    timeoutMs: null,
    schedule: null,
    supervision: defaultSupervision({ answers }),
    enterDelayMs: 0,
    resume: null,
    rehearsal: null,
    codex: null,
    location: { file: 'jobs.yaml', line: 1, col: 1, endLine: 1, endCol: 2 },
  };
}

/** The y/n answer rule of the flood tests. */
export const ANSWER_CONTINUE = { match: 'Continue\\? \\[y/n\\]', send: { keys: ['y'] } };
