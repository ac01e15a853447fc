import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonScanner, JsonSyntaxError } from '../src/json-scan.js';

/** The scanner's verdict on a whole text: the compacted value, or null when it is not JSON. */
function scan(text: string): string | null {
  const scanner = new JsonScanner(Buffer.from(text));
  try {
    const start = scanner.skipWhitespace(0);
    const end = scanner.value(start);
    if (scanner.skipWhitespace(end) !== scanner.bytes.length) return null;
    return scanner.compact(start, end, scanner.spaced);
  } catch (err) {
    if (err instanceof JsonSyntaxError) return null;
    throw err;
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const VALID = [
  '0',
  '-0',
  '12.5e-3',
  '1E+2',
  'true',
  'false',
  'null',
  '""',
  '"a\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00"',
  '"é ✓ 😀"',
  '[]',
  '{}',
  ' [ 1 , { "a" : [ ] , "b" : { } } , "x y" ] ',
  '{"a":{"b":{"c":[[[[["deep"]]]]]}}}',
  '{"a":1,"a":2}',
  '\t\r\n{"k\\u0041":"v"}\n',
];
const INVALID = [
  '',
  ' ',
  '01',
  '-',
  '1.',
  '.5',
  '1e',
  '+1',
  'tru',
  'nul',
  'True',
  '"abc',
  '"a\\x"',
  '"\\u12G4"',
  '"tab\there"',
  '"line\nbreak"',
  '[1,]',
  '[,1]',
  '{"a":1,}',
  '{"a" 1}',
  '{a:1}',
  "{'a':1}",
  '[1 2]',
  '{"a":1}}',
  '[[]',
  '1 2',
  '\ufeff{}',
  'NaN',
];

describe('JsonScanner', () => {
  it('accepts and refuses what JSON.parse does', () => {
    for (const text of VALID) assert.equal(parses(text), true, text);
    for (const text of INVALID) assert.equal(parses(text), false, text);
    for (const text of [...VALID, ...INVALID]) assert.equal(scan(text) !== null, parses(text), JSON.stringify(text));
  });

  it('agrees with JSON.parse on 3,000 mutations of a document', () => {
    const doc = '{"topic":"a.b","data":{"n":-12.5e+3,"s":"x\\"y\\u00e9 z","l":[true,false,null,[],{}]},"id":"k"}';
    const alphabet = '{}[]",:\\ 0123456789.-+eEtrufalsn\n\tu';
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 3_000; i++) {
      const at = random(doc.length);
      const op = random(3);
      const ch = alphabet[random(alphabet.length)] as string;
      const text =
        op === 0
          ? doc.slice(0, at) + doc.slice(at + 1)
          : op === 1
            ? doc.slice(0, at) + ch + doc.slice(at)
            : doc.slice(0, at) + ch + doc.slice(at + 1);
      assert.equal(scan(text) !== null, parses(text), JSON.stringify(text));
    }
  });

  it('compacts whitespace outside strings only; the value is unchanged', () => {
    for (const text of VALID) {
      const compact = scan(text) as string;
      assert.deepEqual(JSON.parse(compact), JSON.parse(text), text);
      assert.equal(/\s/.test(compact.replace(/"(?:[^"\\]|\\.)*"/g, '')), false, compact);
    }
    assert.equal(scan(' { "a" : "x y\\n" , "b" : [ 1 , 2 ] } '), '{"a":"x y\\n","b":[1,2]}');
    assert.equal(scan('{"a":1.50}'), '{"a":1.50}', 'numbers are kept as sent');
  });

  it('walks nesting of any depth without recursion', () => {
    const depth = 200_000;
    assert.equal(scan('['.repeat(depth) + ']'.repeat(depth))?.length, 2 * depth);
    assert.equal(scan('['.repeat(depth) + ']'.repeat(depth - 1)), null);
  });
});
