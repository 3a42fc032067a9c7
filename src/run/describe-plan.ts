import type { RunPlan } from './plan.js';
import { precheck } from '../session/precheck.js';

/** Quotes an argv element for display only (it is never given to a shell). */
function quoteArg(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function describeLimit(ms: number | null): string {
  if (ms === null) return 'none';
  const units: Array<[number, string]> = [[3_600_000, 'h'], [60_000, 'm'], [1000, 's']];
  for (const [size, unit] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The `--dry-run` text: what would run, where, with which limits. Env values are never shown. */
export function describePlan(plan: RunPlan): string {
  const lines = [`Plan for ${plan.manifest.file}: ${plan.jobs.length} job(s), ${plan.concurrency} at a time`];
  for (const { job, launch, env, envKeys } of plan.jobs) {
    lines.push('', `${job.name} (${job.agent})`);
    const checked = precheck(job, launch, env);
    if (checked.ok) {
      lines.push(`  argv:    ${[checked.value.file, ...checked.value.args].map(quoteArg).join(' ')}`);
    } else {
      lines.push(`  error:   ${checked.error.message}`);
    }
    lines.push(`  workdir: ${job.workdir}`);
    lines.push(`  env:     ${envKeys.length === 0 ? '(inherited only)' : envKeys.join(', ')}`);
    lines.push(`  timeout: ${describeLimit(job.timeoutMs)}`);
  }
  return lines.join('\n') + '\n';
}
