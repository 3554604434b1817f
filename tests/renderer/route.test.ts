import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAY_FILTERS, formatRoute, parseRoute, routes, tabOf, type Route } from '../../src/renderer/lib/route';

describe('hash routes', () => {
  const cases: [string, Route][] = [
    ['#/', { page: 'overview' }],
    ['#/settings', { page: 'settings' }],
    ['#/history', routes.plays()],
    ['#/history?q=caf%C3%A9+bl&period=week&zone=Living+Room&source=roon&artist=12', routes.plays({ q: 'café bl', period: { preset: 'week' }, zone: 'Living Room', source: 'roon', artist: '12' })],
    ['#/history?period=custom&from=2025-03-01&to=2025-03-31', routes.plays({ period: { preset: 'custom', from: '2025-03-01', to: '2025-03-31' } })],
    ['#/history/charts', routes.charts()],
    ['#/history/charts?kind=track&by=time&period=all', { page: 'charts', kind: 'track', by: 'time', period: { preset: 'all' } }],
    ['#/history/clock?period=month', routes.clock({ preset: 'month' })],
    ['#/history/year/2024', routes.year(2024)],
    ['#/history/year', routes.year()],
    ['#/history/artists/12', routes.artist(12)],
    ['#/history/albums/7?grain=week', { page: 'album', id: '7', grain: 'week' }],
    ['#/history/tracks/99', routes.track('99')],
    ['#/history/restores', { page: 'restores' }],
  ];
  it.each(cases)('%s parses, and formats back to itself', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
    expect(formatRoute(route)).toBe(hash);
  });

  it('leaves defaults out of the URL', () => {
    expect(formatRoute(routes.charts('artist', { preset: 'month' }, 'plays'))).toBe('#/history/charts');
    expect(formatRoute(routes.plays({ period: { preset: 'all' } }))).toBe('#/history');
  });

  it('falls back field by field on a damaged hash, never throws', () => {
    expect(parseRoute('#/history/charts?kind=planet&by=plays&period=fortnight')).toEqual(routes.charts());
    expect(parseRoute('#/history?period=custom&from=2025-02-30&to=2025-03-01').page === 'plays' && parseRoute('#/history?period=custom&from=2025-02-30&to=2025-03-01')).toMatchObject({ filters: { period: { preset: 'all' } } });
    // A range that ends before it starts is no range.
    expect(parseRoute('#/history?period=custom&from=2025-03-10&to=2025-03-01')).toEqual(routes.plays());
    expect(parseRoute('#/history?source=spotify&artist=<script>')).toEqual(routes.plays());
    expect(parseRoute('#/history/artists/')).toEqual(routes.plays());
    expect(parseRoute('#/history/year/20x5')).toEqual(routes.year());
    expect(parseRoute('#/history/%E0%A4%A')).toEqual({ page: 'overview' });
    expect(parseRoute('#main')).toEqual({ page: 'overview' });
    expect(parseRoute('')).toEqual({ page: 'overview' });
  });

  it('keeps an odd zone name intact through a round trip', () => {
    const route = routes.plays({ zone: 'Kitchen & Bath / #2?' });
    expect(parseRoute(formatRoute(route))).toEqual(route);
  });

  it('puts every history page under the History tab', () => {
    expect(tabOf(routes.artist(1))).toBe('history');
    expect(tabOf({ page: 'restores' })).toBe('history');
    expect(tabOf({ page: 'logs' })).toBe('logs');
    expect(DEFAULT_PLAY_FILTERS.q).toBe('');
  });
});
