/** How far a runtime's output is from the reference: the yardstick of every export check. */

export interface OutputComparison {
  /** max |a - b| / max |b| (relative to the largest reference value). */
  maxRelativeError: number;
  maxAbsoluteError: number;
  /** Same arg-max row by row (the predicted class) for [rows, classes] outputs. */
  sameTopClass: boolean;
  elements: number;
}

export function compareOutputs(actual: ArrayLike<number>, reference: ArrayLike<number>, classes = reference.length): OutputComparison {
  if (actual.length !== reference.length) {
    return { maxRelativeError: Number.POSITIVE_INFINITY, maxAbsoluteError: Number.POSITIVE_INFINITY, sameTopClass: false, elements: reference.length };
  }
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < reference.length; i += 1) {
    scale = Math.max(scale, Math.abs(reference[i] as number));
    const diff = Math.abs((actual[i] as number) - (reference[i] as number));
    // NaN must never pass as "close".
    worst = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : Math.max(worst, diff);
  }
  let sameTopClass = true;
  for (let row = 0; row * classes < reference.length; row += 1) {
    const argmax = (values: ArrayLike<number>): number => {
      let best = row * classes;
      for (let i = best; i < (row + 1) * classes; i += 1) if ((values[i] as number) > (values[best] as number)) best = i;
      return best;
    };
    if (argmax(actual) !== argmax(reference)) sameTopClass = false;
  }
  return { maxRelativeError: scale === 0 ? worst : worst / scale, maxAbsoluteError: worst, sameTopClass, elements: reference.length };
}
