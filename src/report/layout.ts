import type { Layout as RowLayout } from './row-json.js';

/** Line breaks and indentation of a depth (nothing in compact JSON), and JSON.stringify at a depth. */
export class JsonLayout implements RowLayout {
  readonly sp: string;
  private readonly lines: string[] = [];
  constructor(readonly indent: number) {
    this.sp = indent > 0 ? ' ' : '';
    for (let d = 0; d < 8; d++) this.lines.push(indent > 0 ? `\n${' '.repeat(d * indent)}` : '');
  }
  nl(depth: number): string {
    return this.lines[depth]!;
  }
  /** JSON.stringify of a value, its lines moved `depth` levels in. */
  json(value: unknown, depth: number): string {
    const text = JSON.stringify(value, null, this.indent);
    return this.indent > 0 && depth > 0 ? text.replace(/\n/g, this.lines[depth]!) : text;
  }
}
