import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

/**
 * Renders a Helm chart's templates for tests, on machines without the helm binary. It knows
 * the subset of Go templates our chart uses, and fails loudly on anything else: `.Values.x`,
 * `.Release.Name`, `.Chart.x`, `include "name" .`, `toYaml x`, `add`/`div`, the `quote` and
 * `nindent N` filters, `if … end`, `define`, comments and `{{-`/`-}}` trimming.
 */
export interface RenderedChart {
  chart: Record<string, unknown>;
  values: Record<string, unknown>;
  /** Every Kubernetes object the templates produce, parsed from YAML. */
  objects: Array<Record<string, unknown>>;
}

type Scope = { Values: unknown; Release: { Name: string }; Chart: unknown };

function lookup(scope: Scope, path: string): unknown {
  let value: unknown = scope;
  for (const key of path.replace(/^\./, '').split('.')) {
    if (typeof value !== 'object' || value === null || !(key in value)) throw new Error(`template: no value at ${path}`);
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The value of a pipeline's first command. */
function head(command: string, scope: Scope, defines: Map<string, string>): unknown {
  const include = command.match(/^include "([^"]+)" \.$/);
  if (include) return render(defines.get(include[1] as string) ?? '', scope, defines).trim();
  const toYaml = command.match(/^toYaml (\S+)$/);
  if (toYaml) return stringify(lookup(scope, toYaml[1] as string)).trimEnd();
  const arithmetic = command.match(/^add \(div (\S+) (\d+)\) (\d+)$/);
  if (arithmetic) return Math.floor(Number(lookup(scope, arithmetic[1] as string)) / Number(arithmetic[2])) + Number(arithmetic[3]);
  if (command.startsWith('.')) return lookup(scope, command);
  throw new Error(`template: unsupported expression "${command}"`);
}

function evaluate(expr: string, scope: Scope, defines: Map<string, string>): unknown {
  const [first = '', ...filters] = expr.split('|').map((s) => s.trim());
  let value = head(first, scope, defines);
  for (const filter of filters) {
    const nindent = filter.match(/^nindent (\d+)$/);
    if (filter === 'quote') value = JSON.stringify(String(value));
    else if (nindent) value = `\n${String(value).replace(/^/gm, ' '.repeat(Number(nindent[1])))}`;
    else throw new Error(`template: unsupported filter "${filter}"`);
  }
  return value;
}

function render(template: string, scope: Scope, defines: Map<string, string>): string {
  let text = template.replace(/\s*\{\{-/g, '{{').replace(/-\}\}\s*/g, '}}');
  // Innermost `if` first (a body without another `if`), until none is left.
  const innermostIf = /\{\{\s*if (\S+)\s*\}\}((?:(?!\{\{\s*if )[\s\S])*?)\{\{\s*end\s*\}\}/g;
  for (let before = ''; before !== text; ) {
    before = text;
    text = text.replace(innermostIf, (_all, cond: string, body: string) => (lookup(scope, cond) ? body : ''));
  }
  return text.replace(/\{\{\s*([\s\S]*?)\s*\}\}/g, (_all, expr: string) => String(evaluate(expr, scope, defines)));
}

/** Renders every template of the chart at `dir` with its values.yaml (and `overrides`, shallow per key). */
export function renderChart(dir: string, releaseName = 'sb', overrides: Record<string, unknown> = {}): RenderedChart {
  const chart = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const values = { ...(parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Record<string, unknown>), ...overrides };
  const scope: Scope = { Values: values, Release: { Name: releaseName }, Chart: chart };
  const files = readdirSync(join(dir, 'templates')).sort();
  const defines = new Map<string, string>();
  for (const file of files.filter((f) => f.endsWith('.tpl'))) {
    const text = readFileSync(join(dir, 'templates', file), 'utf8').replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '');
    for (const m of text.matchAll(/\{\{-?\s*define "([^"]+)"\s*-?\}\}([\s\S]*?)\{\{-?\s*end\s*-?\}\}/g))
      defines.set(m[1] as string, m[2] as string);
  }
  const objects: Array<Record<string, unknown>> = [];
  for (const file of files.filter((f) => f.endsWith('.yaml'))) {
    const rendered = render(readFileSync(join(dir, 'templates', file), 'utf8'), scope, defines);
    for (const doc of parseAllDocuments(rendered)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}\n${rendered}`);
      const object = doc.toJS() as Record<string, unknown> | null;
      if (object !== null) objects.push(object);
    }
  }
  return { chart, values, objects };
}
