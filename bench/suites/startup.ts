/**
 * Bench 6, start-up: how long `codex-run --version` and `codex-run validate` on a 500-job
 * manifest take, against starting node itself (`node -e 0`).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLI_ENV } from '../codex-run-cli.js';
import type { Bench } from '../context.js';
import { describeEnd, MeasuredProcess } from '../measured-process.js';
import { cliEntry } from '../paths.js';
import { judged, value, type Figure } from '../result.js';
import { formatRatio, median, ratio } from '../stats.js';

const JOBS = 500;
const TARGET_VALIDATE_MS = 500;

export const startupBench: Bench = {
  id: 'startup',
  title: 'Start-up (`--version`, `validate` on 500 jobs)',
  method:
    '`node -e 0`, `codex-run --version` and `codex-run validate jobs.yaml` on a generated 500-job manifest (block-style YAML: ' +
    'defaults, 400 command jobs with argv, env with `${VAR:-default}` and timeouts, 100 codex jobs with prompts) run in turn, ' +
    '10 times each (quick: 5), each from spawn to exit; medians are reported, and `node -e 0` is the floor any Node CLI pays.',
  async run(ctx) {
    const repeats = ctx.quick ? 5 : 10;
    const dir = await ctx.scratch.dir('startup');
    const manifest = path.join(dir, 'jobs.yaml');
    await writeFile(manifest, bigManifest(dir), { mode: 0o600 });
    const commands = [
      { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
      { name: 'codex-run --version', argv: [process.execPath, cliEntry, '--version'] },
      { name: `codex-run validate (${JOBS} jobs)`, argv: [process.execPath, cliEntry, 'validate', manifest], expect: `valid, ${JOBS} jobs` },
    ];
    const times = new Map<string, number[]>(commands.map((c) => [c.name, []]));
    for (let i = 0; i < repeats; i++) {
      ctx.progress(`startup: round ${i + 1}/${repeats}`);
      for (const command of commands) {
        const end = await MeasuredProcess.run(command.argv, { deadlineMs: 30_000, pollMs: null, env: CLI_ENV, cwd: dir });
        if (end.exitCode !== 0) throw new Error(`${command.name} ${describeEnd(end)}`);
        if (command.expect !== undefined && !end.stdout.includes(command.expect)) {
          throw new Error(`${command.name} printed ${JSON.stringify(end.stdout.trim())}, expected "${command.expect}"`);
        }
        times.get(command.name)!.push(end.wallMs);
      }
    }
    const node = median(times.get('node -e 0')!);
    const figures: Figure[] = commands.slice(1).map(({ name, expect }) => {
      const ms = median(times.get(name)!);
      const isValidate = expect !== undefined;
      return {
        metric: `${name}, median of ${repeats}`,
        baseline: { label: 'node -e 0', ...value(node, 'ms', 0) },
        codexRun: value(ms, 'ms', 0),
        comparison: formatRatio(ratio(ms, node)),
        target: isValidate ? `< ${TARGET_VALIDATE_MS} ms` : '',
        verdict: isValidate ? judged(ms === null ? null : ms < TARGET_VALIDATE_MS) : 'info',
      };
    });
    return { figures, notes: [], details: { repeats, jobs: JOBS, samplesMs: Object.fromEntries(times) } };
  },
};

// 400 command jobs and 100 codex jobs, in the block style people write by hand.
function bigManifest(dir: string): string {
  const lines = [
    'version: 1',
    'concurrency: 8',
    'defaults:',
    '  timeout: 30m',
    '  env:',
    '    LOG_LEVEL: "${LOG_LEVEL:-info}"',
    'jobs:',
  ];
  for (let i = 0; i < JOBS; i++) {
    const name = `job-${String(i).padStart(3, '0')}`;
    lines.push(`  ${name}:`);
    if (i % 5 === 4) {
      lines.push(`    prompt: "Fix the failing tests in package ${i} and explain the change in one paragraph."`, '    timeout: 45m');
    } else {
      lines.push(
        '    agent: command',
        `    command: [node, scripts/check.js, --shard, "${i}", --reporter, dot]`,
        `    workdir: ${dir}`,
        '    env:',
        `      SHARD: "${i}"`,
        '      CACHE_DIR: "${HOME:-/tmp}/.cache/bench"',
        `    timeout: ${1 + (i % 59)}m`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
