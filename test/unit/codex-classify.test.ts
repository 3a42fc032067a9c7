/**
 * The codex failure classifier: (exit code, facts) -> reason and codex's own message. Each row
 * is a message codex 0.169.0 printed (measured) or upstream's wording (see
 * failure-classifier.ts for the sources).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyCodexFailure } from '../../src/agents/codex/failure-classifier.js';
import type { CodexOutputFacts } from '../../src/agents/codex/output-facts.js';

function facts(over: Partial<CodexOutputFacts> = {}): CodexOutputFacts {
  return { sessionId: null, tokensUsed: null, started: true, startupError: null, errors: [], sandboxDenial: null, signInScreen: false, ...over };
}

const TABLE: Array<{ why: string; exit: number | null; facts: CodexOutputFacts; reason: string | null; message?: RegExp }> = [
  {
    why: 'a flag removed upstream',
    exit: 2,
    facts: facts({ started: false, startupError: "error: unexpected argument '--full-auto' found / tip: to pass '--full-auto' as a value, use '-- --full-auto'" }),
    reason: 'agent-usage',
    message: /^codex refused to start \(exit 2\): error: unexpected argument '--full-auto' found .*use `codex\.sandbox: workspace-write`/,
  },
  { why: 'a bad -c override', exit: 1, facts: facts({ started: false, startupError: "Error parsing -c overrides: Invalid override (missing '='): foo" }), reason: 'agent-usage' },
  { why: 'the git check', exit: 1, facts: facts({ started: false, startupError: 'Not inside a trusted directory and --skip-git-repo-check was not specified.' }), reason: 'agent-usage' },
  { why: 'the sign-in screen', exit: null, facts: facts({ signInScreen: true }), reason: 'not-logged-in', message: /sign-in screen/ },
  { why: 'HTTP 401 after retries (measured)', exit: 1, facts: facts({ errors: ['unexpected status 401 Unauthorized: bad key, url: http://127.0.0.1:1/v1/responses'] }), reason: 'not-logged-in' },
  {
    why: 'a revoked refresh token (codex-rs/login manager.rs)',
    exit: 1,
    facts: facts({ errors: ['Your access token could not be refreshed because your refresh token was revoked. Please log out and sign in again.'] }),
    reason: 'not-logged-in',
  },
  { why: 'a missing API key variable', exit: 1, facts: facts({ errors: ['Missing environment variable: `OPENAI_API_KEY`.'] }), reason: 'not-logged-in' },
  { why: 'usage limit (error.rs)', exit: 1, facts: facts({ errors: ["You've hit your usage limit. Try again later."] }), reason: 'usage-limit' },
  { why: 'usage limit, curly apostrophe', exit: 1, facts: facts({ errors: ['You’ve hit your usage limit. Visit https://chatgpt.com/codex/settings/usage to purchase more credits or try again later.'] }), reason: 'usage-limit' },
  { why: 'quota', exit: 1, facts: facts({ errors: ['Quota exceeded. Check your plan and billing details.'] }), reason: 'usage-limit' },
  { why: 'workspace credits', exit: 1, facts: facts({ errors: ['Your workspace is out of credits. Add credits to continue.'] }), reason: 'usage-limit' },
  { why: 'HTTP 429 after retries (measured)', exit: 1, facts: facts({ errors: ['exceeded retry limit, last status: 429 Too Many Requests'] }), reason: 'rate-limited' },
  { why: 'HTTP 500 after retries (measured)', exit: 1, facts: facts({ errors: ['We’re currently experiencing high demand, which may cause temporary errors.'] }), reason: 'model-error' },
  { why: 'stream failure after retries (measured)', exit: 1, facts: facts({ errors: ['stream disconnected before completion: mock response.failed'] }), reason: 'model-error' },
  { why: 'HTTP 400 body (measured)', exit: 1, facts: facts({ errors: ['{"error":{"message":"bad request","type":"invalid_request_error"}}'] }), reason: 'model-error', message: /^codex: \{"error"/ },
  { why: 'a TUI error turn (no exit)', exit: null, facts: facts({ errors: ['stream disconnected before completion: m'] }), reason: 'model-error' },
  {
    why: 'a refused escalation and nothing else',
    exit: 1,
    facts: facts({ sandboxDenial: 'approval policy is Never; reject command — you cannot ask for escalated permissions if the approval policy is Never' }),
    reason: 'sandbox-denied',
  },
  {
    why: 'a model error outranks a sandbox denial',
    exit: 1,
    facts: facts({ errors: ['stream disconnected before completion: m'], sandboxDenial: 'sandbox denied exec error, exit code: 1' }),
    reason: 'model-error',
  },
  { why: 'login evidence outranks a later generic error', exit: 1, facts: facts({ errors: ['unexpected status 401 Unauthorized: x', 'stream disconnected before completion: m'] }), reason: 'not-logged-in' },
  { why: 'nothing recognised', exit: 3, facts: facts(), reason: null },
  { why: 'a start-up error line after codex started is not a refusal', exit: 1, facts: facts({ started: true, startupError: 'error: x' }), reason: null },
];

for (const row of TABLE) {
  test(`${row.why} -> ${row.reason ?? 'null (exit-non-zero)'}`, () => {
    const got = classifyCodexFailure(row.exit, row.facts);
    assert.equal(got?.reason ?? null, row.reason);
    if (row.message !== undefined) assert.match(got?.message ?? '', row.message);
  });
}
