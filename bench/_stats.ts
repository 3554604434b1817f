export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function report(name: string, value: number, unit: string, target: string): void {
  console.log(`${name.padEnd(58)} ${value.toFixed(unit === 'rows/s' ? 0 : 1).padStart(10)} ${unit.padEnd(7)} (target ${target})`);
}
