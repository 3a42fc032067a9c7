import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentAdapter } from './adapter.js';
import { findExecutable } from './find-executable.js';
import { err, ok } from '../util/result.js';

/** The codex binary installed beside codex-run (its own node_modules/.bin), if any. */
function bundledCodex(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'node_modules', '.bin', 'codex');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * `agent: codex`: runs `codex exec -- <prompt>` with the prompt as one argv element.
 * The binary is `codex` on the job's PATH, else the one installed beside codex-run.
 */
export const codexAdapter: AgentAdapter = {
  kind: 'codex',
  interruptFirst: true,
  // Codex's approval dialogs take Esc as "No, and tell Codex what to do differently".
  decline: { kind: 'keys', keys: ['esc'], bytes: ['\x1b'] },
  plan(job, env) {
    if (job.prompt === null) {
      throw new Error(`Internal error: codex job '${job.name}' has no prompt`);
    }
    const file = findExecutable('codex', job.workdir, env['PATH']) ?? bundledCodex();
    if (file === null) {
      return err({
        reason: 'binary-missing',
        message:
          "the Codex CLI ('codex') was not found on PATH or beside codex-run; install it with `npm install -g @openai/codex`",
      });
    }
    return ok({ file, args: ['exec', '--', job.prompt], env: {} });
  },
};
