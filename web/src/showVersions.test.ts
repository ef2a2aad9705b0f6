import { afterEach, describe, expect, it } from 'vitest';
import { forgetShowVersions, noteShowVersion, noteWrite, showReadParams, showVersionOf } from './showVersions';

describe('showVersions', () => {
  afterEach(forgetShowVersions);

  it('asks for no min_version for a show nothing was seen of', () => {
    expect(showVersionOf(7)).toBeUndefined();
    expect(showReadParams(7)).toEqual({ path: { id: 7 } });
    expect('query' in showReadParams(7)).toBe(false);
  });

  it("asks for at least a write's show_version", () => {
    noteWrite({ show_id: 7, show_version: 42 });
    expect(showReadParams(7)).toEqual({ path: { id: 7 }, query: { min_version: 42 } });
  });

  it('never lets a lower version replace a higher one', () => {
    noteWrite({ show_id: 7, show_version: 42 });
    noteShowVersion(7, 41); // an older seat map or a late event
    noteWrite({ show_id: 7, show_version: 40 }); // an answer that arrived late
    expect(showVersionOf(7)).toBe(42);
    noteShowVersion(7, 43);
    expect(showReadParams(7)).toEqual({ path: { id: 7 }, query: { min_version: 43 } });
  });

  it('keeps one version per show and ignores missing or zero versions', () => {
    noteWrite({ show_id: 7, show_version: 42 });
    noteWrite({ show_id: 3 }); // an older service sends none
    noteShowVersion(3, 0); // a map with no change seen yet
    noteShowVersion(3, undefined);
    noteShowVersion(3, Number.NaN);
    expect(showReadParams(3)).toEqual({ path: { id: 3 } });
    noteShowVersion(3, 5);
    expect(showVersionOf(3)).toBe(5);
    expect(showVersionOf(7)).toBe(42);
  });
});
