import { processOutput } from '../ui/output-stream.js';
import { Command, CommanderError, Option } from 'commander';
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
  .option('--rehearse', 'run codex jobs offline against a scripted model on 127.0.0.1 (their rehearsal: scripts)')
  .option('-q, --quiet', 'print only warnings and the final summary')
  .option('--json', 'print the final report as JSON on stdout and nothing else')
  .action(async (manifest: string, flags: Record<string, unknown>) => {
    // Each command loads its own modules, so `--version` or `validate` never pay for the rest.
    const { runCommand } = await import('./run-command.js');
    exitWith(await runCommand(manifest, flags));
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
  .description('show which codex binary and version each codex job will use, and warn when it is not the version codex-run was made for')
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

// `codex-run --help` shows the default command's options too: they are what most people type.
program.addHelpText('after', () => {
  const help = run.createHelp();
  const options = help.visibleOptions(run).filter((o) => o.long !== '--help');
  const width = Math.max(...options.map((o) => help.optionTerm(o).length));
  const lines = options.map((o) => `  ${help.optionTerm(o).padEnd(width)}  ${help.optionDescription(o)}`);
  return `\nRun options (codex-run [manifest] [options], the same as codex-run run):\n${lines.join('\n')}\n`;
});

// The list comes from the registered commands, so a command added above is never "unknown".
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
