// The view on screen as a file: CSV (RFC 4180, so spreadsheets open it as
// written) and JSON. The history list itself is exported by the host, which
// streams every matching play; these cover the charts, the clock and the year.

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
}

function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  // A leading = + - @ makes spreadsheets run the cell as a formula; a quote mark keeps it text.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name for a download: letters, digits and dashes only. */
export function exportFileName(stem: string, extension: string): string {
  const clean = stem
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
  return `${clean || 'encore'}.${extension}`;
}

/** Hands a file to the browser's (or Electron's) download handling. */
export function downloadText(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // After the click has been handled: revoking at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
