/**
 * The commented starter manifest `codex-run init` writes. It must validate as written (a unit
 * test loads it), so optional fields that need setup (a folder, a variable) are commented out.
 * The schema line points where npm installs codex-run, for completion in editors.
 */
export const STARTER_MANIFEST = `# yaml-language-server: $schema=./node_modules/codex-run/schemas/jobs.schema.json
#
# codex-run jobs: each job runs in its own terminal, all in parallel, with a log per job.
# Check this file with \`codex-run validate\`, then run it with \`codex-run\`.
version: 1

# How many jobs run at once. Default: the number of jobs, at most 8.
# concurrency: 4

# Fields every job gets unless it sets its own (env maps merge key by key).
defaults:
  timeout: 1h                  # durations: 500ms, 30s, 5m, 2h, 1h30m; none: no limit (unset: codex 4h, command none)
  # Each job in a git worktree of its own, on a new branch; your checkout is never touched.
  # What every job changed (files, +/- lines, <job>.patch) is in the report either way.
  # isolation: worktree
  # worktree:
  #   base: main                     # where each branch starts (default: HEAD)
  #   branch: "codex-run/{run}/{job}"  # placeholders: {run} {job} {date}
  #   keep: on-change                # always | on-change | never
  # commit: true                   # commit each job's changes on its branch

jobs:
  # The key is the job's name.
  fix-tests:
    agent: codex               # codex (the default) runs the Codex CLI with the prompt
    prompt: "Find the failing tests, fix the code, and run the test suite to confirm."
    # workdir: ./packages/api  # relative to this file's folder (default: this folder)
    # env:
    #   NODE_ENV: test
    #   TOKEN: "\${GITHUB_TOKEN}"  # from your environment; \${VAR:-default} if it may be unset
    # timeout: 45m
    # verify:                  # run after each turn that ends well; exit 0 = verified
    #   command: [npm, test]
    #   timeout: 10m
    # until: verified          # continue the same session until verify passes...
    # maxTurns: 4              # ...at most this many turns in all
    # continuePrompt: "{{verify.command}} failed (exit {{verify.exitCode}}); its output ends with {{verify.tail}} Fix it."
    # budget: { tokens: 3M, wall: 2h }   # stop at a clean point when spent (budget-exhausted)
    # limits: { wait: 8h }     # wait this long for a usage-limit reset, then resume the session

  lint:
    agent: command             # a plain program instead of an agent
    command: [npm, run, lint]  # argv, no shell; a string runs through /bin/sh -c
    # retry: { max: 2, backoff: 30s }  # try a failed run again (never after a denial or usage limit)
`;
