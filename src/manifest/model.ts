/**
 * The validated, defaults-applied job model. Raw parsed YAML never leaves `manifest/`;
 * everything else in codex-run sees only these types.
 */
import type { ScheduleSpec } from '../schedule/schedule-spec.js';
import type { SupervisionSpec } from '../session/policies/spec.js';
import type { CodexSpec } from '../agents/codex/options.js';
import type { GenericSpec } from '../agents/generic/options.js';
import type { ClaudeSpec } from '../agents/claude/options.js';
import type { GeminiSpec } from '../agents/gemini/options.js';
import type { ResumeSpec } from './resume-fields.js';
import type { Turn } from '../rehearsal/script.js';
import type { WorkspaceSpec } from './workspace-fields.js';
import type { BudgetSpec, CompletionSpec } from './completion-fields.js';
import type { NotifySpec } from '../notify/spec.js';

/** A span in a source file; lines and columns are 1-based, `end*` is exclusive. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** One problem found in a manifest, printed as `file:line:col: error: message`. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  location: SourceLocation;
  /** What to do about it, e.g. a did-you-mean. */
  hint?: string;
}

export type AgentKind = 'codex' | 'command' | 'generic' | 'claude' | 'gemini';

/** One job, ready to run. */
export interface JobSpec {
  /** The map key in `jobs:`, exactly as written. */
  name: string;
  agent: AgentKind;
  /** The prompt for agent jobs; null for `agent: command`. */
  prompt: string | null;
  /** argv for `agent: command`; a string command is already `['/bin/sh', '-c', text]`. */
  command: string[] | null;
  /** Absolute working directory. */
  workdir: string;
  /** The job's own variables, `${VAR}` already expanded; merged over the runner's env at spawn. */
  env: Record<string, string>;
  /** Per-job time limit, or null for none. */
  timeoutMs: number | null;
  /** The limits that are the agent's defaults, not the manifest's (for `--dry-run`); absent: none. */
  agentDefaults?: {
    timeout: boolean;
    idleKill: boolean;
    /** Why the agent has no default limits at all (e.g. command jobs), else null. */
    noDefaults: string | null;
  };
  /** When `codex-run schedule` runs the job (cron, zone, overlap, catch-up, jitter); null when it has no `schedule`. */
  schedule: ScheduleSpec | null;
  /** Answer rules, idle ladder, loop guard and output cap, defaults applied. */
  supervision: SupervisionSpec;
  /** Pause between a typed text answer (or poke) and its Enter. */
  enterDelayMs: number;
  /** How `agent: codex` runs (mode, sandbox, model, flags, binary), defaults applied; null for other agents. */
  codex: CodexSpec | null;
  /** How `agent: generic` runs (argv templates, session id, terminal manners), defaults applied; absent for other agents. */
  generic?: GenericSpec;
  /** How `agent: claude` runs (mode, permission mode, tools, flags, binary), defaults applied; absent for other agents. */
  claude?: ClaudeSpec | null;
  /** How `agent: gemini` runs (mode, model, approval mode, flags, binary), defaults applied; absent or null for other agents. */
  gemini?: GeminiSpec | null;
  /** Resume by session id after a death or an idle stop (codex jobs); null: never. */
  resume: ResumeSpec | null;
  /** The scripted model turns under `--rehearse`; null: the default script. */
  rehearsal: Turn[] | null;
  /** verify, until, maxTurns, continuePrompt, budget, limits and retry, defaults applied; absent: the defaults (`completionOf({})`). */
  completion?: CompletionSpec;
  /** Where the job is declared, for runtime messages. */
  location: SourceLocation;
  /** Env names listed in `secrets:` (with `defaults:`'); their values are redacted like *TOKEN* ones. */
  secrets?: string[];
  /** `isolation`, `worktree`, `commit` with defaults applied; absent: isolation none, no commit. */
  workspace?: WorkspaceSpec;
  /** The job's own `notify:` entries (with `defaults:`'), on top of the run's. */
  notify?: NotifySpec[];
  /** `shardGroup:`: jobs with the same group run on the same shard; absent: none. */
  shardGroup?: string;
}

/** Problems that do not stop a manifest from running, with the source text they point into. */
export interface ManifestWarnings {
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

/** A loaded manifest. */
export interface Manifest {
  /** Absolute path of the manifest file. */
  file: string;
  /** Its folder: the base for relative workdirs and the default run folder. */
  dir: string;
  version: 1;
  /** Jobs at once. */
  concurrency: number;
  jobs: JobSpec[];
  /** `redactRawLog:` as written; absent: on when the `CI` variable is set. */
  redactRawLog?: boolean;
  /** Warnings found while loading (`validate` prints them); absent when there are none. */
  warnings?: ManifestWarnings;
  /** The run's top-level `budget:` (all jobs together); absent: none. */
  budget?: BudgetSpec;
  /** The run-level `notify:` entries (every job's events and run-finished). */
  notify?: NotifySpec[];
}
