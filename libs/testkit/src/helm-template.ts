import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments, stringify } from 'yaml';

/**
 * Renders a Helm chart's templates for tests, on machines without the helm binary. It knows
 * the subset of Go templates our chart uses, and fails loudly on anything else: `.Values.x`,
 * `.Release.Name`, `.Chart.x`, `include "name" .`, `toYaml x`, integer `add`/`sub`/`mul`/`div`/
 * `max` (nested in parentheses), the `quote` and `nindent N` filters, `if … else … end` with Go's
 * truthiness (empty maps, lists and strings, 0, false and null are false), `define`, comments and
 * `{{-`/`-}}` trimming. Like `helm install`, it checks the values against values.schema.json
 * (when the chart has one) and throws `ChartValuesError` when they do not match.
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

/** Values that Go templates treat as false in `if`. */
function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => Math.trunc(a / b),
  max: (a, b) => Math.max(a, b),
};

/** Splits `a (b c) d` into its top-level arguments. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text.trim()) {
    if (ch === ' ' && depth === 0) {
      if (current !== '') args.push(current);
      current = '';
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    current += ch;
  }
  if (current !== '') args.push(current);
  return args;
}

/** An integer expression: a number, a value path, or `(fn a b …)` with Sprig's integer functions. */
function integer(arg: string, scope: Scope): number {
  if (/^-?\d+$/.test(arg)) return Number(arg);
  if (arg.startsWith('.')) return Math.trunc(Number(lookup(scope, arg)));
  const call = arg.match(/^\((\w+) (.+)\)$/);
  if (call) return arithmetic(call[1] as string, splitArgs(call[2] as string), scope);
  throw new Error(`template: not an integer expression "${arg}"`);
}

function arithmetic(fn: string, args: string[], scope: Scope): number {
  const op = ARITHMETIC[fn];
  if (op === undefined || args.length < 2) throw new Error(`template: unsupported function "${fn}"`);
  return args.map((a) => integer(a, scope)).reduce(op);
}

/** The value of a pipeline's first command. */
function head(command: string, scope: Scope, defines: Map<string, string>): unknown {
  const include = command.match(/^include "([^"]+)" \.$/);
  if (include) {
    const body = defines.get(include[1] as string);
    if (body === undefined) throw new Error(`template: no define "${include[1]}"`);
    return render(body, scope, defines).trim();
  }
  const toYaml = command.match(/^toYaml (\S+)$/);
  if (toYaml) return stringify(lookup(scope, toYaml[1] as string)).trimEnd();
  const call = command.match(/^(\w+) (.+)$/);
  if (call && (call[1] as string) in ARITHMETIC) return arithmetic(call[1] as string, splitArgs(call[2] as string), scope);
  if (command.startsWith('.')) return lookup(scope, command);
  if (/^"[^"]*"$/.test(command)) return JSON.parse(command);
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
    text = text.replace(innermostIf, (_all, cond: string, body: string) => {
      const [then = '', otherwise = ''] = body.split(/\{\{\s*else\s*\}\}/);
      return truthy(lookup(scope, cond)) ? then : otherwise;
    });
  }
  return text.replace(/\{\{\s*([\s\S]*?)\s*\}\}/g, (_all, expr: string) => String(evaluate(expr, scope, defines)));
}

/** The values do not match the chart's values.schema.json (as `helm install` would refuse them). */
export class ChartValuesError extends Error {
  override readonly name = 'ChartValuesError';
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's merge of user values over the chart's: maps merge key by key, anything else replaces. */
export function mergeValues(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] = isMap(current) && isMap(value) ? mergeValues(current, value) : value;
  }
  return merged;
}

function checkValues(dir: string, values: Record<string, unknown>): void {
  const file = join(dir, 'values.schema.json');
  if (!existsSync(file)) return;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
  if (!validate(values))
    throw new ChartValuesError(
      `values don't meet the specifications of the schema: ${ajv.errorsText(validate.errors, { dataVar: 'values' })}`,
    );
}

/** Renders every template of the chart at `dir` with its values.yaml merged with `overrides` (deeply, as Helm does). */
export function renderChart(dir: string, releaseName = 'sb', overrides: Record<string, unknown> = {}): RenderedChart {
  const chart = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const values = mergeValues(parse(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Record<string, unknown>, overrides);
  checkValues(dir, values);
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
