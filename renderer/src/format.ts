/** Small display formats shared by the panels. */

/** "850 ms", "12.4 s", "3 min 05 s", "1 h 02 min". */
export function formatDurationMs(durationMs: number): string {
  if (durationMs < 1000) return `${Math.round(durationMs)} ms`;
  const seconds = durationMs / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const wholeSeconds = Math.floor(seconds);
  const minutes = Math.floor(wholeSeconds / 60);
  if (minutes < 60) return `${minutes} min ${String(wholeSeconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Local wall-clock time of an ISO instant, "14:03:27". */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(undefined, { hour12: false });
}

/** 0..1 as "42 %"; null (unknown amount of work) as "…". */
export function formatProgress(progress: number | null): string {
  return progress === null ? '…' : `${Math.round(progress * 100)} %`;
}

/** How long a job ran (or has run so far, at nowMs). */
export function jobElapsedMs(job: { startedAt: string; endedAt: string | null }, nowMs: number): number {
  const startMs = Date.parse(job.startedAt);
  const endMs = job.endedAt === null ? nowMs : Date.parse(job.endedAt);
  return Math.max(0, endMs - startMs);
}

export interface TextPart {
  readonly text: string;
  readonly code: boolean;
}

/** Backend messages and hints mark commands with backticks: "Start it with `adb start-server`." */
export function splitInlineCode(text: string): TextPart[] {
  const pieces = text.split('`');
  // An odd number of backticks leaves the last one unpaired: it is shown as written.
  const lastIsUnpaired = pieces.length % 2 === 0;
  return pieces.flatMap((piece, index): TextPart[] => {
    if (piece === '') return [];
    if (lastIsUnpaired && index === pieces.length - 1) return [{ text: `\`${piece}`, code: false }];
    return [{ text: piece, code: index % 2 === 1 }];
  });
}
