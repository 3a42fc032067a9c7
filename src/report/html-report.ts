/**
 * report.html: one self-contained page (no network, inline CSS and JS, opens from file://):
 * a timeline of the jobs (a bar per attempt, markers for interventions, hatched spans while
 * waiting for input), a table with status/outcome and agent filters, and per job its failure
 * explanation, interventions with the screen that caused each, verify results, the diff and
 * the transcript tail with a search box.
 *
 * The data is embedded as JSON in a `<script type="application/json">` with `<`, `>`, `&`
 * and the JS line separators escaped, and the page script builds the DOM with textContent
 * only, so nothing a job printed can become markup or script. Pure.
 */
import path from 'node:path';
import { explanations, headline, tokensOf, turnsOf } from './report-facts.js';
import { costText } from '../ui/text.js';
import type { ReportInput, ReportJob } from './report-input.js';
import { xmlSafe } from './xml-text.js';

/** The name of the HTML report in a run folder. */
export const HTML_REPORT_FILE_NAME = 'report.html';

/** Transcript lines embedded per job (its tail). */
export const HTML_TRANSCRIPT_LINES = 400;
/** Patch characters embedded per job (its head). */
export const HTML_PATCH_CHARS = 60_000;

/** Which agent a job runs, for the agent filter: the program's name (`codex`, `claude`, `sh`). */
export function agentOf(job: ReportJob): string {
  const program = job.argv[0];
  if (program === undefined) return 'unknown';
  const base = path.basename(program).replace(/\.(?:js|cjs|mjs|sh|exe)$/, '');
  return base === '' ? 'unknown' : base;
}

// Waiting spans from the job-state changes: from a "waiting …" detail to the next change.
function waitsOf(input: ReportInput, job: ReportJob): Array<{ from: string; to: string | null; what: string }> {
  const states = input.states.filter((s) => s.job === job.name);
  const waits: Array<{ from: string; to: string | null; what: string }> = [];
  for (const [i, state] of states.entries()) {
    if (state.detail === null || !/waiting|usage.limit|parked/i.test(state.detail)) continue;
    waits.push({ from: state.at, to: states[i + 1]?.at ?? job.finishedAt, what: state.detail });
  }
  return waits;
}

function tailLines(text: string | undefined, count: number): string[] {
  if (text === undefined) return [];
  return xmlSafe(text).replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n').slice(-count);
}

// Where a merged run's parts ran (as report.md says), or which shard a shard's run is; null otherwise.
function shardsLine(report: ReportInput['report']): string | null {
  if (report.plan !== undefined && report.shards !== undefined) {
    const parts = report.shards.map((s) => `${s.index ?? '?'}/${report.plan!.total} on ${s.host ?? 'an unknown host'}`);
    const reruns = report.reruns?.length ?? 0;
    return `merged from ${report.shards.length} of ${report.plan.total} shards of plan ${report.plan.hash.slice(0, 12)}${parts.length === 0 ? '' : ` (${parts.join(', ')})`}${reruns === 0 ? '' : ` and ${reruns} rerun${reruns === 1 ? '' : 's'}`}`;
  }
  if (report.shard !== undefined) return `shard ${report.shard.index} of ${report.shard.total} of plan ${report.shard.planHash.slice(0, 12)} on ${report.shard.host}`;
  return null;
}

/** The data the page script renders (exported for tests): {@link htmlReportParts} writes the same JSON a job at a time. */
export function htmlReportData(input: ReportInput): unknown {
  const explained = explanations(input);
  return { run: htmlRunData(input.report), jobs: input.report.jobs.map((job) => htmlJobData(input, job, explained)) };
}

function htmlRunData(report: ReportInput['report']): unknown {
  return {
    runId: report.runId,
    manifest: report.manifest,
    runDir: report.runDir,
    status: report.status,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationMs: report.durationMs,
    summary: report.summary,
    warnings: report.warnings,
    shards: shardsLine(report),
  };
}

function htmlJobData(input: ReportInput, job: ReportJob, explained: ReturnType<typeof explanations>): unknown {
  return {
    name: job.name,
    status: job.status,
    headline: headline(job),
    outcome: job.outcome ?? null,
    agent: agentOf(job),
    reason: job.reason,
    exitCode: job.exitCode,
    signal: job.signal,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    durationMs: job.durationMs,
    turns: turnsOf(job),
    tokens: tokensOf(job),
    ...(job.costUsd !== undefined ? { cost: costText(job.costUsd) } : {}),
    sessionId: job.sessionId,
    lastMessage: job.lastMessage,
    transcriptFile: job.transcriptFile,
    logFile: job.logFile,
    interventions: job.interventions.map((i) => ({ ...i })),
    attempts: job.attempts ?? null,
    changes: job.changes ?? null,
    patch: input.patches?.[job.name]?.slice(0, HTML_PATCH_CHARS) ?? null,
    waits: waitsOf(input, job),
    transcript: tailLines(input.transcripts[job.name], HTML_TRANSCRIPT_LINES),
    explanation: explained.get(job.name) ?? null,
  };
}

/** JSON that is safe inside a `<script>` element: no `<`, `>`, `&`, U+2028 or U+2029 left raw. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function htmlText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** report.html as text (the parts of {@link htmlReportParts}, joined). */
export function renderHtmlReport(input: ReportInput): string {
  return [...htmlReportParts(input)].join('');
}

/**
 * report.html in parts: the page up to its data, the run, each job's data, the rest. A run's
 * final reports are written part by part (src/report/text-reports.ts): the whole page as one
 * string, escaped, then encoded was several copies of every job's transcript tail alive at once,
 * the largest memory peak of a 200-job run (issue 16). The joined parts are the page exactly:
 * JSON.stringify of the whole data is that of its parts with commas, and the escaping is per character.
 */
export function* htmlReportParts(input: ReportInput): Generator<string> {
  const title = `codex-run ${input.report.status}: ${path.basename(input.report.manifest)} ${input.report.runId}`;
  yield `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${htmlText(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header id="top"></header>
<main>
<section id="timeline-section"><h2>Timeline</h2><div id="timeline"></div></section>
<section id="jobs-section"><h2>Jobs</h2>
<div class="filters">
<label>Status <select id="filter-status"><option value="">all</option></select></label>
<label>Agent <select id="filter-agent"><option value="">all</option></select></label>
<span id="shown-count"></span>
</div>
<table id="jobs"><thead><tr><th>Job</th><th>Agent</th><th>Outcome</th><th>Duration</th><th class="num">Turns</th><th class="num">Tokens</th><th>Files</th><th class="num">Interventions</th></tr></thead><tbody></tbody></table>
</section>
<section id="details"></section>
<section id="warnings"></section>
</main>
<noscript>This report needs JavaScript to show its data; the same facts are in report.md and report.json.</noscript>
<script type="application/json" id="report-data">{"run":${scriptSafeJson(htmlRunData(input.report))},"jobs":[`;
  const explained = explanations(input);
  for (const [i, job] of input.report.jobs.entries()) yield `${i === 0 ? '' : ','}${scriptSafeJson(htmlJobData(input, job, explained))}`;
  yield `]}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const CSS = `
:root{--bg:#f6f8fa;--card:#fff;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--ok:#1a7f37;--bad:#cf222e;--warn:#bf8700;--info:#0969da;--skip:#8c959f;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header{background:var(--card);border-bottom:1px solid var(--line);padding:16px 24px}
header h1{margin:0 0 4px;font-size:20px;display:flex;gap:10px;align-items:center}
header .meta{color:var(--muted);font-size:13px}
header .meta code{font-family:var(--mono);font-size:12px}
main{padding:16px 24px;max-width:1400px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin-bottom:16px}
section:empty{display:none}
h2{font-size:15px;margin:0 0 10px}
.pill{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:600;color:#fff;background:var(--skip);white-space:nowrap}
.s-succeeded,.s-verified{background:var(--ok)}.s-failed,.s-verify-failed{background:var(--bad)}.s-timed_out,.s-budget-exhausted,.s-rate-limited,.s-usage-limit{background:var(--warn)}.s-killed{background:#8250df}.s-interrupted{background:#6e7781}.s-skipped{background:var(--skip)}.s-running,.s-pending{background:var(--info)}
.tl-row{display:grid;grid-template-columns:180px 1fr 70px;align-items:center;gap:8px;height:26px}
.tl-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-weight:500}
.tl-track{position:relative;height:18px;background:repeating-linear-gradient(90deg,#eef1f4 0 1px,transparent 1px 10%);border-radius:4px}
.tl-bar{position:absolute;top:2px;height:14px;border-radius:3px;min-width:3px;opacity:.9}
.tl-wait{position:absolute;top:0;height:18px;background:repeating-linear-gradient(45deg,rgba(191,135,0,.45) 0 4px,transparent 4px 8px);border-radius:3px}
.tl-mark{position:absolute;top:-1px;width:10px;height:10px;margin-left:-5px;transform:rotate(45deg);background:#fff;border:2px solid var(--fg);cursor:help}
.tl-mark.k-blocked{border-color:var(--warn)}.tl-mark.k-deny,.tl-mark.k-kill,.tl-mark.k-fail{border-color:var(--bad)}.tl-mark.k-answer{border-color:var(--info)}
.tl-time{color:var(--muted);font-size:12px;text-align:right}
.tl-axis{display:grid;grid-template-columns:180px 1fr 70px;gap:8px;color:var(--muted);font-size:11px}
.tl-axis div:nth-child(2){display:flex;justify-content:space-between}
.legend{margin-top:8px;color:var(--muted);font-size:12px;display:flex;gap:14px;flex-wrap:wrap}
.legend i{display:inline-block;width:12px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}
.filters{display:flex;gap:16px;align-items:center;margin-bottom:8px;color:var(--muted)}
select,input{font:inherit;padding:3px 6px;border:1px solid var(--line);border-radius:6px;background:#fff;color:var(--fg)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr{cursor:pointer}tbody tr:hover{background:#f6f8fa}
tr.hidden,.job.hidden,.tl-row.hidden{display:none}
.job{border:1px solid var(--line);border-radius:8px;margin:0 0 12px;padding:0}
.job>summary{padding:10px 14px;cursor:pointer;display:flex;gap:10px;align-items:center;font-weight:600;list-style:none}
.job>summary::-webkit-details-marker{display:none}
.job>summary .facts{font-weight:400;color:var(--muted);font-size:13px}
.job .body{padding:0 14px 12px;border-top:1px solid var(--line)}
.job h3{font-size:13px;margin:12px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.why{background:#fff5f5;border-left:4px solid var(--bad);padding:8px 12px;border-radius:4px;margin-top:12px}
.why p{margin:4px 0}
.why.skip{background:#f6f8fa;border-left-color:var(--skip)}
.next{background:#f0f7ff;border-left:4px solid var(--info);padding:8px 12px;border-radius:4px;margin-top:8px}
.next pre{background:#fff;margin-top:6px}
pre{font-family:var(--mono);font-size:12px;background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:4px 0;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-word}
pre.diff .add{color:var(--ok)}pre.diff .del{color:var(--bad)}pre.diff .hunk{color:var(--info)}
mark{background:#fff8c5;outline:1px solid #d4a72c}
mark.current{background:#ffd33d}
.search{display:flex;gap:8px;align-items:center;margin:4px 0}
.search input{width:280px}.search-count{color:var(--muted);font-size:12px}
.iv{margin:6px 0}.iv .when{color:var(--muted);font-family:var(--mono);font-size:12px;margin-right:6px}
.muted{color:var(--muted)}
code{font-family:var(--mono);font-size:12px;background:#eff1f3;padding:1px 4px;border-radius:4px}
`;

// The page script: reads the embedded JSON and builds the page with textContent only.
const SCRIPT = `
(function(){
'use strict';
var data=JSON.parse(document.getElementById('report-data').textContent);
var run=data.run,jobs=data.jobs;
function el(tag,attrs,children){var e=document.createElement(tag);if(attrs){for(var k in attrs){if(k==='text')e.textContent=attrs[k];else if(k==='cls')e.className=attrs[k];else e.setAttribute(k,attrs[k]);}}(children||[]).forEach(function(c){if(c!=null)e.appendChild(typeof c==='string'?document.createTextNode(c):c);});return e;}
function ms(t){return t==null?null:Date.parse(t);}
function dur(v){if(v==null)return '-';if(v<100)return Math.floor(v)+'ms';if(v<60000)return (Math.floor(v/100)/10).toFixed(1)+'s';var s=Math.floor(v/1000),m=Math.floor(s/60);if(m<60)return m+'m'+String(s%60).padStart(2,'0')+'s';return Math.floor(m/60)+'h'+String(m%60).padStart(2,'0')+'m';}
function num(n){return n==null?'-':n.toLocaleString('en-US');}
function prose(t){return t.split(/(\x60[^\x60]*\x60)/).map(function(p){return /^\x60.*\x60$/.test(p)&&p.length>1?el('code',{text:p.slice(1,-1)}):p;});}
function pill(s,tone){return el('span',{cls:'pill '+(tone||'s-'+s),text:s});}
// A job's colour: its status (succeeded, failed, timed_out, ...), then its outcome where CSS knows a finer one (verify-failed, budget-exhausted, ...).
function tone(j){return 's-'+j.status+(j.headline!==j.status?' s-'+j.headline:'');}
function cssId(name){return 'job-'+Array.from(name).map(function(c){return /[A-Za-z0-9_-]/.test(c)?c:'_'+c.codePointAt(0).toString(16);}).join('');}
// Header
var top=document.getElementById('top');
var counts=Object.keys(run.summary).filter(function(k){return run.summary[k]>0;}).map(function(k){return run.summary[k]+' '+k;}).join(', ');
top.appendChild(el('h1',null,['codex-run ',pill(run.status),' ',el('span',{text:run.manifest.split('/').pop()})]));
top.appendChild(el('div',{cls:'meta'},['run ',el('code',{text:run.runId}),' \\u00b7 '+jobs.length+' job'+(jobs.length===1?'':'s')+(counts?' ('+counts+')':'')+' \\u00b7 '+dur(run.durationMs)+' \\u00b7 started '+run.startedAt]));
top.appendChild(el('div',{cls:'meta'},['folder ',el('code',{text:run.runDir})]));
if(run.shards)top.appendChild(el('div',{cls:'meta'},[run.shards]));
// Timeline
var t0=ms(run.startedAt),t1=ms(run.finishedAt);
jobs.forEach(function(j){[j.finishedAt].concat((j.attempts||[]).map(function(a){return a.endedAt;})).forEach(function(t){var v=ms(t);if(v!=null&&(t1==null||v>t1))t1=v;});});
if(t1==null||t1<=t0)t1=t0+1;
function pct(t){var v=ms(t);if(v==null)return null;return Math.max(0,Math.min(100,(v-t0)/(t1-t0)*100));}
var tl=document.getElementById('timeline');
jobs.forEach(function(j){
  var track=el('div',{cls:'tl-track'});
  var spans=(j.attempts&&j.attempts.length)?j.attempts.map(function(a){return {from:a.startedAt,to:a.endedAt||j.finishedAt,title:'attempt '+a.n+(a.reason?' ('+a.reason+')':''),tone:a.verify&&!a.verify.passed?'s-failed':tone(j)};}):(j.startedAt?[{from:j.startedAt,to:j.finishedAt||run.finishedAt,title:j.headline,tone:tone(j)}]:[]);
  spans.forEach(function(s){var a=pct(s.from),b=pct(s.to);if(a==null)return;if(b==null)b=100;var bar=el('div',{cls:'tl-bar '+s.tone,title:j.name+': '+s.title});bar.style.left=a+'%';bar.style.width=Math.max(0.4,b-a)+'%';track.appendChild(bar);});
  j.waits.forEach(function(w){var a=pct(w.from),b=pct(w.to);if(a==null)return;if(b==null)b=100;var d=el('div',{cls:'tl-wait',title:w.what});d.style.left=a+'%';d.style.width=Math.max(0.4,b-a)+'%';track.appendChild(d);});
  j.interventions.forEach(function(i){var a=pct(i.at);if(a==null)return;var m=el('div',{cls:'tl-mark k-'+i.kind,title:i.kind+(i.sent?' "'+i.sent+'"':'')+' at '+i.at});m.style.left=a+'%';track.appendChild(m);});
  var row=el('div',{cls:'tl-row','data-job':j.name},[el('div',{cls:'tl-name',title:j.name,text:j.name}),track,el('div',{cls:'tl-time',text:dur(j.durationMs)})]);
  tl.appendChild(row);
});
tl.appendChild(el('div',{cls:'tl-axis'},[el('div'),el('div',null,[el('span',{text:'0s'}),el('span',{text:dur((t1-t0)/2)}),el('span',{text:dur(t1-t0)})]),el('div')]));
var legend=el('div',{cls:'legend'});
[['succeeded','var(--ok)'],['failed','var(--bad)'],['timed out / limits','var(--warn)'],['skipped / interrupted','var(--skip)']].forEach(function(p){var i=el('i');i.style.background=p[1];legend.appendChild(el('span',null,[i,p[0]]));});
var wi=el('i');wi.style.background='repeating-linear-gradient(45deg,rgba(191,135,0,.6) 0 3px,transparent 3px 6px)';legend.appendChild(el('span',null,[wi,'waiting for input']));
legend.appendChild(el('span',{text:'\\u25c7 intervention'}));
tl.appendChild(legend);
// Table and filters
var tbody=document.querySelector('#jobs tbody');
jobs.forEach(function(j){
  var files=j.changes&&j.changes.files?String(j.changes.files.length):'-';
  var tr=el('tr',{'data-job':j.name,'data-status':j.status,'data-outcome':j.headline,'data-agent':j.agent},[el('td',{text:j.name}),el('td',{text:j.agent}),el('td',null,[pill(j.headline,tone(j))]),el('td',{text:dur(j.durationMs)}),el('td',{cls:'num',text:num(j.turns)}),el('td',{cls:'num',text:num(j.tokens)+(j.cost?' \\u00b7 '+j.cost:'')}),el('td',{text:files}),el('td',{cls:'num',text:String(j.interventions.length)})]);
  tr.addEventListener('click',function(){var d=document.getElementById(cssId(j.name));d.open=true;d.scrollIntoView({block:'start'});});
  tbody.appendChild(tr);
});
function uniq(values){return values.filter(function(v,i){return values.indexOf(v)===i;}).sort();}
function fill(parent,values,prefix){values.forEach(function(v){parent.appendChild(el('option',{value:prefix+v,text:v}));});}
var fs=document.getElementById('filter-status'),fa=document.getElementById('filter-agent');
// Status options are the job statuses (succeeded, failed, ...); finer outcomes (verified, exit-non-zero, ...) follow in their own group, as "outcome:" values.
var statuses=uniq(jobs.map(function(j){return j.status;}));
var outcomes=uniq(jobs.map(function(j){return j.headline;})).filter(function(o){return statuses.indexOf(o)<0;});
fill(fs,statuses,'');
if(outcomes.length){var og=el('optgroup',{label:'outcome'});fill(og,outcomes,'outcome:');fs.appendChild(og);}
fill(fa,uniq(jobs.map(function(j){return j.agent;})),'');
function statusMatches(j,s){if(!s)return true;if(s.indexOf('outcome:')===0)return j.headline===s.slice(8);return j.status===s;}
function applyFilters(){var s=fs.value,a=fa.value,n=0;jobs.forEach(function(j){var show=statusMatches(j,s)&&(!a||j.agent===a);if(show)n++;document.querySelectorAll('[data-job]').forEach(function(e){if(e.getAttribute('data-job')===j.name&&!e.classList.contains('search'))e.classList.toggle('hidden',!show);});});document.getElementById('shown-count').textContent=n+' of '+jobs.length+' shown';}
fs.addEventListener('change',applyFilters);fa.addEventListener('change',applyFilters);
// Job details
var details=document.getElementById('details');
details.appendChild(el('h2',{text:'Details'}));
function diffPre(text){var pre=el('pre',{cls:'diff'});text.replace(/\\n+$/,'').split('\\n').forEach(function(l){var c=/^@@/.test(l)?'hunk':/^\\+(?!\\+\\+)/.test(l)?'add':/^-(?!--)/.test(l)?'del':null;pre.appendChild(c?el('span',{cls:c,text:l}):document.createTextNode(l));pre.appendChild(document.createTextNode('\\n'));});return pre;}
function searchable(lines,name){
  var pre=el('pre',{cls:'transcript'}),input=el('input',{type:'search',placeholder:'search the transcript','aria-label':'search the transcript of '+name}),count=el('span',{cls:'search-count'});
  function render(){var q=input.value;pre.textContent='';var n=0;var text=lines.join('\\n');if(!q){pre.textContent=text;count.textContent=lines.length+(lines.length===1?' line':' lines');return;}var lower=text.toLowerCase(),lq=q.toLowerCase(),at=0,first=null;while(true){var i=lower.indexOf(lq,at);if(i<0)break;pre.appendChild(document.createTextNode(text.slice(at,i)));var m=el('mark',{text:text.slice(i,i+q.length)});if(!first){first=m;m.className='current';}pre.appendChild(m);n++;at=i+q.length;}pre.appendChild(document.createTextNode(text.slice(at)));count.textContent=n+' match'+(n===1?'':'es');if(first)pre.scrollTop=Math.max(0,first.offsetTop-pre.offsetTop-40);}
  input.addEventListener('input',render);render();
  return el('div',null,[el('div',{cls:'search','data-job':name},[input,count]),pre]);
}
jobs.forEach(function(j){
  var facts=[dur(j.durationMs)];if(j.exitCode!=null)facts.push('exit '+j.exitCode);if(j.signal)facts.push(j.signal);if(j.turns!=null)facts.push(j.turns+(j.turns===1?' turn':' turns'));if(j.tokens!=null)facts.push(num(j.tokens)+' tokens');if(j.cost)facts.push('cost '+j.cost);if(j.interventions.length)facts.push(j.interventions.length+(j.interventions.length===1?' intervention':' interventions'));
  var body=el('div',{cls:'body'});
  var d=el('details',{cls:'job',id:cssId(j.name),'data-job':j.name},[el('summary',null,[pill(j.headline,tone(j)),el('span',{text:j.name}),el('span',{cls:'facts',text:facts.join(' \\u00b7 ')})]),body]);
  if(j.explanation){var skip=j.status==='skipped';d.open=!skip;var why=el('div',{cls:skip?'why skip':'why'},[el('p',null,[el('strong',{text:'Why: '})].concat(prose(j.explanation.reason)))]);body.appendChild(why);if(j.explanation.tail.length){body.appendChild(el('h3',{text:'Last output'}));body.appendChild(el('pre',{cls:'tail',text:j.explanation.tail.join('\\n')}));}j.explanation.next.forEach(function(n){var parts=n.split('\\n');var box=el('div',{cls:'next'},[el('strong',{text:'Next: '})].concat(prose(parts[0])));if(parts.length>1)box.appendChild(el('pre',{text:parts.slice(1).join('\\n')}));body.appendChild(box);});}
  if(j.sessionId)body.appendChild(el('p',{cls:'muted'},['session ',el('code',{text:j.sessionId})]));
  if(j.lastMessage){body.appendChild(el('h3',{text:'Last message'}));body.appendChild(el('pre',{text:j.lastMessage}));}
  if(j.attempts&&j.attempts.length){body.appendChild(el('h3',{text:'Attempts'}));j.attempts.forEach(function(a){var line=el('div',{cls:'iv'},[el('span',{cls:'when',text:'#'+a.n}),[a.prompt?a.prompt+' prompt':null,a.reason?'ended: '+a.reason:null,a.tokens!=null?num(a.tokens)+' tokens':null].filter(Boolean).join(' \\u00b7 ')]);if(a.verify){line.appendChild(document.createTextNode(' \\u00b7 verify '));line.appendChild(pill(a.verify.passed?'verified':'verify-failed'));line.appendChild(document.createTextNode(a.verify.exitCode!=null?' exit '+a.verify.exitCode:''));}body.appendChild(line);if(a.verify&&a.verify.tail){body.appendChild(el('pre',{text:Array.isArray(a.verify.tail)?a.verify.tail.join('\\n'):String(a.verify.tail)}));}});}
  if(j.interventions.length){body.appendChild(el('h3',{text:'Interventions'}));j.interventions.forEach(function(i){var what=i.kind+(i.sent!=null?' sent "'+i.sent+'"':'')+(i.rule?' (rule '+(i.rule.index+1)+' /'+i.rule.match+'/)':'')+(i.question&&i.question.text?' \\u2014 asked: '+i.question.text:'')+(i.why?' \\u2014 '+i.why:'');body.appendChild(el('div',{cls:'iv'},[el('span',{cls:'when',text:i.at}),what]));if(i.excerpt&&i.excerpt.length)body.appendChild(el('pre',{cls:'excerpt',text:i.excerpt.join('\\n')}));});}
  if(j.changes){body.appendChild(el('h3',{text:'Changes'+(j.changes.branch?' on '+j.changes.branch:'')}));var ul=el('ul');(j.changes.files||[]).forEach(function(f){ul.appendChild(el('li',null,[el('code',{text:f.path}),' '+f.status+' +'+(f.added||0)+' \\u2212'+(f.removed||0)]));});body.appendChild(ul);if(j.patch)body.appendChild(diffPre(j.patch));}
  if(j.transcript.length){body.appendChild(el('h3',{text:'Transcript (last '+j.transcript.length+(j.transcript.length===1?' line':' lines')+' of '+j.transcriptFile+')'}));body.appendChild(searchable(j.transcript,j.name));}
  else body.appendChild(el('p',{cls:'muted',text:'No transcript ('+j.transcriptFile+' is empty or missing).'}));
  details.appendChild(d);
});
if(run.warnings.length){var w=document.getElementById('warnings');w.appendChild(el('h2',{text:'Warnings'}));run.warnings.forEach(function(x){w.appendChild(el('div',{cls:'iv'},[el('span',{cls:'when',text:x.at}),(x.job?x.job+': ':'')+x.message]));});}
applyFilters();
})();
`;
