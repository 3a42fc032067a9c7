import { parseSupervision, type SupervisionSpec } from '../../src/session/policies/spec.js';

/** The supervision a job gets when it declares none (defaults of spec.ts). */
export function defaultSupervision(raw: Record<string, unknown> = {}): SupervisionSpec {
  const parsed = parseSupervision(raw);
  if (!parsed.ok) throw new Error(`test supervision spec invalid: ${JSON.stringify(parsed.error)}`);
  return parsed.value;
}
