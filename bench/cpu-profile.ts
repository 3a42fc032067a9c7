/** Summaries of a V8 CPU profile (`node --cpu-prof`): where the runner's main thread spent its time. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Self time of the heaviest functions and files, as table-ready lines ("41.2%  name  file:line"). */
export interface ProfileSummary {
  totalMs: number;
  functions: string[];
  files: string[];
}

/** Reads the one .cpuprofile in `dir` and ranks self time by function and by file. */
export async function summarizeProfile(dir: string, top = 8): Promise<ProfileSummary> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.cpuprofile'));
  if (names.length === 0) throw new Error(`no .cpuprofile written in ${dir}`);
  const profile = JSON.parse(await readFile(path.join(dir, names[0]!), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  // timeDeltas[i] is the time since the previous sample, charged to the function sampled at i.
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (node === undefined) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url === '' ? functionName || '(native)' : shortUrl(url);
    const fn = url === '' ? file : `${functionName || '(anonymous)'}  ${file}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  });
  const totalUs = profile.endTime - profile.startTime;
  const rank = (m: Map<string, number>): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${name}`);
  return { totalMs: totalUs / 1000, functions: rank(byFunction), files: rank(byFile) };
}

// "file:///work/main/dist/src/logs/job-log.js" -> "src/logs/job-log.js"; node internals keep their name.
function shortUrl(url: string): string {
  const marker = url.indexOf('/src/');
  if (marker >= 0) return url.slice(marker + 1);
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules);
  return url.replace(/^file:\/\//, '');
}
