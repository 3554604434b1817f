// Errors that name the field they are about, as data: `{field, message}[]`.
// One formatter turns a zod error into them and one turns them into a
// sentence, so nothing reads a field back out of a message.
import { z } from 'zod';

export const FieldErrorSchema = z.object({ field: z.string(), message: z.string() });
/** `field` is a dotted path ('roon.host', 'jobs.db-backup.schedule'); '' when the error is about the whole thing. */
export type FieldError = z.infer<typeof FieldErrorSchema>;
const FieldErrorsSchema = z.array(FieldErrorSchema);

/** Every issue of a zod error, each naming its field; `limit` keeps the first few (a huge bad response). */
export function fieldErrorsOf(error: z.ZodError, limit = Infinity): FieldError[] {
  return error.issues.slice(0, limit).map((issue) => ({ field: issue.path.map(String).join('.'), message: issue.message }));
}

/** "lastfm.pollSeconds: Too big; roon.host: …"; an error with no field is its message alone. */
export function describeFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
}

/** The field errors an error carries (a ConfigError, an ApiError, a failed call in the window), or none. */
export function fieldErrorsFrom(error: unknown): FieldError[] {
  const errors = (error as { errors?: unknown } | null)?.errors;
  const parsed = FieldErrorsSchema.safeParse(errors);
  return parsed.success ? parsed.data : [];
}
