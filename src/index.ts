/**
 * The package entry: codex-run as a library. The CLI (`bin/codex-run.js`) is a thin layer
 * over these.
 */
export { classifyScreen } from './session/classify/classify-screen.js';
export { classifySnapshot } from './session/classify/classify-snapshot.js';
export type { AgentScreenState, ClassifyOptions, QuestionOption, ScreenQuestion, ScreenVerdict } from './session/classify/types.js';
export { runManifest, exitCodeOf, type RunManifestOptions, type RunManifestOutcome } from './run/run-manifest.js';
export { loadManifest } from './manifest/load-manifest.js';
export { runRulesTest, type RulesTestOptions, type RulesTestOutcome, type ScreenResult } from './rules/rules-test.js';
export { replayJob, type ReplayOptions, type ReplayOutcome, type ReplayResult } from './rules/replay.js';
export { listRuns, recoverCrashedRuns, type RecoveredRun, type RunListing } from './run/crashed-runs.js';
export { loadReportInput } from './report/load-report-input.js';
export type { ReportInput, ReportJob, ReportRun } from './report/report-input.js';
export { renderMarkdownReport } from './report/markdown-report.js';
export { renderJunitReport } from './report/junit-report.js';
export { renderHtmlReport } from './report/html-report.js';
export { explainFailure, type FailureExplanation } from './report/failure-explanation.js';
export { planShards, type ShardPlan, type ShardPlanInput } from './shard/plan.js';
export { resolveShard, parseShardSpec, type ShardSpec } from './shard/shard-spec.js';
export { mergeRun, type MergeRunOptions, type MergeDone, type MergeFailure } from './shard/merge-run.js';
export { k8sManifests, type K8sManifests, type K8sOptions } from './k8s/indexed-job.js';
export { findHandoff, type FoundHandoff, type Handoff } from './handoff/handoff-file.js';
