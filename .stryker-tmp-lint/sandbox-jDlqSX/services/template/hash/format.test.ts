// @ts-nocheck
import { expect } from 'chai';
import { HashError } from './errors.ts';
import { encodeHash, parseHash } from './format.ts';
import type { HashFields } from './format.ts';

const FIELDS: HashFields = {
  registry: 'low-entropy-random',
  version: 3,
  algorithm: 'pbkdf2-sha512',
  parameters: [['i', 220_000]],
  salt: Buffer.alloc(32, 1),
  digest: Buffer.alloc(64, 2),
};
const TEXT = encodeHash(FIELDS);

function malformed(text: string): string {
  try {
    parseHash(text);
  } catch (error) {
    expect(error).to.be.instanceOf(HashError);
    return `${(error as HashError).reason} ${(error as HashError).message}`;
  }
  return 'parsed';
}

describe('hash string format (docs/hash-format.md)', () => {
  it('encodes $registry$v=N$algorithm$params$salt$digest with unpadded base64url', () => {
    expect(TEXT).to.equal(`$low-entropy-random$v=3$pbkdf2-sha512$i=220000$${'AQEB'.repeat(10)}AQE$${'AgIC'.repeat(21)}Ag`);
  });

  it('parses what it encodes', () => {
    expect(parseHash(TEXT)).to.deep.equal(FIELDS);
  });

  it('carries several parameters in order, or none, and an empty salt', () => {
    const several = { ...FIELDS, registry: 'low-entropy-deterministic', parameters: [['i', 1], ['p', 10_000_000]] as const, salt: Buffer.alloc(0) };
    expect(encodeHash(several)).to.match(/^\$low-entropy-deterministic\$v=3\$pbkdf2-sha512\$i=1,p=10000000\$\$/);
    expect(parseHash(encodeHash(several))).to.deep.equal(several);
    const none = { ...FIELDS, registry: 'high-entropy-random', algorithm: 'hkdf-sha512', parameters: [] };
    expect(encodeHash(none)).to.match(/^\$high-entropy-random\$v=3\$hkdf-sha512\$\$[A-Za-z0-9_-]{43}\$/);
    expect(parseHash(encodeHash(none))).to.deep.equal(none);
  });

  const bad: readonly (readonly [string, string])[] = [
    ['empty', ''],
    ['no leading $', TEXT.slice(1)],
    ['trailing text', `${TEXT}$`],
    ['leading text', `x${TEXT}`],
    ['newline after', `${TEXT}\n`],
    ['upper-case registry', TEXT.replace('low-entropy-random', 'Low-entropy-random')],
    ['registry with a dangling hyphen', TEXT.replace('low-entropy-random', 'low-entropy-')],
    ['version without v=', TEXT.replace('v=3', '3')],
    ['version 0', TEXT.replace('v=3', 'v=0')],
    ['version with a leading zero', TEXT.replace('v=3', 'v=03')],
    ['version too long', TEXT.replace('v=3', 'v=123456789')],
    ['algorithm with a dangling hyphen', TEXT.replace('pbkdf2-sha512', 'pbkdf2-')],
    ['parameter with a leading zero', TEXT.replace('i=220000', 'i=0220000')],
    ['parameter of zero', TEXT.replace('i=220000', 'i=0')],
    ['parameter without a value', TEXT.replace('i=220000', 'i=')],
    ['parameter with a long name', TEXT.replace('i=220000', 'it=220000')],
    ['trailing comma', TEXT.replace('i=220000', 'i=220000,')],
    ['padding', `${TEXT}=`],
    ['standard base64 alphabet', TEXT.replace(/\$[^$]*$/, '$ab+/')],
    ['missing digest', TEXT.replace(/\$[^$]*$/, '$')],
    ['missing field', TEXT.replace('$i=220000', '')],
  ];
  for (const [name, text] of bad) {
    it(`refuses ${name} as malformed`, () => {
      expect(malformed(text)).to.equal('ERR_HASH_MALFORMED hash string is malformed');
    });
  }

  it('refuses a non-canonical base64url spelling (spare bits set in the last character)', () => {
    // 32 bytes leave two spare bits in the 43rd character: 'F' decodes to the same bytes as 'E'.
    const spare = TEXT.replace(`${'AQEB'.repeat(10)}AQE$`, `${'AQEB'.repeat(10)}AQF$`);
    expect(Buffer.from(spare.split('$')[5] ?? '', 'base64url')).to.deep.equal(FIELDS.salt);
    expect(malformed(spare)).to.equal('ERR_HASH_MALFORMED hash string is malformed: not canonical');
  });

  it('refuses parameters above the bound so a forged string cannot stall a worker', () => {
    expect(parseHash(TEXT.replace('i=220000', 'i=10000000')).parameters).to.deep.equal([['i', 10_000_000]]);
    expect(malformed(TEXT.replace('i=220000', 'i=10000001'))).to.equal('ERR_HASH_MALFORMED hash string is malformed: parameter i out of range');
    expect(malformed(TEXT.replace('i=220000', 'i=99999999'))).to.match(/out of range/);
  });
});
