import { processOutput } from '../ui/output-stream.js';
import { createRequire } from 'node:module';
// CommonJS, required directly: start-up skips the ES module wrapper (`validate` is timed against `node -e 0`).
const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof import('commander');
import { readPackageVersion } from './version.js';
import { exitWith } from './exit.js';
import { parseDuration } from '../manifest/duration.js';

/** Collects a repeatable option into an array. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new CommanderError(2, 'codex-run.invalidArgument', `error: --concurrency expects a whole number >= 1, found '${value}'`);
  }
  return n;
}

function shardCount(value: string, flag: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value.trim()) || n < 1 || n > 1000) throw new CommanderError(2, 'codex-run.invalidArgument', `error: ${flag} expects a whole number from 1 to 1000, found '${value}'`);
  return n;
}

function parseShards(value: string): number {
  return shardCount(value, '--shards');
}

// The sharding options of run and start (src/shard/): one shard of a plan, and reruns.
function shardOptions(): import('commander').Option[] {
  return [
    new Option('--shard <I/N|auto>', 'run only shard I of N (from 1; see codex-run plan); auto: from CODEX_RUN_SHARD, GitLab CI_NODE_INDEX/CI_NODE_TOTAL, or JOB_COMPLETION_INDEX with --shards'),
    new Option('--shards <n>', 'the number of shards, for --shard auto with a Kubernetes JOB_COMPLETION_INDEX').argParser(parseShards),
    new Option('--timings <report.json>', "balance the shard plan by the jobs' durations in an earlier report"),
    new Option('--rerun-failed <report.json>', 'run only the jobs that did not succeed in this (merged) report'),
  ];
}

function parseGrace(value: string): number {
  const parsed = parseDuration(value);
  if (!parsed.ok) throw new CommanderError(2, 'codex-run.invalidArgument', `error: --grace: ${parsed.error}`);
  return parsed.value;
}

// Installed first: a reader of stdout or stderr that goes away must never stop codex-run.
processOutput();

const program = new Command()
  .name('codex-run')
  .description('Run coding-agent CLIs from a declarative jobs.yaml: parallel supervised PTY jobs, byte-exact logs, a JSON report.')
  .version(readPackageVersion(), '-V, --version')
  .exitOverride()
  .showHelpAfterError('(run codex-run --help for usage)');

const run = program
  .command('run', { isDefault: true })
  .description('run the jobs of a manifest (the default command)')
  .argument('[manifest]', 'the manifest file', 'jobs.yaml')
  .option('-j, --job <name>', 'run only this job (repeatable)', collect, [])
  .option('--dry-run', 'print the resolved plan (argv, workdir, env keys, limits) and start nothing')
  .option('--out <dir>', 'parent folder for run folders (default: <manifest folder>/.codex-run/runs)')
  .addOption(new Option('-c, --concurrency <n>', 'jobs at once (overrides the manifest)').argParser(parsePositiveInt))
  .addOption(new Option('--grace <duration>', 'time each stop step (Ctrl-C, SIGTERM) gets before the next, e.g. 5s').argParser(parseGrace))
  .option('--rehearse', 'run agent jobs (codex, claude, gemini) offline against a scripted model on 127.0.0.1 (their rehearsal: scripts)')
  .option('-q, --quiet', 'print only warnings and the final summary')
  .option('--json', 'print the final report as JSON on stdout and nothing else')
  .option('--junit <file>', 'also write the JUnit XML report to this file (the run folder always has report.junit.xml)')
  .option('--detach', 'run in the background (as `codex-run start`): print the run id and folder, and exit');
for (const option of shardOptions()) run.addOption(option);
run
  .action(async (manifest: string, flags: Record<string, unknown>) => {
    // Each command loads its own modules, so `--version` or `validate` never pay for the rest.
    // The native pump's probe (a child process) runs meanwhile, off the way to run-started.
    const probing = flags['dryRun'] === true || flags['detach'] === true ? null : (await import('../session/pty-backend.js')).probePumpInBackground();
    const { runCommand } = await import('./run-command.js');
    await probing;
    exitWith(await runCommand(manifest, flags));
  });

const start = program
  .command('start')
  .description('run a manifest in the background, detached from the terminal; prints the run id and folder')
  .argument('[manifest]', 'the manifest file', 'jobs.yaml')
  .option('-j, --job <name>', 'run only this job (repeatable)', collect, [])
  .option('--out <dir>', 'parent folder for run folders (default: <manifest folder>/.codex-run/runs)')
  .addOption(new Option('-c, --concurrency <n>', 'jobs at once (overrides the manifest)').argParser(parsePositiveInt))
  .addOption(new Option('--grace <duration>', 'time each stop step (Ctrl-C, SIGTERM) gets before the next, e.g. 5s').argParser(parseGrace))
  .option('--rehearse', 'run agent jobs (codex, claude, gemini) offline against a scripted model on 127.0.0.1 (their rehearsal: scripts)')
  .option('--json', 'print the run id, folder and runner pid as JSON');
for (const option of shardOptions()) start.addOption(option);
start
  .action(async (manifest: string, flags: Record<string, unknown>) => {
    const { startCommand } = await import('./start-command.js');
    exitWith(await startCommand(manifest, flags));
  });

program
  .command('plan')
  .description('print how the jobs split over N shards (for a CI matrix): a table, JSON, or the GitHub Actions matrix line')
  .argument('[manifest]', 'the manifest file', 'jobs.yaml')
  .requiredOption('--shards <n>', 'the number of shards', parseShards)
  .option('-j, --job <name>', 'plan only this job (repeatable; the shards must use the same --job)', collect, [])
  .option('--timings <report.json>', "balance by the jobs' durations in an earlier report")
  .option('--format <format>', 'text | json | github-matrix', 'text')
  .action(async (manifest: string, flags: Record<string, unknown>) => {
    const { planCommand } = await import('./plan-command.js');
    exitWith(await planCommand(manifest, flags));
  });

program
  .command('merge')
  .description('merge shard run folders (or folders holding them, e.g. downloaded artifacts) into one run folder with one report')
  .argument('<dirs...>', 'shard run folders, rerun folders, a merged folder, or folders holding them (up to 3 levels deep)')
  .requiredOption('--out <dir>', 'the merged run folder to create (must not exist or be empty)')
  .addOption(new Option('--require-shards <n>', 'fail unless this many distinct shards are present').argParser((value: string) => shardCount(value, '--require-shards')))
  .option('--junit <file>', 'also write the JUnit XML report to this file')
  .option('--json', 'print the merged report as JSON on stdout')
  .action(async (dirs: string[], flags: Record<string, unknown>) => {
    const { mergeCommand } = await import('./merge-command.js');
    exitWith(await mergeCommand(dirs, flags));
  });

program
  .command('validate')
  .description('check a manifest and print every problem with its location')
  .argument('[manifest]', 'the manifest file', 'jobs.yaml')
  .action(async (manifest: string) => {
    const { validateCommand } = await import('./validate-command.js');
    exitWith(await validateCommand(manifest));
  });

program
  .command('doctor')
  .description('show which binary (and version) each agent job will use, as its agent checks it, and warn when it is not the version codex-run was made for')
  .argument('[manifest]', 'the manifest file', 'jobs.yaml')
  .action(async (manifest: string) => {
    const { doctorCommand } = await import('./doctor-command.js');
    exitWith(await doctorCommand(manifest));
  });

program
  .command('init')
  .description('write a commented starter manifest (never overwrites)')
  .argument('[file]', 'where to write it', 'jobs.yaml')
  .action(async (file: string) => {
    const { initCommand } = await import('./init-command.js');
    exitWith(await initCommand(file));
  });

program
  .command('runs')
  .description('list the runs of a manifest with their status; runs whose runner died are marked crashed and their leftover processes stopped')
  .argument('[manifest]', 'the manifest file (only its folder is used)', 'jobs.yaml')
  .option('--out <dir>', 'the parent folder of the run folders (default: <manifest folder>/.codex-run/runs)')
  .action(async (manifest: string, flags: Record<string, unknown>) => {
    const { runsCommand } = await import('./runs-command.js');
    exitWith(await runsCommand(manifest, flags));
  });

program
  .command('schedule')
  .description('run scheduled jobs (`schedule:` in the manifest) at their cron times, reloading manifests on edit, until stopped')
  .argument('<manifest...>', 'manifest files to schedule and watch')
  .option('--list', 'print each scheduled job with its next 3 fire times, and exit')
  .option('--once', 'run the jobs whose fire time passed since the last check, once, and exit (for system cron and CI)')
  .option('--out <dir>', 'parent folder for run folders and the scheduler state (default: <manifest folder>/.codex-run/runs)')
  .action(async (manifests: string[], flags: Record<string, unknown>) => {
    const { scheduleCommand } = await import('./schedule-command.js');
    exitWith(await scheduleCommand(manifests, flags));
  });

const rules = program.command('rules').description('check answer rules against screens, before a night depends on them');

rules
  .command('test')
  .description('show what supervision makes of screens (.txt, .ansi, a folder, or a job .log): state, question, the rule that fires and what it types; checks <screen>.expect.yaml files (exit 1 on a mismatch)')
  .argument('<paths...>', '[manifest.yaml] then screen files or folders')
  .option('-j, --job <name>', 'the job whose rules to use (needed when the manifest has several)')
  .option('--expect <dir>', 'read <screen>.expect.yaml files from this folder instead of beside the screens')
  .option('--json', 'print the results as JSON')
  .action(async (paths: string[], flags: Record<string, unknown>) => {
    const { rulesTestCommand } = await import('./rules-command.js');
    exitWith(await rulesTestCommand(paths, flags));
  });

program
  .command('replay')
  .description("feed a past job's .log through a fresh supervisor at the recorded pace and print each decision, compared with what the run did")
  .argument('<run-folder>', 'the run folder (with report.json)')
  .argument('<job>', 'the job name')
  .option('--manifest <file>', 'use these rules instead of the manifest the run was started from')
  .option('--json', 'print the decisions as JSON')
  .action(async (runFolder: string, job: string, flags: Record<string, unknown>) => {
    const { replayCommand } = await import('./replay-command.js');
    exitWith(await replayCommand(runFolder, job, flags));
  });

program
  .command('report')
  .description('write a report of a past run again: Markdown, the single-file HTML page, JUnit XML or JSON')
  .argument('<run>', "a run folder, a run id under the runs folder, or 'latest'")
  .option('--format <format>', 'md | html | junit | json', 'md')
  .option('--out <file>', 'write to this file instead of stdout')
  .option('--runs <dir>', 'the folder of run folders, for a run id or latest (default: .codex-run/runs)')
  .action(async (run: string, flags: Record<string, unknown>) => {
    const { reportCommand } = await import('./report-command.js');
    exitWith(await reportCommand(run, flags));
  });

// Control from outside (src/control/): live runs answer on a socket in their run folder.
const outOption = (): InstanceType<typeof Option> => new Option('--out <dir>', 'the runs folder to look in (default: .codex-run/runs)');

program
  .command('ps')
  .description('list live runs and the state of each job (working, waiting for input and the question, idle, finished)')
  .option('--all', 'also list recent finished (and dead) runs')
  .option('--json', 'print as JSON')
  .addOption(outOption())
  .action(async (flags: Record<string, unknown>) => {
    const { psCommand } = await import('./ps-command.js');
    exitWith(await psCommand(flags));
  });

program
  .command('screen')
  .description("print a live job's current screen, as supervision sees it, with its classified state")
  .argument('<job>', 'JOB, RUN/JOB, or the job name in the newest run')
  .option('--json', 'print as JSON')
  .addOption(outOption())
  .action(async (job: string, flags: Record<string, unknown>) => {
    const { screenCommand } = await import('./screen-command.js');
    exitWith(await screenCommand(job, flags));
  });

program
  .command('send')
  .description("type into a live job's terminal (text then Enter, or keys), recorded as an intervention by you")
  .argument('<job>', 'JOB, RUN/JOB, or the job name in the newest run')
  .argument('[text]', 'text to type; Enter follows after the job\'s enter delay')
  .option('--keys <names>', 'keys to press, comma-separated (esc,enter, down, ctrl-c, y)', collect, [])
  .option('--key <name>', 'one key to press (repeatable)', collect, [])
  .option('--no-enter', 'type the text without Enter')
  .option('--by <name>', 'who is acting, for the record (default: user)')
  .option('--json', 'print as JSON')
  .addOption(outOption())
  .action(async (job: string, text: string | undefined, flags: Record<string, unknown>) => {
    const { sendCommand } = await import('./send-command.js');
    exitWith(await sendCommand(job, text, flags));
  });

program
  .command('attach')
  .description("take over a live job's terminal in yours (supervision paused; Ctrl-] detaches), or --watch it read-only")
  .argument('<job>', 'JOB, RUN/JOB, or the job name in the newest run')
  .option('--watch', 'only look: no keys are sent and supervision goes on (Ctrl-] or Ctrl-C leaves)')
  .option('--by <name>', 'who is acting, for the record (default: user)')
  .addOption(outOption())
  .action(async (job: string, flags: Record<string, unknown>) => {
    const { attachCommand } = await import('./attach-command.js');
    exitWith(await attachCommand(job, flags));
  });

program
  .command('logs')
  .description("print a job's transcript (or raw log); -f follows a live job until it ends")
  .argument('<job>', 'JOB, RUN/JOB, or the job name in the newest run')
  .option('-f, --follow', 'keep printing new output until the job ends')
  .option('--tail <n>', 'only the last n lines')
  .option('--raw', 'the raw byte-exact log instead of the transcript')
  .addOption(outOption())
  .action(async (job: string, flags: Record<string, unknown>) => {
    const { logsCommand } = await import('./logs-command.js');
    exitWith(await logsCommand(job, flags));
  });

program
  .command('kill')
  .description("stop one live job through its stop ladder (recorded as killed by you)")
  .argument('<job>', 'JOB, RUN/JOB, or the job name in the newest run')
  .option('--by <name>', 'who is acting, for the record (default: user)')
  .option('--json', 'print as JSON')
  .addOption(outOption())
  .action(async (job: string, flags: Record<string, unknown>) => {
    const { killCommand } = await import('./kill-command.js');
    exitWith(await killCommand(job, flags));
  });

program
  .command('stop')
  .description('stop a live run as Ctrl-C would: every job through its stop ladder, no new ones')
  .argument('[run]', 'run id (or a unique prefix), or latest', 'latest')
  .option('--by <name>', 'who is acting, for the record (default: user)')
  .option('--json', 'print as JSON')
  .addOption(outOption())
  .action(async (run: string, flags: Record<string, unknown>) => {
    const { stopCommand } = await import('./kill-command.js');
    exitWith(await stopCommand(run, flags));
  });

program
  .command('show')
  .description("one run's summary: status, each job's outcome, tokens and session id")
  .argument('[run]', 'run id (or a unique prefix), or latest', 'latest')
  .option('--json', 'print the report (with the run state) as JSON')
  .addOption(outOption())
  .action(async (run: string, flags: Record<string, unknown>) => {
    const { showCommand } = await import('./show-command.js');
    exitWith(await showCommand(run, flags));
  });

program
  .command('resume')
  .description('continue a finished, failed or interrupted agent job (codex, claude, gemini, generic) by its session id, as a new run linked to the old one')
  .argument('<job>', 'JOB, RUN/JOB, or the job name in the newest run (with --from: the job name)')
  .option('--from <folder>', "continue from a copy of the job's run folder (a shard's output, a merged folder) made on another machine")
  .option('--workdir <dir>', "with --from: the checkout to continue in (default: the manifest's workdir of the job)")
  .option('--manifest <file>', "with --from: the manifest with the job (default: the run's, else ./jobs.yaml)")
  .option('--prompt <text>', 'what to tell the resumed agent (default: continue where you stopped)')
  .option('--detach', 'run in the background: print the new run id and folder, and exit')
  .addOption(new Option('--grace <duration>', 'time each stop step (Ctrl-C, SIGTERM) gets before the next, e.g. 5s').argParser(parseGrace))
  .option('-q, --quiet', 'print only warnings and the final summary')
  .option('--json', 'print the final report as JSON on stdout and nothing else')
  .addOption(outOption())
  .action(async (job: string, flags: Record<string, unknown>) => {
    const { resumeCommand } = await import('./resume-command.js');
    exitWith(await resumeCommand(job, flags));
  });

program
  .command('k8s')
  .description('print a Kubernetes Indexed Job that runs the manifest in N shards (pods run codex-run --shard auto), or with --merge the Job that merges them')
  .argument('<manifest>', 'the manifest, as the path the container sees')
  .option('--shards <n>', 'how many shards (pods)')
  .option('--image <image>', 'the container image with codex-run, the agent CLIs and the checkout')
  .option('--name <name>', "the Job's name (a DNS-1123 label)", 'codex-run')
  .option('--namespace <ns>', 'the namespace to put the Jobs in')
  .option('--pvc <claim>', 'a PersistentVolumeClaim for /results (default: an emptyDir, lost with the pod)')
  .option('--secret <name>', "the Secret whose keys become the agent's environment (default: <name>-secrets)")
  .option('--merge', 'print the merge Job instead (run it once the shards have ended)')
  .option('--out <file>', 'write the YAML to this file instead of stdout')
  .action(async (manifest: string, flags: Record<string, unknown>) => {
    const { k8sCommand } = await import('./k8s-command.js');
    exitWith(await k8sCommand(manifest, flags));
  });

program
  .command('mcp')
  .description('serve the control operations as MCP tools over stdio (run_manifest, list_runs, job_status, job_screen, job_logs, send_input, kill_job, resume_job)')
  .action(async () => {
    const { serveMcp } = await import('../control/mcp-server.js');
    await serveMcp(readPackageVersion());
    exitWith(0);
  });

// `codex-run --help` shows the default command's options too: they are what most people type.
program.addHelpText('after', () => {
  const help = run.createHelp();
  const options = help.visibleOptions(run).filter((o) => o.long !== '--help');
  const width = Math.max(...options.map((o) => help.optionTerm(o).length));
  const lines = options.map((o) => `  ${help.optionTerm(o).padEnd(width)}  ${help.optionDescription(o)}`);
  return `\nRun options (codex-run [manifest] [options], the same as codex-run run):\n${lines.join('\n')}\n`;
});

// The list comes from the registered commands, so a command added above is never "unknown".
// No top-level await: the CLI bundle (scripts/build-bundle.mjs) is a CommonJS script.
async function main(): Promise<void> {
  const unknown = (await import('./unknown-command.js')).unknownCommandMessage(process.argv[2], [
    ...program.commands.flatMap((c) => [c.name(), ...c.aliases()]),
    'help',
  ]);
  if (unknown !== null) {
    processOutput().stderr.write(`codex-run: error: ${unknown}\n`);
    exitWith(2);
  } else try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const informational = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help';
      if (error.code === 'codex-run.invalidArgument') processOutput().stderr.write(`codex-run: ${error.message}\n`);
      exitWith(informational ? 0 : 2);
    } else {
      throw error;
    }
  }
}

void main();
