/**
 * The start-up memory release shrinks a young generation that allocation has grown and leaves no
 * `gc` function behind for later code.
 */
import { expect } from 'chai';
import { getHeapSpaceStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { releaseStartUpMemory } from './start-up-memory.ts';

const MIB = 1024 * 1024;

function newSpaceMib(): number {
  const space = getHeapSpaceStatistics().find((one) => one.space_name === 'new_space');
  if (space === undefined) throw new Error('V8 reports no new_space');
  return space.space_size / MIB;
}

/** Short-lived objects that survive a few scavenges: what makes V8 grow its semi-spaces. */
function growYoungGeneration(): number {
  let kept: unknown[] = [];
  let total = 0;
  for (let round = 0; round < 200_000; round += 1) {
    kept.push({ round, text: `item ${String(round)}`, list: [round, round + 1] });
    if (kept.length > 50_000) {
      total += kept.length;
      kept = [];
    }
  }
  return total + kept.length;
}

describe('releaseStartUpMemory', () => {
  it('shrinks the young generation that start-up allocation grew', () => {
    expect(growYoungGeneration()).to.equal(200_000);
    const grown = newSpaceMib();
    releaseStartUpMemory();
    const released = newSpaceMib();
    expect(released).to.be.lessThan(grown);
    expect(released).to.be.at.most(2);
  });

  it('leaves no gc function in contexts made afterwards', () => {
    releaseStartUpMemory();
    expect(runInNewContext('typeof gc')).to.equal('undefined');
  });
});
