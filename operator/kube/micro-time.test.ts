import { expect } from 'chai';
import { microTime } from './micro-time.ts';

describe('metav1.MicroTime', () => {
  it('has exactly six fractional digits, as the API server\'s decoder wants', () => {
    expect(microTime(new Date('2026-01-01T00:00:00Z'))).to.equal('2026-01-01T00:00:00.000000Z');
    expect(microTime(new Date('2026-12-03T18:04:05.123Z'))).to.equal('2026-12-03T18:04:05.123000Z');
    expect(microTime(new Date(Date.UTC(2026, 5, 1, 1, 2, 3, 7)))).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/u);
  });
});
