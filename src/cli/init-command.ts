import { processOutput } from '../ui/output-stream.js';
import { open } from 'node:fs/promises';
import { STARTER_MANIFEST } from '../manifest/init-template.js';

/** `codex-run init [file]`: writes the starter manifest, refusing to overwrite anything. */
export async function initCommand(file: string): Promise<number> {
  try {
    const handle = await open(file, 'wx', 0o644);
    try {
      await handle.writeFile(STARTER_MANIFEST);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      processOutput().stderr.write(`codex-run: error: ${file} already exists; codex-run init never overwrites. Choose another name: codex-run init other.yaml\n`);
    } else {
      processOutput().stderr.write(`codex-run: error: cannot write ${file}: ${(error as Error).message}\n`);
    }
    return 2;
  }
  processOutput().stdout.write(`Wrote ${file}. Check it with: codex-run validate ${file}\n`);
  return 0;
}
