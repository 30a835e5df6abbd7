/**
 * What a SQLite node's body spool holds, read with a connection of its own: the segment files, the segment
 * rows, and whether the rows and files agree (the invariants of store/body-spool.ts).
 */
import Database from 'better-sqlite3';
import { readdirSync, statSync } from 'node:fs';

export interface SpoolState {
  files: Map<string, number>;
  segments: { id: string; committed_end: number; live: number; sealed: number }[];
  /** Bodies in message_bodies (none, on a SQLite file). */
  inTable: number;
  /** Every way the rows and the files disagree, in words (empty when they agree). */
  problems: string[];
}

export function spoolState(databaseFile: string): SpoolState {
  const dir = `${databaseFile}-spool`;
  const files = new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.seg'))
      .map((f) => [f.slice(0, -4), statSync(`${dir}/${f}`).size] as const),
  );
  const db = new Database(databaseFile, { readonly: true });
  try {
    const segments = db.prepare('select * from spool_segments order by id').all() as SpoolState['segments'];
    const refs = db
      .prepare(
        `select body_segment as segment, count(*) as n, max(body_offset + body_length) as last_end
         from messages where body_segment is not null group by body_segment`,
      )
      .all() as { segment: string; n: number; last_end: number }[];
    const inTable = db.prepare('select count(*) from message_bodies').pluck().get() as number;
    const problems: string[] = [];
    const rows = new Map(segments.map((s) => [s.id, s]));
    for (const [id, size] of files) {
      const row = rows.get(id);
      if (!row) problems.push(`segment ${id} has no row (an orphan)`);
      else if (size !== row.committed_end)
        problems.push(`segment ${id} is ${size} bytes, its committed end ${row.committed_end}`);
    }
    for (const s of segments) if (!files.has(s.id)) problems.push(`segment ${s.id} has a row but no file`);
    for (const r of refs) {
      const row = rows.get(r.segment);
      if (!row) problems.push(`${r.n} messages reference segment ${r.segment}, which has no row`);
      else {
        if (r.last_end > row.committed_end)
          problems.push(`a body of segment ${r.segment} ends at ${r.last_end}, past ${row.committed_end}`);
        if (r.n !== row.live) problems.push(`segment ${r.segment}: ${r.n} messages, live ${row.live}`);
      }
    }
    return { files, segments, inTable, problems };
  } finally {
    db.close();
  }
}
