/** Number and statistics formatting exactly as TensorFlow's C++ streams print them. */

/** A double through `std::ostream << x` (default precision 6, %g style): 14290.9, 2.95034e+06. */
export function formatStreamDouble(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(6)))));
  if (exponent < -4 || exponent >= 6) {
    const [mantissa = '0', power = '0'] = value.toExponential(5).split('e');
    const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
    const sign = power.startsWith('-') ? '-' : '+';
    return `${trimmed}e${sign}${power.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const fixed = value.toFixed(Math.max(0, 5 - exponent));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/**
 * tensorflow::Stat<int64_t>::OutputToStream: `count=0`; `count=1 curr=X` (or `count=N curr=X(all
 * same)`) when every sample is equal; otherwise first, curr, min, max, avg (a double) and std (an
 * integer). Samples are whole microseconds.
 */
export function formatStatLine(samplesUs: readonly number[]): string {
  const count = samplesUs.length;
  if (count === 0) return 'count=0';
  const first = samplesUs[0]!;
  const current = samplesUs[count - 1]!;
  const allSame = samplesUs.every((sample) => sample === first);
  if (allSame) return `count=${count} curr=${current}${count > 1 ? '(all same)' : ''}`;
  const min = Math.min(...samplesUs);
  const max = Math.max(...samplesUs);
  const sum = samplesUs.reduce((total, sample) => total + sample, 0);
  const average = sum / count;
  const squares = samplesUs.reduce((total, sample) => total + sample * sample, 0);
  const deviation = Math.trunc(Math.sqrt(Math.max(0, squares / count - average * average)));
  return `count=${count} first=${first} curr=${current} min=${min} max=${max} avg=${formatStreamDouble(average)} std=${deviation}`;
}

export function average(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}
