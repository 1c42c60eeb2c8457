// Spans into source text. The API counts offsets in Unicode code points (Python's str), while
// JavaScript strings index UTF-16 units: the two differ after any character outside the BMP.

/** The UTF-16 index of code point offset `offset` in `text`. */
export function utf16Offset(text: string, offset: number): number {
  let units = 0;
  let points = 0;
  while (points < offset && units < text.length) {
    const code = text.codePointAt(units) ?? 0;
    units += code > 0xffff ? 2 : 1;
    points += 1;
  }
  return units;
}

export interface Segment {
  text: string;
  marked: boolean;
}

/** `text` cut at the code-point ranges `marks` (sorted, not overlapping), each piece saying
 * whether it is inside a range. */
export function segments(text: string, marks: readonly { start: number; end: number }[]): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const mark of [...marks].sort((a, b) => a.start - b.start)) {
    const start = Math.max(utf16Offset(text, mark.start), at);
    const end = Math.max(utf16Offset(text, mark.end), start);
    if (start > at) out.push({ text: text.slice(at, start), marked: false });
    if (end > start) out.push({ text: text.slice(start, end), marked: true });
    at = end;
  }
  if (at < text.length) out.push({ text: text.slice(at), marked: false });
  return out;
}
