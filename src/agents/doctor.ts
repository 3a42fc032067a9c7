/**
 * `codex-run doctor` over a plan: each agent's adapter checks its own jobs (binary, version);
 * the CLI only prints the findings. Agents without a `doctor` (plain commands) are skipped.
 */
import type { DoctorFinding } from './adapter.js';
import { adapterFor } from './registry.js';
import type { AgentKind } from '../manifest/model.js';
import type { JobPlan } from '../run/plan.js';

/** The findings of one agent kind, in the plan's job order. */
export interface AgentFindings {
  agent: AgentKind;
  findings: DoctorFinding[];
}

/** Asks every agent kind of the plan about its jobs, in the order the kinds first appear. */
export async function doctorFindings(jobs: readonly JobPlan[]): Promise<AgentFindings[]> {
  const byAgent = new Map<AgentKind, JobPlan[]>();
  for (const plan of jobs) byAgent.set(plan.job.agent, [...(byAgent.get(plan.job.agent) ?? []), plan]);
  const out: AgentFindings[] = [];
  for (const [agent, plans] of byAgent) {
    const doctor = adapterFor(agent).doctor;
    if (doctor === undefined) continue;
    out.push({ agent, findings: await doctor(plans.map(({ job, env }) => ({ job, env }))) });
  }
  return out;
}
