import { formatDiagnostics } from '../manifest/format-diagnostics.js';
import { renderRulesJson, renderRulesText } from '../rules/rules-report.js';
import { allMet, runRulesTest } from '../rules/rules-test.js';
import { useColor } from '../ui/display-mode.js';
import { unreachable } from '../util/unreachable.js';
import { printManifestFailure } from './manifest-errors.js';

/**
 * `codex-run rules test [manifest] [--job NAME] SCREEN...`: the first path is the manifest
 * when it ends in .yaml/.yml (default jobs.yaml). Exit 0 when every expectation is met, 1 on
 * a mismatch, 2 on bad input (manifest, expect file, screen path).
 */
export async function rulesTestCommand(paths: string[], flags: Record<string, unknown>): Promise<number> {
  const [first, ...rest] = paths;
  const hasManifest = first !== undefined && /\.ya?ml$/i.test(first) && !/\.expect\.ya?ml$/i.test(first);
  const manifest = hasManifest ? first : 'jobs.yaml';
  const screens = hasManifest ? rest : paths;
  const outcome = await runRulesTest({ manifest, job: typeof flags['job'] === 'string' ? flags['job'] : null, screens, expectDir: typeof flags['expect'] === 'string' ? flags['expect'] : null });
  switch (outcome.kind) {
    case 'invalid-manifest':
      printManifestFailure(outcome.failure);
      return 2;
    case 'usage-error':
      process.stderr.write(`codex-run: error: ${outcome.message}\n`);
      return 2;
    case 'invalid-expect':
      process.stderr.write(
        formatDiagnostics(outcome.diagnostics, outcome.sources, { color: useColor({ isTTY: process.stderr.isTTY === true, env: process.env }), cwd: process.cwd() }),
      );
      return 2;
    case 'tested': {
      const color = useColor({ isTTY: process.stdout.isTTY === true, env: process.env });
      process.stdout.write(flags['json'] === true ? renderRulesJson(outcome.results, outcome.rules, outcome.manifest) : renderRulesText(outcome.results, outcome.rules, { color, cwd: process.cwd() }));
      return allMet(outcome.results) ? 0 : 1;
    }
    default:
      return unreachable(outcome);
  }
}
