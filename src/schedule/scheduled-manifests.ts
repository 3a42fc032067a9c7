/**
 * The manifest layer as the scheduler sees it: loads each manifest with the normal loader,
 * hands the daemon its scheduled jobs (or printable diagnostics), and keeps the last valid
 * model of every manifest. Runs use that model, so an edit that does not validate leaves the
 * previous schedule running with the previous jobs, exactly as they were when it was valid.
 */
import { lockUnitOf } from '../workspace/lock-unit.js';
import path from 'node:path';
import { formatDiagnostics } from '../manifest/format-diagnostics.js';
import { loadManifest } from '../manifest/load-manifest.js';
import type { Manifest } from '../manifest/model.js';
import { err, ok, type Result } from '../util/result.js';
import type { ScheduledJob } from './daemon.js';

/** Options for {@link ScheduledManifests}. */
export interface ScheduledManifestsOptions {
  /** `--out`: the parent of run folders for every manifest, instead of `<manifest folder>/.codex-run/runs`. */
  outDir?: string;
  /** Variables for `${VAR}` in manifests; default process.env. */
  env?: Record<string, string | undefined>;
  /** Diagnostics show paths relative to this folder; default process.cwd(). */
  cwd?: string;
}

/** Where run folders of a manifest in `manifestDir` go: `outDir`, or `<manifestDir>/.codex-run/runs`. */
export function runsRootFor(manifestDir: string, outDir: string | undefined): string {
  return outDir !== undefined ? path.resolve(outDir) : path.join(manifestDir, '.codex-run', 'runs');
}

export class ScheduledManifests {
  /** Last valid model per absolute manifest path. */
  private readonly valid = new Map<string, Manifest>();
  /** Manifests whose latest load did not validate. */
  private readonly invalid = new Set<string>();

  constructor(private readonly options: ScheduledManifestsOptions = {}) {}

  /**
   * The daemon's `loadSchedules`: the scheduled jobs of one manifest, or its located
   * diagnostics as plain text (no colour: the text also goes to schedule.log).
   */
  readonly load = async (file: string): Promise<Result<ScheduledJob[], string>> => {
    const absolute = path.resolve(file);
    const loaded = await loadManifest(absolute, { env: this.options.env ?? process.env });
    if (!loaded.ok) {
      this.invalid.add(absolute);
      const { diagnostics, sources } = loaded.error;
      return err(formatDiagnostics(diagnostics, sources, { color: false, cwd: this.options.cwd ?? process.cwd() }));
    }
    const manifest = loaded.value;
    this.invalid.delete(absolute);
    this.valid.set(absolute, manifest);
    return ok(
      manifest.jobs.flatMap((job) =>
        job.schedule === null ? [] : [{ manifest: manifest.file, job: job.name, workdir: lockUnitOf(job), spec: job.schedule }],
      ),
    );
  };

  /** The last valid model of a manifest, or undefined when it never loaded. */
  latest(file: string): Manifest | undefined {
    return this.valid.get(path.resolve(file));
  }

  /** True when the latest load of some manifest did not validate. */
  anyInvalid(): boolean {
    return this.invalid.size > 0;
  }

  /** Where the run folders of `manifest` go. */
  runsRoot(manifest: Manifest): string {
    return runsRootFor(manifest.dir, this.options.outDir);
  }
}
