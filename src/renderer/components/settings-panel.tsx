import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useApp } from '../context';
import {
  MISSED_POLICY_LABELS,
  TIMEOUT_SERVICES,
  errorsByField,
  formFromSettings,
  formToInput,
  knownFields,
  type FieldErrors,
  type JobForm,
  type MissedPolicy,
  type SettingsForm,
} from '../lib/settings-form';
import { SERVICE_LABELS } from '../../shared/status';
import { fieldErrorsFrom } from '../../shared/field-errors';

const fieldId = (field: string) => `field-${field.replace(/[^A-Za-z0-9-]/g, '-')}`;

/** A label, its control, an optional hint and the field's error, wired together for screen readers. */
function Field({ field, label, hint, errors, children }: { field: string; label: string; hint?: string; errors: FieldErrors; children: (props: ControlProps) => ComponentChildren }) {
  const id = fieldId(field);
  const error = errors[field];
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <span class="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error && (
        <span class="field-error" id={`${id}-error`} data-testid={`error-${field}`}>
          <span aria-hidden="true">✕ </span>
          {error}
        </span>
      )}
    </div>
  );
}

interface ControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

type Status = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'invalid'; count: number } | { kind: 'failed'; message: string };

export function SettingsPanel() {
  const { api } = useApp();
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [status, setStatus] = useState<Status>({ kind: 'idle' });

  useEffect(() => {
    let live = true;
    api.getSettings({}).then(
      (s) => live && setForm(formFromSettings(s)),
      (e: unknown) => live && setLoadError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [api]);

  if (loadError) return <p class="error-text">Could not load the settings: {loadError}</p>;
  if (!form) return <p class="empty">Loading settings…</p>;

  const update = (patch: Partial<SettingsForm>) => {
    setForm({ ...form, ...patch });
    if (status.kind === 'saved') setStatus({ kind: 'idle' });
  };
  const updateJob = (id: string, patch: Partial<JobForm>) => update({ jobs: { ...form.jobs, [id]: { ...form.jobs[id]!, ...patch } } });
  const updateTimeout = (id: (typeof TIMEOUT_SERVICES)[number], patch: Partial<SettingsForm['timeouts'][typeof id]>) =>
    update({ timeouts: { ...form.timeouts, [id]: { ...form.timeouts[id], ...patch } } });

  const focusFirstError = (errs: FieldErrors) => {
    const first = Object.keys(errs).find((f) => f);
    if (first) requestAnimationFrame(() => document.getElementById(fieldId(first))?.focus());
  };

  const save = async (event: Event) => {
    event.preventDefault();
    const local = formToInput(form);
    const localErrors = Object.entries(local.errors).map(([field, message]) => ({ field, message }));
    if (localErrors.length) {
      const byField = errorsByField(localErrors, knownFields(form));
      setErrors(byField);
      setStatus({ kind: 'invalid', count: localErrors.length });
      focusFirstError(byField);
      return;
    }
    setStatus({ kind: 'saving' });
    try {
      const result = await api.saveSettings(local.input);
      if (result.ok) {
        setForm(formFromSettings(result.settings));
        setErrors({});
        setStatus({ kind: 'saved' });
      } else {
        const byField = errorsByField(result.errors, knownFields(form));
        setErrors(byField);
        setStatus({ kind: 'invalid', count: result.errors.length });
        focusFirstError(byField);
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // A request the host refused names its fields as data (ApiError.errors through IPC or HTTP).
      const fieldErrors = fieldErrorsFrom(e);
      if (fieldErrors.some((f) => f.field)) {
        const byField = errorsByField(fieldErrors, knownFields(form));
        setErrors(byField);
        setStatus({ kind: 'invalid', count: fieldErrors.length });
        focusFirstError(byField);
      } else setStatus({ kind: 'failed', message });
    }
  };

  const text = (field: string, value: string, onInput: (v: string) => void, extra: Record<string, unknown> = {}) => (p: ControlProps) => (
    <input {...p} name={field} type="text" value={value} onInput={(e) => onInput(e.currentTarget.value)} {...extra} />
  );

  return (
    <form class="settings" onSubmit={save} noValidate aria-labelledby="settings-heading" data-testid="settings-form">
      <h2 id="settings-heading" class="visually-hidden">
        Settings
      </h2>
      {errors[''] && (
        <p class="field-error" role="alert">
          {errors['']}
        </p>
      )}

      <fieldset class="panel">
        <legend>Roon</legend>
        <div class="radios" role="radiogroup" aria-label="How to find the Roon Core">
          <label>
            <input type="radio" name="roon.mode" checked={form.roonMode === 'discovery'} onChange={() => update({ roonMode: 'discovery' })} /> Find the Core automatically
          </label>
          <label>
            <input type="radio" name="roon.mode" checked={form.roonMode === 'manual'} onChange={() => update({ roonMode: 'manual' })} /> Connect to a host and port
          </label>
        </div>
        <div class="row">
          <Field field="roon.host" label="Host" errors={errors} hint={form.roonMode === 'discovery' ? 'used only when connecting by host' : undefined}>
            {text('roon.host', form.roonHost, (v) => update({ roonHost: v }), { disabled: form.roonMode === 'discovery', autocomplete: 'off', spellcheck: false })}
          </Field>
          <Field field="roon.port" label="Port" errors={errors}>
            {text('roon.port', form.roonPort, (v) => update({ roonPort: v }), { disabled: form.roonMode === 'discovery', inputMode: 'numeric', class: 'narrow' })}
          </Field>
        </div>
      </fieldset>

      <fieldset class="panel">
        <legend>Last.fm</legend>
        <div class="row">
          <Field field="lastfm.user" label="User name" errors={errors}>
            {text('lastfm.user', form.lastfmUser, (v) => update({ lastfmUser: v }), { autocomplete: 'off', spellcheck: false })}
          </Field>
          <Field
            field="lastfm.apiKey"
            label="API key"
            errors={errors}
            hint={form.removeApiKey ? 'the saved key will be removed' : form.apiKeySet ? 'key saved: leave empty to keep it' : 'from last.fm/api/account/create'}
          >
            {(p) => (
              <input
                {...p}
                name="lastfm.apiKey"
                type="password"
                autocomplete="off"
                value={form.lastfmApiKey}
                placeholder={form.apiKeySet ? 'key saved' : ''}
                disabled={form.removeApiKey}
                onInput={(e) => update({ lastfmApiKey: e.currentTarget.value })}
              />
            )}
          </Field>
          <Field field="lastfm.pollSeconds" label="Poll every (s)" errors={errors} hint="0 turns polling off">
            {text('lastfm.pollSeconds', form.lastfmPollSeconds, (v) => update({ lastfmPollSeconds: v }), { inputMode: 'numeric', class: 'narrow' })}
          </Field>
        </div>
        {form.apiKeySet && (
          <label class="check">
            <input type="checkbox" checked={form.removeApiKey} onChange={(e) => update({ removeApiKey: e.currentTarget.checked, lastfmApiKey: '' })} /> Remove the saved API key
          </label>
        )}
      </fieldset>

      <fieldset class="panel">
        <legend>Restore timeouts</legend>
        <p class="small">How long a service may take to come back after wake before it is retried in the background. Auto uses about twice its recent p95.</p>
        <div class="row">
          {TIMEOUT_SERVICES.map((id) => {
            const t = form.timeouts[id];
            const field = `restore.timeoutsMs.${id}`;
            return (
              <div class="timeout" key={id}>
                <Field field={field} label={`${SERVICE_LABELS[id]} (s)`} errors={errors}>
                  {(p) => (
                    <input
                      {...p}
                      name={field}
                      type="text"
                      inputMode="decimal"
                      class="narrow"
                      value={t.auto ? '' : t.seconds}
                      placeholder={t.auto ? 'auto' : ''}
                      disabled={t.auto}
                      onInput={(e) => updateTimeout(id, { seconds: e.currentTarget.value })}
                    />
                  )}
                </Field>
                <label class="check">
                  <input type="checkbox" checked={t.auto} onChange={(e) => updateTimeout(id, { auto: e.currentTarget.checked, seconds: t.seconds || '10' })} /> auto
                </label>
              </div>
            );
          })}
        </div>
      </fieldset>

      <fieldset class="panel">
        <legend>Job schedules</legend>
        <p class="small">Cron expressions (minute hour day month weekday) in the job's time zone. Runs missed while the computer slept follow the missed-run policy.</p>
        {Object.entries(form.jobs).map(([id, job]) => (
          <fieldset class="job" key={id}>
            <legend>{id}</legend>
            <div class="row">
              <Field field={`jobs.${id}.schedule`} label="Schedule" errors={errors}>
                {text(`jobs.${id}.schedule`, job.schedule, (v) => updateJob(id, { schedule: v }), { spellcheck: false, class: 'mono' })}
              </Field>
              <Field field={`jobs.${id}.timezone`} label="Time zone" errors={errors}>
                {text(`jobs.${id}.timezone`, job.timezone, (v) => updateJob(id, { timezone: v }), { spellcheck: false })}
              </Field>
              <Field field={`jobs.${id}.missedPolicy`} label="Missed runs" errors={errors}>
                {(p) => (
                  <select {...p} name={`jobs.${id}.missedPolicy`} value={job.missedPolicy} onChange={(e) => updateJob(id, { missedPolicy: e.currentTarget.value as MissedPolicy })}>
                    {(Object.keys(MISSED_POLICY_LABELS) as MissedPolicy[]).map((k) => (
                      <option key={k} value={k}>
                        {MISSED_POLICY_LABELS[k]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <label class="check">
                <input type="checkbox" checked={job.enabled} onChange={(e) => updateJob(id, { enabled: e.currentTarget.checked })} /> enabled
              </label>
            </div>
          </fieldset>
        ))}
      </fieldset>

      <fieldset class="panel">
        <legend>Notifications</legend>
        <label class="check">
          <input type="checkbox" checked={form.notifications} onChange={(e) => update({ notifications: e.currentTarget.checked })} /> Show desktop notifications (Roon reconnected, plays caught up after wake, authorisation needed)
        </label>
      </fieldset>

      <div class="form-actions">
        <button type="submit" disabled={status.kind === 'saving'}>
          {status.kind === 'saving' ? 'Saving…' : 'Save settings'}
        </button>
        <span role="status" aria-live="polite" data-testid="settings-status" class={status.kind === 'invalid' || status.kind === 'failed' ? 'error-text' : 'small'}>
          {status.kind === 'saved' && 'Saved.'}
          {status.kind === 'invalid' && `Not saved: ${status.count === 1 ? 'one field needs' : `${status.count} fields need`} attention.`}
          {status.kind === 'failed' && `Not saved: ${status.message}`}
        </span>
      </div>
    </form>
  );
}
