import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiFilters } from '../../src/renderer/components/history/api-filters';
import { routes, type PlayFilters } from '../../src/renderer/lib/route';

const filters = (f: Partial<PlayFilters>) => (routes.plays(f) as { filters: PlayFilters }).filters;

describe('from the route to the API request', () => {
  afterEach(() => vi.useRealTimers());
  it('sends only what is set, ids as numbers, the search trimmed', () => {
    expect(apiFilters(filters({}))).toEqual({});
    expect(apiFilters(filters({ q: '  sigur ', artist: '12', zone: 'Kitchen', source: 'roon' }))).toEqual({ q: 'sigur', artist: 12, zone: 'Kitchen', source: 'roon' });
    expect(apiFilters(filters({ q: '   ' }))).toEqual({});
  });
  it('turns a period into its instants, the same request all day', () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2025-03-10T08:00:00Z'));
    const morning = apiFilters(filters({ period: { preset: 'week' } }));
    vi.setSystemTime(Date.parse('2025-03-10T22:00:00Z'));
    expect(apiFilters(filters({ period: { preset: 'week' } }))).toEqual(morning);
    expect(morning).toEqual({ from: '2025-03-04T00:00:00.000Z', to: '2025-03-11T00:00:00.000Z' });
  });
  it('drops an id that is not a number rather than sending it', () => {
    expect(apiFilters(filters({ album: 'abc' }))).toEqual({});
  });
});
