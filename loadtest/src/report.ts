import type { BenchReport, Metrics, ScenarioResult } from './result.js';

/** The headline metrics of each scenario, in table order. */
const HEADLINES: Record<string, string[]> = {
  burst: ['cpuUsPerDelivery', 'userUsPerDelivery', 'systemUsPerDelivery', 'deliveriesPerSec', 'p50Ms', 'p99Ms', 'maxMs', 'clientCpuPct'],
  rate: ['deliveriesPerSec', 'p50Ms', 'p99Ms', 'maxMs', 'serverCpuPct', 'cpuUsPerDelivery', 'clientCpuPct'],
  idle: ['kbPerConnection', 'connections', 'rssBeforeMb', 'rssAfterMb'],
  connect: ['connectionsPerSec', 'cpuUsPerConnection', 'failed', 'clientCpuPct'],
  'hot-topic': [
    'publishesPerSec',
    'refused',
    'batchMessagesPerSec',
    'batchRefused',
    'systemCpuUsPerPublish',
    'apiCpuUsPerPublish',
    'brokerCpuUsPerPublish',
    'loadCpuUsPerPublish',
  ],
  'ws-burst': ['deliveriesPerSec', 'p50Ms', 'p99Ms', 'edgeCpuUsPerDelivery', 'edgesCpuPct', 'brokerCpuPct'],
  'cross-node': ['deliveriesPerSec', 'p50Ms', 'p99Ms', 'edgeCpuUsPerDelivery', 'edgesCpuPct', 'apiCpuPct', 'brokerCpuPct', 'clientsCpuPct'],
};

const show = (value: number | null | undefined) => (value === null || value === undefined ? '–' : String(value));

function rows(result: ScenarioResult): string[] {
  const keys = HEADLINES[result.scenario] ?? Object.keys(result.subject.metrics);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const side = (label: string, metrics: Metrics) => line([label, ...keys.map((k) => show(metrics[k]))]);
  return [
    line(['', ...keys]),
    line(['---', ...keys.map(() => '---:')]),
    side(result.baseline.label, result.baseline.metrics),
    side(result.subject.label, result.subject.metrics),
    line(['**ratio**', ...keys.map((k) => (k in result.ratios ? `**${show(result.ratios[k])}**` : ''))]),
  ];
}

/** The results as markdown: one table per scenario, then the targets. */
export function markdown(report: BenchReport): string {
  const out: string[] = [
    `Switchboard benchmark, ${report.startedAt}: ${report.machine.cpus} CPUs, Node ${report.machine.node}, ` +
      `load average at start ${report.machine.loadAverage.map((n) => n.toFixed(2)).join(' ')}`,
    '',
  ];
  for (const result of report.results) {
    const params = Object.entries(result.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    out.push(`### ${result.scenario} (bus: ${result.bus}; ${params})`, '', ...rows(result), '');
    if (!result.deliveriesOk) out.push('**Not every expected delivery arrived** (see deliveries/expected in the JSON).', '');
    for (const note of result.notes) out.push(`- ${note}`);
    if (result.notes.length > 0) out.push('');
  }
  out.push('### Targets', '', '| target | value | limit | met |', '| --- | ---: | ---: | --- |');
  for (const result of report.results) {
    for (const c of result.checks) out.push(`| ${c.what} | ${show(c.value)} | ${c.op} ${c.limit} | ${c.met ? 'yes' : '**no**'} |`);
  }
  return out.join('\n');
}
