/** `codex-run replay <run folder> <job>`. */
export async function replayCommand(_runFolder: string, _job: string, _flags: Record<string, unknown>): Promise<number> {
  process.stderr.write('codex-run: error: replay is not available yet\n');
  return 2;
}
