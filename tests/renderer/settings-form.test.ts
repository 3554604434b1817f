import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/api';
import { fieldErrorsFrom } from '../../src/shared/field-errors';
import { EncoreCallError } from '../../src/preload/ipc-result';
import { RestoreTimeoutSchema } from '../../src/shared/config';
import { errorsByField, formFromSettings, formToInput, knownFields, TIMEOUT_SERVICES } from '../../src/renderer/lib/settings-form';
import type { Settings } from '../../src/shared/api';
import { SettingsInputSchema } from '../../src/shared/api';

const settings: Settings = {
  roon: { mode: 'discovery', host: null, port: null },
  lastfm: { user: 'someone', apiKeySet: true, pollSeconds: 60 },
  restore: { timeoutsMs: { roon: 10_000, lastfm: 2_500, scheduler: 'auto' } },
  jobs: { 'db-backup': { schedule: '0 3 * * *', timezone: 'Europe/London', missedPolicy: 'coalesce', enabled: true } },
  notifications: { enabled: true },
};

describe('settings form', () => {
  it('round-trips saved settings into a request the main process accepts, leaving the key alone', () => {
    const form = formFromSettings(settings);
    expect(form.timeouts.lastfm).toEqual({ auto: false, seconds: '2.5' });
    const { input, errors } = formToInput(form);
    expect(errors).toEqual({});
    expect(SettingsInputSchema.safeParse(input).success).toBe(true);
    expect(input.lastfm).toEqual({ user: 'someone', pollSeconds: 60 });
    expect(input.restore?.timeoutsMs).toEqual({ roon: 10_000, lastfm: 2_500, scheduler: 'auto' });
  });
  it('sends a new key, or an empty one to remove it', () => {
    const form = formFromSettings(settings);
    expect(formToInput({ ...form, lastfmApiKey: ' 0123456789abcdef0123456789ABCDEF ' }).input.lastfm?.apiKey).toBe('0123456789abcdef0123456789ABCDEF');
    expect(formToInput({ ...form, removeApiKey: true }).input.lastfm?.apiKey).toBe('');
  });
  it('catches what a person can mistype, per field', () => {
    const form = formFromSettings(settings);
    const { errors } = formToInput({
      ...form,
      roonMode: 'manual',
      roonHost: '',
      roonPort: '99999',
      lastfmApiKey: 'short',
      lastfmPollSeconds: 'often',
      timeouts: { ...form.timeouts, roon: { auto: false, seconds: '0' } },
      jobs: { 'db-backup': { ...form.jobs['db-backup']!, schedule: ' ' } },
    });
    expect(Object.keys(errors).sort()).toEqual(
      ['jobs.db-backup.schedule', 'lastfm.apiKey', 'lastfm.pollSeconds', 'restore.timeoutsMs.roon', 'roon.host', 'roon.port'].sort(),
    );
  });
  it('takes its ranges and messages from the schema, not a copy of them', () => {
    const form = formFromSettings(settings);
    const { errors } = formToInput({ ...form, roonPort: '70000', lastfmPollSeconds: '90000', timeouts: { ...form.timeouts, roon: { auto: false, seconds: '0.05' } } });
    const schemaSays = (value: unknown, schema: { safeParse(v: unknown): { error?: { issues: Array<{ message: string }> } } }) => schema.safeParse(value).error!.issues[0]!.message;
    expect(errors['restore.timeoutsMs.roon']).toBe(schemaSays(50, RestoreTimeoutSchema));
    expect(errors['roon.port']).toBe(schemaSays({ roon: { mode: 'discovery', port: 70000 } }, SettingsInputSchema));
    expect(errors['lastfm.pollSeconds']).toBe(schemaSays({ lastfm: { pollSeconds: 90000 } }, SettingsInputSchema));
    expect(TIMEOUT_SERVICES).toEqual(Object.keys(settings.restore.timeoutsMs));
  });
  it('puts the main process’s errors next to their fields', () => {
    const form = formFromSettings(settings);
    const byField = errorsByField(
      [
        { field: 'roon.host', message: 'use a host name' },
        { field: 'jobs.db-backup.timezone', message: 'unknown time zone Mars/Olympus' },
        { field: 'jobs.db-backup.schedule.0', message: 'bad minute' },
        { field: 'restore', message: 'something general' },
        { field: 'notifications.enabled', message: 'expected boolean' },
      ],
      knownFields(form),
    );
    expect(byField).toEqual({
      'roon.host': 'use a host name',
      'jobs.db-backup.timezone': 'unknown time zone Mars/Olympus',
      'jobs.db-backup.schedule': 'bad minute',
      '': 'something general; expected boolean',
    });
  });

  it('checks the main process’s schema too, with its own messages', () => {
    const form = formFromSettings(settings);
    const { errors } = formToInput({ ...form, lastfmUser: 'bad user!' });
    expect(errors).toEqual({ 'lastfm.user': 'a Last.fm user name has letters, digits, _ . and - only' });
  });
  it('a 400 from the host carries its field errors as data, however its message reads', () => {
    const refused = SettingsInputSchema.safeParse({ lastfm: { pollSeconds: -1 }, roon: { mode: 'manual', host: 'bad host!', port: 9330 } });
    if (refused.success) throw new Error('the request should be refused');
    const error = ApiError.invalid(refused.error);
    expect(error.status).toBe(400);
    const fields = fieldErrorsFrom(error).map((e) => e.field);
    expect(fields).toContain('lastfm.pollSeconds');
    expect(fields).toContain('roon.host');
    expect(fieldErrorsFrom(new EncoreCallError(error.message, 400, error.errors))).toEqual(error.errors);
    // A message that merely looks like "field: message" is not taken apart.
    expect(fieldErrorsFrom(new Error('roon.host: looks like a field'))).toEqual([]);
  });
});
